/**
 * A sharded Hugging Face checkpoint (model.safetensors.index.json + shards) reads in the CLI,
 * given as its folder or as its index file, and reads the same directions as the unsharded file.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors, bytesSource, blobSource } from '../../src/format/safetensors.ts';
import { mergeShards } from '../../src/format/sharded.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { fixture } from '../helpers/read.ts';

const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'read', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } });
const NAME = 'ts_relu2_adamw_s1.safetensors';
const QUICK = ['--backend', 'cpu', '--detectors', 'node-death', '--grid', '1e-3,1,4', '--live-probes', '2'];

/** The fixture split into two shards (one tensor each) with the index Hugging Face writes. */
async function shardedFolder(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'deadscope-shards-')), 'model');
  mkdirSync(dir);
  const whole = await openSafetensors(bytesSource(new Uint8Array(readFileSync(fixture(NAME)))), NAME);
  const weightMap: Record<string, string> = {};
  const n = whole.tensors.length;
  for (const [i, t] of whole.tensors.entries()) {
    const shard = `model-0000${i + 1}-of-0000${n}.safetensors`;
    const data = await whole.read(t.name);
    writeFileSync(join(dir, shard), writeSafetensors([{ name: t.name, dtype: t.dtype as 'F32', shape: t.shape, data: data.data as Float32Array }], whole.metadata ?? undefined));
    weightMap[t.name] = shard;
  }
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  return dir;
}

const science = (j: { directions: Array<{ id: string; class: string; k: number | null; fLive: number }> }) =>
  j.directions.map((d) => ({ id: d.id, class: d.class, k: d.k, fLive: d.fLive }));

describe('sharded Hugging Face checkpoints', () => {
  it('merge into one file whose tensors equal the shards’ bytes', async () => {
    const dir = await shardedFolder();
    const index = readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8');
    const shards = new Map(Object.values(JSON.parse(index).weight_map as Record<string, string>).map((s) => [s, new Blob([readFileSync(join(dir, s))])]));
    const merged = await openSafetensors(blobSource(await mergeShards(index, 'index.json', shards)), 'merged');
    const whole = await openSafetensors(bytesSource(new Uint8Array(readFileSync(fixture(NAME)))), NAME);
    expect(merged.tensors.map((t) => t.name).sort()).toEqual(whole.tensors.map((t) => t.name).sort());
    for (const t of whole.tensors) expect(await merged.readRaw(t.name)).toEqual(await whole.readRaw(t.name));
    expect(merged.metadata).toEqual(whole.metadata);
  });

  it('the CLI reads the folder and the index file, with the directions of the unsharded file', async () => {
    const dir = await shardedFolder();
    const whole = run(fixture(NAME), ...QUICK);
    expect(whole.status, whole.stderr).toBe(0);
    const want = science(JSON.parse(whole.stdout));
    for (const target of [dir, join(dir, 'model.safetensors.index.json')]) {
      const r = run(target, ...QUICK);
      expect(r.status, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.checkpoint.path).toBe(join(dir, 'model.safetensors.index.json'));
      expect(science(json)).toEqual(want);
    }
  });

  it('a missing shard or a tensor not in its shard: exit 2, one line naming the index', async () => {
    const dir = await shardedFolder();
    const index = join(dir, 'model.safetensors.index.json');
    const map = JSON.parse(readFileSync(index, 'utf8'));
    const first = Object.keys(map.weight_map)[0];
    writeFileSync(index, JSON.stringify({ weight_map: { ...map.weight_map, [first]: 'model-00009-of-00009.safetensors' } }));
    let r = run(dir, ...QUICK);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/model-00009-of-00009\.safetensors: cannot open \(ENOENT\)/);
    writeFileSync(index, JSON.stringify({ weight_map: { ...map.weight_map, 'missing.weight': map.weight_map[first] } }));
    r = run(index, ...QUICK);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/index\.json: tensor "missing\.weight" is mapped to .*, which does not hold it \[rule: shard-index\]/);
  });

  it('an index that names a shard by a path (out of its folder) is refused before anything is opened', async () => {
    const dir = await shardedFolder();
    const index = join(dir, 'model.safetensors.index.json');
    const map = JSON.parse(readFileSync(index, 'utf8'));
    const first = Object.keys(map.weight_map)[0];
    // a real safetensors file one folder up: without the rule it would be opened as the shard
    writeFileSync(join(dir, '..', 'outside.safetensors'), readFileSync(join(dir, map.weight_map[first])));
    for (const path of ['../outside.safetensors', '/etc/passwd', '..\\outside.safetensors', '..']) {
      writeFileSync(index, JSON.stringify({ weight_map: { ...map.weight_map, [first]: path } }));
      const r = run(dir, ...QUICK);
      expect(r.status, path).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`index.json: weight_map entry ${JSON.stringify(first)} names ${JSON.stringify(path)}, a path; shards are file names in the index's folder [rule: shard-index]`);
    }
  });
});
