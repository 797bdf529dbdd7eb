// The esbuild bundle of the CLI (scripts/build-cli.mjs) is used only while it is newer than every
// source file under src/, so an edit never runs stale code. Shared by bin/deadscope.mjs and the CPU
// engine's worker pool run from the sources (src/fast/pool.ts).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestSource(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The path of build/cli/bin/<name> when it exists and is newer than src/, else null. */
export function freshBundle(name) {
  const path = `${root}build/cli/bin/${name}`;
  return existsSync(path) && statSync(path).mtimeMs >= newestSource(`${root}src`) ? path : null;
}
