// @vitest-environment jsdom
/** Grouping a drop into read jobs: checkpoint + config.json + probe inputs, several checkpoints, folders. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupFiles, looksLikeInputs, peekTensorNames, type PickedFile } from '../../src/state/files.ts';
import { stepFromName } from '../../src/series/series.ts';

const fixture = (name: string, as = name): File =>
  new File([readFileSync(resolve(process.cwd(), 'fixtures', name))], as);
const pick = (file: File, path = ''): PickedFile => ({ file, path });

describe('file grouping', () => {
  it('reads tensor names from a safetensors header', async () => {
    expect(await peekTensorNames(fixture('ts_relu2_adamw_s1.safetensors'))).toEqual(['0.weight', '2.weight']);
    expect(await peekTensorNames(new File([new Uint8Array([1, 2, 3])], 'x.safetensors'))).toBeNull();
  });

  it('tells probe inputs from checkpoints', async () => {
    expect(looksLikeInputs(await peekTensorNames(fixture('mnist-test-1000.safetensors')), 'mnist-test-1000.safetensors')).toBe(true);
    expect(looksLikeInputs(await peekTensorNames(fixture('mnist-mlp-dfdx.safetensors')), 'mnist-mlp-dfdx.safetensors')).toBe(false);
  });

  it('one checkpoint with its probe inputs', async () => {
    const g = await groupFiles([pick(fixture('mnist-mlp-dfdx.safetensors')), pick(fixture('mnist-test-1000.safetensors'))]);
    expect(g.jobs).toHaveLength(1);
    expect(g.jobs[0].files.checkpointName).toBe('mnist-mlp-dfdx.safetensors');
    expect(g.jobs[0].files.inputsName).toBe('mnist-test-1000.safetensors');
    expect(g.jobs[0].companions).toEqual(['mnist-test-1000.safetensors']);
  });

  it('several checkpoints (compare), configs matched by name', async () => {
    const g = await groupFiles([
      pick(fixture('ts_relu2_adamw_s1.safetensors')), pick(fixture('ts_relu2_muon_s1.safetensors')),
      pick(fixture('gpt2_modadd23_s1.safetensors')), pick(fixture('gpt2_modadd23_s1.config.json')),
    ]);
    expect(g.jobs.map((j) => j.files.checkpointName)).toEqual(['ts_relu2_adamw_s1.safetensors', 'ts_relu2_muon_s1.safetensors', 'gpt2_modadd23_s1.safetensors']);
    expect(g.jobs.map((j) => j.files.config ? (j.files.config as File).name : null)).toEqual([null, null, 'gpt2_modadd23_s1.config.json']);
  });

  it('a Hugging Face folder: model.safetensors + config.json, the rest ignored, shards refused', async () => {
    const g = await groupFiles([
      pick(fixture('gpt2_modadd23_s1.safetensors', 'model.safetensors'), 'gpt2/model.safetensors'),
      pick(fixture('gpt2_modadd23_s1.config.json', 'config.json'), 'gpt2/config.json'),
      pick(new File(['{}'], 'tokenizer.json'), 'gpt2/tokenizer.json'),
      pick(new File(['x'], 'README.md'), 'gpt2/README.md'),
      pick(fixture('ts_relu2_adamw_s1.safetensors', 'model-00001-of-00002.safetensors'), 'big/model-00001-of-00002.safetensors'),
    ]);
    expect(g.jobs).toHaveLength(1);
    expect(g.jobs[0].files.checkpointName).toBe('model.safetensors');
    expect((g.jobs[0].files.config as File).name).toBe('config.json');
    expect(g.notices.join(' ')).toMatch(/sharded/);
  });

  it('Trainer checkpoint-N/ folders: one job each, named by folder, their side files (trainer_state.json, optimizer.pt) not taken for layers', async () => {
    const picked = [100, 200].flatMap((n) => [
      pick(fixture('ts_relu2_adamw_s1.safetensors', 'model.safetensors'), `run/checkpoint-${n}/model.safetensors`),
      pick(new File(['{"global_step": 1, "log_history": []}'], 'trainer_state.json'), `run/checkpoint-${n}/trainer_state.json`),
      pick(new File([new Uint8Array(4)], 'optimizer.pt'), `run/checkpoint-${n}/optimizer.pt`),
    ]);
    const g = await groupFiles(picked);
    expect(g.jobs.map((j) => j.files.checkpointName)).toEqual(['run/checkpoint-100/model.safetensors', 'run/checkpoint-200/model.safetensors']);
    expect(g.jobs.map((j) => stepFromName(j.path))).toEqual([100, 200]);
    expect(g.jobs.every((j) => j.files.arch === null && j.companions.length === 0)).toBe(true);
    expect(g.notices).toEqual([]);
  });

  it('probe inputs alone are meant for the loaded model', async () => {
    const g = await groupFiles([pick(fixture('mnist-test-1000.safetensors'))]);
    expect(g.jobs).toHaveLength(0);
    expect(g.looseInputs?.name).toBe('mnist-test-1000.safetensors');
  });

  it('a malformed .safetensors still becomes a job (the reader names what is wrong)', async () => {
    const g = await groupFiles([pick(new File([new Uint8Array(5)], 'broken.safetensors'))]);
    expect(g.jobs).toHaveLength(1);
  });

  it('other files are reported, not read', async () => {
    const g = await groupFiles([pick(new File(['x'], 'notes.txt'))]);
    expect(g.jobs).toHaveLength(0);
    expect(g.notices[0]).toMatch(/notes\.txt/);
  });
});
