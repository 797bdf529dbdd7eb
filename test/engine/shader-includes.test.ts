/**
 * The WGSL include directive (src/engine/webgpu/shaderSource.ts): `// @include x.wgsl` lines are
 * replaced by x's text, expanded in turn, each file at most once at its first mention; a missing
 * file is named with the file that includes it. On in-memory files, then on the shipped kernels:
 * each kernel file states only its own code (the bindings, the entry-point builtins and the
 * shared bodies come from shaders/common/).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expandIncludes, shaderSource } from '../../src/engine/webgpu/shaderSource.ts';
import { KERNELS } from '../../src/engine/webgpu/kernels.ts';

const files: Record<string, string> = {
  'k.wgsl': 'fn own() {}\n// @include common/b.wgsl\n  //   @include common/a.wgsl  \nfn tail() {}\n',
  'common/a.wgsl': 'const A = 1;\n',
  'common/b.wgsl': '// @include common/a.wgsl\nconst B = A;\n',
  'loop.wgsl': '// @include loop.wgsl\nconst L = 0;\n',
  'broken.wgsl': '// @include common/c.wgsl\n',
  'common/c.wgsl': '// @include common/missing.wgsl\n',
};
const read = async (rel: string) => {
  if (!(rel in files)) throw new Error(`no shader ${rel}`);
  return files[rel];
};
const count = (s: string, needle: string) => s.split(needle).length - 1;

describe('WGSL include directive', () => {
  it('nested includes expand in place, each file once at its first mention', async () => {
    const k = await expandIncludes('k.wgsl', read);
    expect(count(k, 'const A = 1;')).toBe(1);
    expect(count(k, 'const B = A;')).toBe(1);
    expect(k).not.toMatch(/@include/);
    // a.wgsl enters inside b.wgsl (its first mention), before B; own code keeps its place
    const order = ['fn own()', '// ---- begin common/b.wgsl', '// ---- begin common/a.wgsl', 'const A = 1;', 'const B = A;', 'fn tail()'].map((s) => k.indexOf(s));
    expect(order.every((p, i) => p >= 0 && (i === 0 || p > order[i - 1]))).toBe(true);
  });

  it('a file that includes itself is not expanded again; a missing file names its includers', async () => {
    expect((await expandIncludes('loop.wgsl', read)).trim()).toBe('const L = 0;');
    await expect(expandIncludes('broken.wgsl', read)).rejects.toThrow('broken.wgsl includes common/c.wgsl: common/c.wgsl includes common/missing.wgsl: no shader common/missing.wgsl');
  });

  it('the shipped kernels: the shared preamble comes from shaders/common/, each file states only its own code', async () => {
    const root = resolve(import.meta.dirname, '../..');
    const own = readdirSync(resolve(root, 'src/ops'), { withFileTypes: true }).filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(resolve(root, 'src/ops', d.name)).filter((f) => f.endsWith('.wgsl')).map((f) => `src/ops/${d.name}/${f}`))
      .concat(['shaders/densify.wgsl', 'shaders/fisher.wgsl']);
    for (const f of own) {
      const text = readFileSync(resolve(root, f), 'utf8');
      expect(text, f).not.toMatch(/@binding\([1-7]\)|struct (Flow|Ref|Grid1D) \{|@builtin\(num_workgroups\)/);
    }
    for (const k of KERNELS) {
      const src = await shaderSource(k);
      expect(src, k).not.toMatch(/^\s*\/\/\s*@include/m);
      expect(count(src, 'struct Flow {'), k).toBe(1);
      expect(count(src, '@group(0) @binding(0) var<uniform> u: U;'), k).toBe(1);
    }
  });
});
