/**
 * WGSL sources by kernel name, with their `// @include x.wgsl` lines replaced by the included file
 * (each file included once, in order of first mention). A kernel `k` is `k.wgsl` in an op's folder
 * (src/ops/<kind>/) or in shaders/ (the engine's own kernels and the shared common/ files).
 *
 * One mechanism for every runtime:
 * - Vite (browser, worker) and vitest transform `import.meta.glob` at build time into an object
 *   of the files' text, so the sources are bundled;
 * - under plain Node/tsx (the CLI) `import.meta.glob` does not exist: calling it throws, and the
 *   files are read from disk with node:fs (imported dynamically and hidden from the bundler, so
 *   the browser build never sees it).
 */

/** file name (`linear.wgsl`, `common/bindings.wgsl`) → text, when bundled */
let bundled: Map<string, string> | null = null;
try {
  const engine = import.meta.glob('../../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
  const ops = import.meta.glob('../../ops/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
  bundled = new Map([
    ...Object.entries(engine).map(([k, v]) => [k.slice('../../../shaders/'.length), v] as [string, string]),
    ...Object.entries(ops).map(([k, v]) => [k.slice(k.lastIndexOf('/') + 1), v] as [string, string]),
  ]);
} catch {
  bundled = null;
}

/** How the sources were obtained in this runtime: 'bundled' (Vite/vitest) or 'fs' (Node/tsx). */
export function shaderSourceMode(): 'bundled' | 'fs' {
  return bundled ? 'bundled' : 'fs';
}

const cache = new Map<string, Promise<string>>();

async function rawFile(rel: string): Promise<string> {
  if (bundled) {
    const text = bundled.get(rel);
    if (text === undefined) throw new Error(`no shader ${rel} in shaders/ or src/ops/*/`);
    return text;
  }
  const fsName = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const here = import.meta.url; // a variable, so Vite does not treat this URL as an asset to emit
  // the repository root, three folders up: from src/engine/webgpu/ and from the CLI bundle in build/cli/bin/
  const root = new URL('../../../', here);
  const opsDir = new URL('src/ops/', root);
  const candidates = [new URL(`shaders/${rel}`, root)];
  for (const d of await fs.readdir(opsDir, { withFileTypes: true })) if (d.isDirectory()) candidates.push(new URL(`${d.name}/${rel}`, opsDir));
  for (const c of candidates) {
    try {
      return await fs.readFile(c, 'utf8');
    } catch {
      // not this folder
    }
  }
  throw new Error(`no shader ${rel} in shaders/ or src/ops/*/`);
}

const INCLUDE = /^\s*\/\/\s*@include\s+(\S+)\s*$/gm;

/**
 * The text of `rel` with each `// @include x.wgsl` line replaced by x's text, itself expanded
 * (WGSL has no include): every file at most once, at its first mention, so a kernel and the
 * common files it includes may all include common/bindings.wgsl. `read` gives a file's raw text.
 */
export async function expandIncludes(rel: string, read: (rel: string) => Promise<string>, seen: Set<string> = new Set([rel])): Promise<string> {
  const text = await read(rel);
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(INCLUDE)) {
    parts.push(text.slice(last, m.index));
    const inc = m[1];
    if (!seen.has(inc)) {
      seen.add(inc);
      const body = await expandIncludes(inc, read, seen).catch((e: unknown) => {
        throw new Error(`${rel} includes ${inc}: ${e instanceof Error ? e.message : String(e)}`);
      });
      parts.push(`// ---- begin ${inc}\n${body}\n// ---- end ${inc}\n`);
    }
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** Full WGSL of kernel `name` (`<name>.wgsl`), includes resolved. */
export function shaderSource(name: string): Promise<string> {
  let p = cache.get(name);
  if (!p) {
    p = expandIncludes(`${name}.wgsl`, rawFile);
    cache.set(name, p);
  }
  return p;
}
