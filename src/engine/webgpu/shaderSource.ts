/**
 * WGSL sources of shaders/*.wgsl, with their `// @include common/x.wgsl` lines replaced by the
 * shared file (each file included once, in order of first mention).
 *
 * One mechanism for every runtime:
 * - Vite (browser, worker) and vitest transform `import.meta.glob` at build time into an object
 *   of the files' text, so the sources are bundled;
 * - under plain Node/tsx (the CLI) `import.meta.glob` does not exist: calling it throws, and the
 *   files are read from disk next to this module with node:fs (imported dynamically and hidden
 *   from the bundler, so the browser build never sees it).
 */

let bundled: Record<string, string> | null = null;
try {
  bundled = import.meta.glob('../../../shaders/**/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<
    string,
    string
  >;
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
    const text = bundled[`../../../shaders/${rel}`];
    if (text === undefined) throw new Error(`no shader shaders/${rel}`);
    return text;
  }
  const fsName = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const here = import.meta.url; // a variable, so Vite does not treat this URL as an asset to emit
  return fs.readFile(new URL(`../../../shaders/${rel}`, here), 'utf8');
}

const INCLUDE = /^\s*\/\/\s*@include\s+(\S+)\s*$/gm;

async function expand(rel: string, seen: Set<string>): Promise<string> {
  const text = await rawFile(rel);
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(INCLUDE)) {
    parts.push(text.slice(last, m.index));
    const inc = m[1];
    if (!seen.has(inc)) {
      seen.add(inc);
      parts.push(`// ---- begin ${inc}\n${await expand(inc, seen)}\n// ---- end ${inc}\n`);
    }
    last = m.index! + m[0].length;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** Full WGSL of `shaders/<name>.wgsl`, includes resolved. */
export function shaderSource(name: string): Promise<string> {
  let p = cache.get(name);
  if (!p) {
    p = expand(`${name}.wgsl`, new Set());
    cache.set(name, p);
  }
  return p;
}
