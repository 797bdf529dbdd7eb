#!/usr/bin/env node
/**
 * Bundles the CLI (src/cli/main-entry.ts and everything it imports) into one ES module with esbuild, so
 * `deadscope` starts without compiling TypeScript (bin/deadscope.mjs uses it while it is newer
 * than every file under src/, else runs the sources through tsx). Run by `npm ci` (prepare) and
 * `npm run build:cli`.
 *
 * The bundle sits three folders below the repository root (build/cli/bin/), where the WGSL loader's
 * `../../../shaders/` (relative to its own module in src/engine/webgpu/) still finds shaders/.
 * The Node-only WebGPU device module, imported through a variable so Vite does not follow it into the
 * browser build, is imported by name here so that it is bundled too.
 */
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const CLI_BUNDLE = 'build/cli/bin/deadscope.mjs';

/** Bundles `main` (a path from the repository root) as outdir/<name>.mjs, with the pool worker beside it. */
export async function bundleForNode(name, main, outdir) {
  await build({
    absWorkingDir: root,
    // the CPU engine's pool workers (src/fast/pool.ts) load pool-worker.mjs from beside the bundle
    entryPoints: { [name]: main, 'pool-worker': 'src/fast/pool-worker.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // tinypool starts its own worker entry from its package folder: load it from node_modules
    external: ['tinypool'],
    // CommonJS dependencies (cli-progress) call require() for Node built-ins: give the ES module one
    banner: { js: "import { createRequire as __deadscopeRequire } from 'node:module'; const require = __deadscopeRequire(import.meta.url);" },
    plugins: [{
      name: 'node-device-by-name',
      setup(b) {
        b.onLoad({ filter: /src[\\/]engine[\\/]select\.ts$/ }, async (args) => ({
          loader: 'ts',
          contents: (await readFile(args.path, 'utf8')).replace('import(/* @vite-ignore */ NODE_DEVICE)', "import('./webgpu/node-device.ts')"),
        }));
      },
    }],
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundleForNode('deadscope', 'src/cli/main-entry.ts', 'build/cli/bin');
