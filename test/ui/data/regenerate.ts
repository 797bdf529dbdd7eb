/**
 * Writes test/ui/data/<name>.read.json with the real CLI (never hand-written numbers), for every
 * case in cases.ts or the named ones: `npx tsx test/ui/data/regenerate.ts [name…]` from the
 * repository root; then review and update the SVG snapshots (`npm run snapshots` does both).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { UI_DATA_CASES } from './cases.ts';

const only = process.argv.slice(2);
for (const c of UI_DATA_CASES) {
  if (only.length && !only.includes(c.name)) continue;
  const t0 = Date.now();
  const json = execFileSync(process.execPath, ['bin/deadscope.mjs', 'read', ...c.args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  writeFileSync(`test/ui/data/${c.name}.read.json`, json);
  process.stderr.write(`${c.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
writeFileSync('test/ui/data/CLI_COMMIT', `${execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()}\n`);
