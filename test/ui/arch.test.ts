/** Layer-kind overrides: the inferred graph round-trips through the architecture JSON the reader accepts. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { architectureFromJson } from '../../src/model/infer.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import { formatArch, graphToArch, withSlotActivation } from '../../src/state/arch.ts';
import { DATASETS, loadRead } from './helpers.ts';

function tensorsOf(fixture: string): Array<{ name: string; shape: number[] }> {
  const b = readFileSync(resolve(process.cwd(), 'fixtures', fixture));
  const n = Number(b.readBigUInt64LE(0));
  const h = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, { shape: number[] }>;
  return Object.entries(h).filter(([k]) => k !== '__metadata__').map(([name, v]) => ({ name, shape: v.shape }));
}

describe('architecture JSON from the inferred graph', () => {
  for (const n of DATASETS) {
    it(`round-trips the graph the read used — ${n}`, () => {
      const r = loadRead(n);
      const g = { ...(r.checkpoint.architecture as Pick<ModelGraph, 'inputShape' | 'ops' | 'outputWidth'>), activation: r.settings.activation as ModelGraph['activation'] };
      const text = formatArch(graphToArch(g));
      const back = architectureFromJson(JSON.parse(text), tensorsOf(`${n}.safetensors`), null, {});
      expect(back.ops).toEqual(g.ops);
      expect(back.inputShape).toEqual(g.inputShape);
      expect(back.outputWidth).toBe(g.outputWidth);
    });
  }

  it('a per-slot activation override changes that slot only', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const g = { ...(r.checkpoint.architecture as Pick<ModelGraph, 'inputShape' | 'ops'>), activation: 'relu2' as const };
    const slot = g.ops.findIndex((o) => o.kind === 'activation');
    const a = withSlotActivation(g, slot, 'tanh');
    const back = architectureFromJson(a, tensorsOf('ts_relu2_adamw_s1.safetensors'), null, {});
    expect(back.ops[slot]).toEqual({ kind: 'activation', fn: 'tanh' });
    expect(back.ops.filter((o, i) => i !== slot)).toEqual(g.ops.filter((_, i) => i !== slot));
    expect(() => withSlotActivation(g, 0, 'tanh')).toThrow();
  });
});

describe('architecture template (when nothing could be inferred)', () => {
  it('is a valid chain for a plain MLP checkpoint', async () => {
    const { archTemplate } = await import('../../src/state/arch.ts');
    const tensors = tensorsOf('ts_relu2_adamw_s1.safetensors');
    const a = archTemplate(tensors);
    expect(a.layers.map((l) => l.op)).toEqual(['linear', 'activation', 'linear']);
    const g = architectureFromJson(a, tensors, null, { activation: 'relu2' });
    expect(g.outputWidth).toBe(1);
    expect(g.inputShape).toEqual([8]);
  });
});
