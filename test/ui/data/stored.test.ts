/**
 * The UI tests' input reads are current: each case of cases.ts read again by the CLI equals its
 * stored copy (everything but wall-clock timing, compared as test/reads compares), so a change of
 * the science or the schema cannot leave the figure and block tests on a stale read. Regenerate
 * with `sh test/ui/data/regenerate.sh` when a read changes on purpose.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { differences, stableRead } from '../../reads/cases.ts';
import { UI_DATA_CASES } from './cases.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

function cliRead(args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['bin/deadscope.mjs', 'read', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NODE_OPTIONS: '' } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

type Read = Record<string, unknown> & { directions: Array<{ layer: string }>; layers: Array<{ layer: string }> };

describe('test/ui/data reads as stored (regenerate: sh test/ui/data/regenerate.sh)', () => {
  for (const c of UI_DATA_CASES) {
    it(`${c.name}${c.checkLayers ? ` (layers ${c.checkLayers.join(', ')})` : ''} reads as stored`, () => {
      const stored = JSON.parse(readFileSync(resolve(ROOT, `test/ui/data/${c.name}.read.json`), 'utf8')) as Read;
      const diff: string[] = [];
      if (c.checkLayers) {
        const keep = new Set(c.checkLayers);
        const now = cliRead([...c.args, '--layers', c.checkLayers.join(',')]) as Read;
        // a shard's directions and layers are the whole read's on those layers; its settings the same
        differences(stored.directions.filter((d) => keep.has(d.layer)), now.directions, `${c.name}.directions`, 0, false, diff);
        differences(stored.layers.filter((l) => keep.has(l.layer)), now.layers.filter((l) => keep.has(l.layer)), `${c.name}.layers`, 0, false, diff);
        differences(stored.settings, now.settings, `${c.name}.settings`, 0, false, diff);
        differences(stored.checkpoint, now.checkpoint, `${c.name}.checkpoint`, 0, false, diff);
      } else {
        differences(stableRead(stored), JSON.parse(JSON.stringify(stableRead(cliRead(c.args)))), c.name, 0, false, diff);
      }
      expect(diff).toEqual([]);
    }, 300_000);
  }
});
