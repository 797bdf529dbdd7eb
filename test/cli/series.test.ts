/**
 * `deadscope read` over a training run: one JSON per checkpoint plus series.csv. The CSV's step
 * is checked against each file's own `__metadata__.step` (read here from the raw header), its
 * class census against a count over that checkpoint's JSON, and the name parser on the usual layouts.
 * The GPT-2 grokking run (a transformer read whole, its config.json beside the steps): each row
 * equals a single read of that step, and the probe accuracy over all 529 pairs is PyTorch's own
 * train and test accuracies (the file's metadata) recombined over the 264 / 265 split.
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

interface ReadJson {
  scope?: string;
  directions: Array<{ id: string; class: string; detector: string; layer: string; unit: number | null; lambda: number | null; k: number | null; kRounded: number | null; predictedK: number | null }>;
}

/** The CSV row's census against a count over the checkpoint's own JSON (an inactive unit once). */
function expectCensus(row: Record<string, string>, json: ReadJson, what: string): void {
  for (const cls of ['live', 'singular', 'gauge', 'flat', 'pre-asymptotic']) {
    expect(Number(row[`n_${cls}`]), `${what} ${cls}`).toBe(json.directions.filter((d) => d.class === cls).length);
  }
  const inactiveUnits = new Set(json.directions.filter((d) => d.class === 'inactive').map((d) => `${d.layer}:${d.unit}`)).size;
  expect(Number(row.n_inactive)).toBe(inactiveUnits);
  const lambda = json.directions.filter((d) => d.class === 'live' || d.class === 'singular').reduce((s, d) => s + (d.lambda ?? 0), 0);
  expect(Number(row.census_lambda)).toBeCloseTo(lambda, 12);
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
      expectCensus(row, JSON.parse(readFileSync(join(out, file.replace('.safetensors', '.read.json')), 'utf8')) as ReadJson, file);
    }
  });

  it('several checkpoints without --out DIR is a one-line input error', () => {
    const r = run('read', join(RUN, 'step_00000.safetensors'), join(RUN, 'step_00100.safetensors'), '--backend', 'cpu');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('deadscope:'))).toEqual([expect.stringMatching(/need --out DIR/)]);
  });
});

const GPT2_RUN = resolve(process.cwd(), 'fixtures/series/gpt2_modadd23_s1');
const PAIRS = resolve(process.cwd(), 'fixtures/gpt2_modadd23_pairs.safetensors');
/** the run trained on 264 of the 529 pairs (a split fixed in make_series.py): test_acc is over the other 265 */
const N_TRAIN = 264, N_TEST = 265;

describe('deadscope read over the GPT-2 grokking run (fixtures/series/gpt2_modadd23_s1)', () => {
  const steps = readdirSync(GPT2_RUN).filter((f) => f.endsWith('.safetensors')).sort();

  it('reads every step whole with the folder’s config.json; a row equals that step’s single read; the dead subspace grows', () => {
    const out = mkdtempSync(join(tmpdir(), 'deadscope-gpt2-series-'));
    // 16 of the task's pairs as the probe keep four whole-network reads short on a CI core
    const flags = ['--inputs', PAIRS, '--input-cap', '16', '--backend', 'cpu'];
    const r = run('read', GPT2_RUN, ...flags, '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const rows = parseCsv(readFileSync(join(out, 'series.csv'), 'utf8'));
    expect(rows.map((x) => x.file.split('/').pop())).toEqual(steps);
    const jsons = new Map<string, ReadJson>();
    for (const row of rows) {
      const file = row.file.split('/').pop()!;
      const meta = rawMetadata(join(GPT2_RUN, file));
      expect(Number(row.step)).toBe(Number(meta.step));
      for (const k of ['train_acc', 'test_acc', 'train_loss']) expect(Number(row[k]), `${file} ${k}`).toBeCloseTo(Number(meta[k]), 12);
      const json = JSON.parse(readFileSync(join(out, file.replace('.safetensors', '.read.json')), 'utf8')) as ReadJson;
      expect(json.scope).toBe('whole');
      expectCensus(row, json, file);
      jsons.set(file, json);
    }
    // the last step read alone, its config named on the command line: the same directions, the same row
    const last = steps[steps.length - 1];
    const single = join(out, 'single.json');
    const one = run('read', join(GPT2_RUN, last), '--config', join(GPT2_RUN, 'config.json'), ...flags, '--out', single);
    expect(one.status, one.stderr).toBe(0);
    const alone = JSON.parse(readFileSync(single, 'utf8')) as ReadJson;
    const inRun = jsons.get(last)!;
    expect(alone.directions.map((d) => [d.id, d.class, d.kRounded])).toEqual(inRun.directions.map((d) => [d.id, d.class, d.kRounded]));
    alone.directions.forEach((d, i) => (d.k === null ? expect(inRun.directions[i].k).toBeNull() : expect(d.k).toBeCloseTo(inRun.directions[i].k!, 12)));
    expectCensus(rows[rows.length - 1], alone, `${last} alone`);
    // grokking: more MLP directions dead at the end than at initialisation, each at the order GELU predicts
    const singular = (j: ReadJson) => j.directions.filter((d) => d.class === 'singular');
    expect(singular(inRun).length).toBeGreaterThan(singular(jsons.get(steps[0])!).length);
    for (const d of singular(inRun)) {
      expect(d.layer).toMatch(/mlp\.c_fc$/);
      expect(d.kRounded).toBe(d.predictedK);
    }
  }, 300_000);

  it('the probe accuracy over all 529 pairs is the metadata’s train and test accuracy over the 264 / 265 split', () => {
    const out = mkdtempSync(join(tmpdir(), 'deadscope-gpt2-acc-'));
    // no Fisher scans (no ReLU units in a GELU net): the read's forward pass over the whole probe only
    const r = run('read', GPT2_RUN, '--inputs', PAIRS, '--detectors', 'inactive', '--backend', 'cpu', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const rows = parseCsv(readFileSync(join(out, 'series.csv'), 'utf8'));
    expect(rows).toHaveLength(steps.length);
    for (const row of rows) {
      const meta = rawMetadata(join(GPT2_RUN, row.file.split('/').pop()!));
      const correct = Math.round(Number(meta.train_acc) * N_TRAIN) + Math.round(Number(meta.test_acc) * N_TEST);
      expect(Math.round(Number(row.probe_accuracy) * 529), `step ${row.step}`).toBe(correct);
      expect(Number(row.probe_accuracy) * 529).toBeCloseTo(Math.round(Number(row.probe_accuracy) * 529), 9);
    }
    // the run groks: train accuracy saturates long before test accuracy does
    expect(rows.map((x) => Number(x.test_acc))).toEqual([...rows.map((x) => Number(x.test_acc))].sort((a, b) => a - b));
  }, 120_000);
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
