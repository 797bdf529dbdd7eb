/**
 * `deadscope read` over a training run: one JSON per checkpoint plus series.csv. The CSV's step
 * is checked against each file's own `__metadata__.step` (read here from the raw header), its
 * class census against a count over that checkpoint's JSON, and the name parser on the usual layouts.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, readdirSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stepFromName } from '../../src/series/series.ts';

const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
const RUN = resolve(process.cwd(), 'fixtures/series/ts_relu2_adamw_s1');

/** `__metadata__` straight from the safetensors header: 8-byte little-endian length, then JSON. */
function rawMetadata(path: string): Record<string, string> {
  const fd = openSync(path, 'r');
  try {
    const len = Buffer.alloc(8);
    readSync(fd, len, 0, 8, 0);
    const n = Number(len.readBigUInt64LE(0));
    const head = Buffer.alloc(n);
    readSync(fd, head, 0, n, 8);
    return JSON.parse(head.toString('utf8')).__metadata__ ?? {};
  } finally {
    closeSync(fd);
  }
}

/** A minimal CSV reader for the rows written (no quoted fields occur in this run). */
function parseCsv(text: string): Array<Record<string, string>> {
  const [head, ...lines] = text.trim().split(/\r\n/);
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('deadscope read over a training run', () => {
  it('writes one JSON per checkpoint and series.csv by step; census and steps match each file', () => {
    const out = mkdtempSync(join(tmpdir(), 'deadscope-series-'));
    const r = run('read', RUN, '--backend', 'cpu', '--detectors', 'node-death,inactive', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const files = readdirSync(RUN).filter((f) => f.endsWith('.safetensors')).sort();
    expect(readdirSync(out).filter((f) => f.endsWith('.read.json')).sort()).toEqual(files.map((f) => f.replace('.safetensors', '.read.json')));
    const rows = parseCsv(readFileSync(join(out, 'series.csv'), 'utf8'));
    expect(rows).toHaveLength(files.length);
    const steps = rows.map((x) => Number(x.step));
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    for (const row of rows) {
      const file = row.file.split('/').pop()!;
      const meta = rawMetadata(join(RUN, file));
      expect(Number(row.step)).toBe(Number(meta.step));
      expect(Number(row.train_mse)).toBeCloseTo(Number(meta.train_mse), 12);
      const json = JSON.parse(readFileSync(join(out, file.replace('.safetensors', '.read.json')), 'utf8')) as { directions: Array<{ class: string; layer: string; unit: number | null; lambda: number | null }> };
      for (const cls of ['live', 'singular', 'flat', 'pre-asymptotic']) {
        expect(Number(row[`n_${cls}`]), `${file} ${cls}`).toBe(json.directions.filter((d) => d.class === cls).length);
      }
      const inactiveUnits = new Set(json.directions.filter((d) => d.class === 'inactive').map((d) => `${d.layer}:${d.unit}`)).size;
      expect(Number(row.n_inactive)).toBe(inactiveUnits);
      const lambda = json.directions.filter((d) => d.class === 'live' || d.class === 'singular').reduce((s, d) => s + (d.lambda ?? 0), 0);
      expect(Number(row.census_lambda)).toBeCloseTo(lambda, 12);
    }
  });

  it('several checkpoints without --out DIR is a one-line input error', () => {
    const r = run('read', join(RUN, 'step_00000.safetensors'), join(RUN, 'step_00100.safetensors'), '--backend', 'cpu');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('deadscope:'))).toEqual([expect.stringMatching(/need --out DIR/)]);
  });
});

describe('the step in a checkpoint name', () => {
  it.each([
    ['runs/a/step_01000.safetensors', 1000],
    ['step-20000.safetensors', 20000],
    ['out/checkpoint-1500/model.safetensors', 1500],
    ['out/global_step300/model.safetensors', 300],
    ['model_00042.safetensors', 42],
    ['ckpt_step7.safetensors', 7],
    ['iter_250.safetensors', 250],
    ['model.safetensors', null],
  ])('%s → %s', (path, step) => {
    expect(stepFromName(path)).toBe(step);
  });
});
