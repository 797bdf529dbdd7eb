#!/usr/bin/env node
// The CLI: the esbuild bundle (scripts/build-cli.mjs, built by `npm ci`) while it is newer than every
// source file, else the TypeScript sources through tsx (so an edit never runs stale code).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = `${root}build/cli/bin/deadscope.mjs`;

function newestSource(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return t;
}

// either module runs the CLI on process.argv when imported
if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestSource(`${root}src`)) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main-entry.ts');
}
