/** Layer-kind overrides: the inferred graph round-trips through the architecture JSON the reader accepts. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { architectureFromJson } from '../../src/model/infer.ts';
import { chainGraph, type ModelGraph, type Op } from '../../src/model/graph.ts';
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
      const arch = r.checkpoint.architecture as { inputShape: number[]; ops: Op[]; outputWidth: number };
      const g = { ...chainGraph(arch.inputShape, arch.ops), activation: r.settings.activation as ModelGraph['activation'] };
      const text = formatArch(graphToArch(g));
      const back = architectureFromJson(JSON.parse(text), tensorsOf(`${n}.safetensors`), null, {});
      expect(back.nodes).toEqual(g.nodes);
      expect(back.inputShape).toEqual(g.inputShape);
      expect(back.outputWidth).toBe(g.outputWidth);
    });
  }

  it('a per-slot activation override changes that slot only', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const arch = r.checkpoint.architecture as { inputShape: number[]; ops: Op[] };
    const g = { ...chainGraph(arch.inputShape, arch.ops), activation: 'relu2' as const };
    const slot = g.nodes.findIndex((n) => n.op.kind === 'activation');
    const a = withSlotActivation(g, slot, 'tanh');
    const back = architectureFromJson(a, tensorsOf('ts_relu2_adamw_s1.safetensors'), null, {});
    expect(back.nodes[slot].op).toEqual({ kind: 'activation', fn: 'tanh' });
    expect(back.nodes.filter((_, i) => i !== slot)).toEqual(g.nodes.filter((_, i) => i !== slot));
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
