/** The `deadscope read` contract: exit codes, one-line errors, the JSON schema. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/read.ts';

const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
const dir = mkdtempSync(join(tmpdir(), 'deadscope-cli-'));

describe('deadscope read', () => {
  it('prints deadscope.read/1 JSON and exits 0', () => {
    const out = join(dir, 'ts.json');
    const r = run('read', fixture('ts_relu2_adamw_s1.safetensors'), '--backend', 'cpu', '--detectors', 'node-death,inactive', '--grid', '1e-3,1,4', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/scanning/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.schema).toBe('deadscope.read/1');
    expect(json.backend).toBe('cpu');
    expect(json.checkpoint.bytes).toBe(704);
    expect(json.checkpoint.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.checkpoint.params).toBe(12 * 8 + 12);
    expect(json.settings).toMatchObject({ tMin: 1e-3, tMax: 1, perDecade: 4, slopeTol: 0.2, minDecades: 0.75, floorRatio: 1e-3, head: 'regression', activation: 'relu2', detectors: ['node-death', 'inactive'] });
    expect(json.directions).toHaveLength(12);
    for (const d of json.directions) {
      expect(Object.keys(d)).toEqual(expect.arrayContaining(['id', 'detector', 'layer', 'unit', 'tensors', 'predictedK', 'class', 'path', 'k', 'kRounded', 'lambda', 'ratio', 'window', 'scan']));
      expect(d.scan.t).toHaveLength(13);
      expect(d.scan.slope).toHaveLength(12);
      expect(d.layer).toBe('0');
    }
    expect(json.layers[0]).toMatchObject({ layer: '0', width: 12, inactiveUnits: 0 });
  });
  it('sha256 matches Node crypto', async () => {
    const { createHash } = await import('node:crypto');
    const out = join(dir, 'rrr.json');
    expect(run('read', fixture('rrr_M3H3N5r1_s1.safetensors'), '--detectors', 'node-death', '--backend', 'cpu', '--out', out).status).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.checkpoint.sha256).toBe(createHash('sha256').update(readFileSync(fixture('rrr_M3H3N5r1_s1.safetensors'))).digest('hex'));
  });
  it('a malformed file: exit 2, one line naming the file and the violated rule', () => {
    const bad = join(dir, 'bad.safetensors');
    const header = Buffer.from('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(bad, Buffer.concat([len, header, Buffer.alloc(4)]));
    const r = run('read', bad);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('bad.safetensors');
    expect(lines[0]).toMatch(/byte-length-mismatch/);
    expect(lines[0]).toContain('"w"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
  it('bad input of other kinds exits 2 with one line', () => {
    for (const args of [['read', '/nonexistent.safetensors'], ['read', fixture('ts_relu_adamw_s1.safetensors'), '--head', 'sideways'], ['read', fixture('ts_relu_adamw_s1.safetensors'), '--detectors', 'nope'], ['read', fixture('ts_relu_adamw_s1.safetensors'), '--bogus', '1']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
  it('a transformer reads block-locally: exit 0, warnings on stderr say what was block-local and why', () => {
    const out = join(dir, 'gpt2.json');
    const r = run('read', fixture('gpt2_modadd23_s1.safetensors'), '--config', fixture('gpt2_modadd23_s1.config.json'), '--backend', 'cpu', '--probe', '32', '--scope', 'block-local', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: GPT-2 .*not read \(scope "block-local" was asked for\).*4 blocks were read block-locally/);
    expect(r.stderr).not.toMatch(/warning: not read:/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.scope).toBe('block-local');
    expect(json.checkpoint.architecture).toMatchObject({ scope: 'block-local', family: 'gpt2-hf', hyperparameters: { nHeads: { value: 4, source: 'config' } } });
    expect(new Set(json.directions.map((d: { block: string }) => d.block))).toEqual(new Set(['transformer.h.0.ln_1 → transformer.h.0.attn.c_attn', 'transformer.h.0.attn (attention)', 'transformer.h.0.mlp', 'transformer.ln_f → transformer.wte']));
  });
  it('the GPT-2 fixture reads as a whole network: exit 0, scope whole, on its task inputs at the accuracy PyTorch measured (96.6 %)', () => {
    const out = join(dir, 'gpt2-whole.json');
    const r = run('read', fixture('gpt2_modadd23_s1.safetensors'), '--config', fixture('gpt2_modadd23_s1.config.json'), '--inputs', fixture('gpt2_modadd23_pairs.safetensors'),
      '--backend', 'cpu', '--detectors', 'ln-kernel', '--grid', '1e-3,1,2', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: GPT-2 .*the whole network read \(scope "whole"\), the classification Fisher on the logits at the last position/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.scope).toBe('whole');
    expect(json.checkpoint.architecture).toMatchObject({ scope: 'whole', family: 'gpt2-hf', inputShape: [3], inputType: 'token', outputWidth: 24 });
    expect(json.checkpoint.architecture.ops.map((o: { kind: string }) => o.kind)).toContain('attention');
    expect(json.probe.labels).toMatchObject({ tensor: 'labels', count: 529 });
    expect(json.probe.labels.accuracy).toBeCloseTo(511 / 529, 10);
    expect(json.directions.length).toBeGreaterThan(0);
    for (const d of json.directions) expect(d.class, d.id).toBe('gauge');
  });
  it('--scope whole on a transformer whose heads nothing gives: exit 2, one line naming the hyperparameter', () => {
    const r = run('read', fixture('gpt2_modadd23_s1.safetensors'), '--scope', 'whole', '--backend', 'cpu');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/gpt2_modadd23_s1\.safetensors: GPT-2 .*needs the number of heads \(n_head/);
  });
  it('a LLaMA-style checkpoint (RMSNorm, SwiGLU, no config.json) reads block-locally with exit 0', async () => {
    const { llamaHf } = await import('../helpers/transformers.ts');
    const f = join(dir, 'llama.safetensors');
    writeFileSync(f, llamaHf().bytes);
    const out = join(dir, 'llama.json');
    const r = run('read', f, '--backend', 'cpu', '--probe', '16', '--grid', '1e-3,1,2', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: LLaMA-style \(Hugging Face names\).*read block-locally/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.checkpoint.architecture).toMatchObject({ family: 'llama-hf', normKind: 'rmsnorm', rotary: 'half-split' });
    expect(json.directions.some((d: { detector: string }) => d.detector === 'glu-unit')).toBe(true);
  });
  it('a file that is not safetensors at all', () => {
    const f = join(dir, 'tiny.safetensors');
    writeFileSync(f, 'abc');
    const r = run('read', f);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/tiny\.safetensors.*file-too-small/);
  });
});
