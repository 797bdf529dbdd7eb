#!/usr/bin/env node
// The CLI: the esbuild bundle (scripts/build-cli.mjs, built by `npm ci`) while it is newer than every
// source file, else the TypeScript sources through tsx (so an edit never runs stale code).
import { freshBundle } from './fresh-bundle.mjs';

// either module runs the CLI on process.argv when imported
const bundle = freshBundle('deadscope.mjs');
if (bundle) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main-entry.ts');
}
