/**
 * The format module runs in the browser, in workers and in Node alike, so only node-source.ts may
 * import Node modules, and nothing in it may import DOM-only code (sha256.ts uses hash-wasm, which runs in all three).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../src/format/', import.meta.url));

it('only node-source.ts imports Node modules; all imports are relative', () => {
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = readFileSync(dir + name, 'utf8');
    const specifiers = [...src.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    const dynamic = [...src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
    const external = [...specifiers, ...dynamic].filter((s) => !s.startsWith('./'));
    if (name === 'node-source.ts') expect(external).toEqual(['node:fs/promises']);
    // hash-wasm: WebAssembly SHA-256, the same in browser, worker and Node
    else if (name === 'sha256.ts') expect(external).toEqual(['hash-wasm']);
    else expect(external, name).toEqual([]);
    expect(/\brequire\(/.test(src), name).toBe(false);
  }
});
