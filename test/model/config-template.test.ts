/**
 * A hyperparameter nothing gives is asked for: the explorer's inspect (the worker's ReaderService,
 * in Node) of a family checkpoint without config.json names what is missing and hands a config.json
 * template with the family's own key set to null; the template completed with the checkpoint's true
 * values assembles the whole network, with those values in its ops.
 */
import { describe, expect, it } from 'vitest';
import { ReaderService } from '../../src/worker/read.worker.ts';
import { configTemplate } from '../../src/model/transformer-graph.ts';
import type { Op } from '../../src/model/graph.ts';
import * as T from '../helpers/transformers.ts';

type Name = keyof typeof T.FAMILY_CHECKPOINTS;

/** each family's asked key (its own spelling) */
const ASKED: Partial<Record<Name, string>> = {
  'gpt2-hf': 'n_head', nanogpt: 'n_head', 'vit-hf': 'num_attention_heads', 'dinov2-hf': 'num_attention_heads',
  'llama-hf': 'num_attention_heads', 'llama-meta': 'n_heads', nested: 'heads', 'timm-vit': 'num_heads',
};

describe('a missing hyperparameter is asked for in a config.json template', () => {
  it('configTemplate keeps the given keys and sets each missing one to null (a given number stays)', () => {
    expect(JSON.parse(configTemplate({ model_type: 'gpt2', n_embd: 8 }, ['n_head']))).toEqual({ model_type: 'gpt2', n_embd: 8, n_head: null });
    expect(JSON.parse(configTemplate(null, ['image_size', 'patch_size']))).toEqual({ image_size: null, patch_size: null });
    expect(JSON.parse(configTemplate({ n_head: 4 }, ['n_head']))).toEqual({ n_head: 4 });
  });

  for (const [name, key] of Object.entries(ASKED) as [Name, string][]) {
    it(`${name}: inspect without config.json asks for ${key}; the completed template assembles the whole network`, async () => {
      const ck = T.FAMILY_CHECKPOINTS[name]();
      const service = new ReaderService('node');
      const files = { checkpoint: new Blob([ck.bytes as Uint8Array<ArrayBuffer>]), checkpointName: `${name}.safetensors` };
      const bare = await service.inspect(files);
      expect(bare.architecture).toBeNull();
      const ask = bare.transformer?.ask;
      expect(ask?.missing).toMatch(/number of heads/);
      const template = JSON.parse(ask!.configTemplate) as Record<string, unknown>;
      expect(template).toEqual({ [key]: null });
      // the user fills in the value (the checkpoint's true one) and applies it as config.json
      const done = await service.inspect({ ...files, config: new Blob([JSON.stringify({ ...template, [key]: T.HEADS })]) });
      expect(done.architectureError).toBeNull();
      expect(done.transformer?.ask ?? null).toBeNull();
      const attention = done.architecture!.nodes.map((n) => n.op).filter((o): o is Extract<Op, { kind: 'attention' }> => o.kind === 'attention');
      expect(attention.length).toBe(T.LAYERS);
      for (const a of attention) expect(a.heads).toBe(T.HEADS);
    });
  }

  it('a config.json that leaves the key null is asked again; one that gives it is not', async () => {
    const ck = T.gpt2Hf();
    const service = new ReaderService('node');
    const files = { checkpoint: new Blob([ck.bytes as Uint8Array<ArrayBuffer>]), checkpointName: 'gpt2.safetensors' };
    const again = await service.inspect({ ...files, config: new Blob([JSON.stringify({ model_type: 'gpt2', n_head: null })]) });
    expect(JSON.parse(again.transformer!.ask!.configTemplate)).toEqual({ model_type: 'gpt2', n_head: null });
    const given = await service.inspect({ ...files, config: new Blob([JSON.stringify(ck.config)]) });
    expect(given.transformer!.ask).toBeNull();
  });
});
