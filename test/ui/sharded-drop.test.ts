/**
 * A dropped Hugging Face folder with a sharded checkpoint (index + shards + config.json) becomes
 * one read job whose checkpoint is the shards merged, with the config as its companion.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { blobSource, bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { groupFiles, type PickedFile } from '../../src/state/files.ts';
import { fixture } from '../helpers/read.ts';

const NAME = 'ts_relu2_adamw_s1.safetensors';

async function folder(withIndex: boolean): Promise<PickedFile[]> {
  const whole = await openSafetensors(bytesSource(new Uint8Array(readFileSync(fixture(NAME)))), NAME);
  const picked: PickedFile[] = [];
  const weightMap: Record<string, string> = {};
  for (const [i, t] of whole.tensors.entries()) {
    const shard = `model-0000${i + 1}-of-0000${whole.tensors.length}.safetensors`;
    const data = (await whole.read(t.name)).data as Float32Array;
    picked.push({ file: new File([writeSafetensors([{ name: t.name, dtype: 'F32', shape: t.shape, data }], whole.metadata ?? undefined)], shard), path: `gpt/${shard}` });
    weightMap[t.name] = shard;
  }
  if (withIndex) picked.push({ file: new File([JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap })], 'model.safetensors.index.json'), path: 'gpt/model.safetensors.index.json' });
  picked.push({ file: new File(['{"model_type": "mlp"}'], 'config.json'), path: 'gpt/config.json' });
  return picked;
}

describe('a sharded checkpoint dropped as a folder', () => {
  it('is one job: the merged shards, with the folder’s config.json', async () => {
    const g = await groupFiles(await folder(true));
    expect(g.notices).toEqual([]);
    expect(g.jobs).toHaveLength(1);
    const job = g.jobs[0];
    expect(job.files.checkpointName).toBe('model.safetensors.index.json');
    expect(job.companions).toEqual(['config.json']);
    const merged = await openSafetensors(blobSource(job.files.checkpoint), 'merged');
    const whole = await openSafetensors(bytesSource(new Uint8Array(readFileSync(fixture(NAME)))), NAME);
    for (const t of whole.tensors) expect(await merged.readFloat64(t.name)).toEqual(await whole.readFloat64(t.name));
  });
  it('shards without their index are skipped with a notice naming them', async () => {
    const g = await groupFiles(await folder(false));
    expect(g.jobs).toHaveLength(0);
    expect(g.notices.join('\n')).toMatch(/model-00001-of-00002\.safetensors: a shard of a sharded checkpoint, without its model\.safetensors\.index\.json/);
  });
});
