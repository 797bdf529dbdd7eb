/**
 * Past one machine: shards of a read (`read --layers`) run as separate processes and joined by
 * `deadscope merge` equal one read of the whole network (timing aside).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/read.ts';

const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'deadscope-shards-'));

function run(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NODE_OPTIONS: '' } });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stderr }));
  });
}

const withoutTiming = (path: string) => {
  const { timing, ...rest } = JSON.parse(readFileSync(path, 'utf8'));
  void timing;
  return rest;
};

describe('sharded reads', () => {
  it('shards of the MNIST MLP read in separate processes merge into the whole read', async () => {
    const read = ['read', fixture('mnist-mlp-dfdx.safetensors'), '--inputs', fixture('mnist-test-1000.safetensors'), '--input-cap', '16',
      '--detectors', 'node-death,bottom-subspace,inactive', '--grid', '1e-3,1,2', '--live-probes', '3', '--bottom-k', '2', '--backend', 'cpu'];
    const out = (n: string) => join(dir, `${n}.json`);
    const results = await Promise.all([
      run([...read, '--out', out('whole')]),
      run([...read, '--layers', '1.0', '--out', out('a')]),
      run([...read, '--layers', '3,0.0,2.0', '--out', out('b')]),
    ]);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const shardA = JSON.parse(readFileSync(out('a'), 'utf8'));
    expect(shardA.shard.layers).toEqual(['1.0']);
    expect(shardA.directions.every((d: { layer: string }) => d.layer === '1.0')).toBe(true);
    const partial = await run(['merge', out('a')]);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toMatch(/a layer is missing/);
    const merged = await run(['merge', out('b'), out('a'), '--out', out('merged')]);
    expect(merged.status, merged.stderr).toBe(0);
    const whole = withoutTiming(out('whole'));
    expect(whole.directions.length).toBeGreaterThan(shardA.directions.length);
    expect(withoutTiming(out('merged'))).toEqual(whole);
  }, 300_000);

  it('a whole read given to merge or an unknown layer is a plain error', async () => {
    const read = ['read', fixture('ts_relu_adamw_s1.safetensors'), '--detectors', 'node-death', '--grid', '1e-2,1,2', '--backend', 'cpu'];
    expect((await run([...read, '--layers', '0', '--out', join(dir, 's0.json')])).status).toBe(0);
    expect((await run([...read, '--out', join(dir, 'w.json')])).status).toBe(0);
    const notShard = await run(['merge', join(dir, 's0.json'), join(dir, 'w.json')]);
    expect(notShard.status).toBe(2);
    expect(notShard.stderr).toMatch(/w\.json: not a partial read/);
    const unknown = await run([...read, '--layers', '7']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/--layers: no layer 7/);
  }, 120_000);
});
