/**
 * The block-by-block view's model on a CLI read of the 12-block GPT-2 (test/ui/data, from
 * fixtures/gpt2_12blocks_s7 with MLP units planted dead in blocks 2, 5 and 9): one row per block,
 * the planted units where they were planted, counts that add up to the read, gauge floors by family.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';
import { filterDirections, NO_FILTER } from '../../src/state/store.ts';
import { blockKey, blockRows, GAUGE_FAMILIES, gaugeFamily, hasBlocks, NO_SYMMETRY } from '../../src/ui/blocks.ts';
import { DETECTORS } from '../../src/detectors/registry.ts';
import { DATA_DIR, loadRead } from './helpers.ts';

const gpt2 = JSON.parse(readFileSync(resolve(DATA_DIR, 'gpt2_12blocks_s7.read.json'), 'utf8')) as ReadResult;
/** the units scripts/make-gpt2-blocks.ts zeroed, read back from the checkpoint's own header */
function planted(): Record<string, number[]> {
  const buf = readFileSync(resolve(process.cwd(), 'fixtures/gpt2_12blocks_s7.safetensors'));
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as { __metadata__: Record<string, string> };
  return JSON.parse(header.__metadata__.planted_dead_units) as Record<string, number[]>;
}

describe('blockKey: the block of a module name in each naming family', () => {
  it.each([
    ['transformer.h.3.mlp.c_fc', 'transformer.h.3'],
    ['_orig_mod.transformer.h.0.attn.c_attn', '_orig_mod.transformer.h.0'],
    ['model.layers.11.self_attn.q_proj', 'model.layers.11'],
    ['blocks.2.attn.W_Q', 'blocks.2'],
    ['encoder.layer.7.attention.attention.query', 'encoder.layer.7'],
    ['layers.4.0.fn.fn.to_qkv', 'layers.4'],
    ['transformer.h.0.ln_1 → transformer.h.0.attn.c_attn', 'transformer.h.0'],
    ['transformer.h.10.attn (attention)', 'transformer.h.10'],
    ['transformer.ln_f → transformer.wte', 'transformer.ln_f → transformer.wte'],
    ['0', '0'],
  ])('%s → %s', (name, key) => expect(blockKey(name)).toBe(key));
});

describe('the 12-block GPT-2 read block-locally', () => {
  const rows = blockRows(gpt2);

  it('is a block read, an MLP read is not', () => {
    expect(hasBlocks(gpt2)).toBe(true);
    expect(hasBlocks(loadRead('ts_relu2_adamw_s1'))).toBe(false);
  });

  it('has one row per transformer block in depth order, then the final norm → unembedding pair', () => {
    expect(rows.map((r) => r.label)).toEqual([...Array.from({ length: 12 }, (_, i) => `h.${i}`), 'ln_f → wte']);
    // every block: the norm → QKV pair, the attention layer alone and the MLP read
    for (const r of rows.slice(0, 12)) expect(r.parts.map((p) => [p.kind, p.read])).toEqual([['attention', true], ['attention', true], ['mlp', true]]);
  });

  it('puts every direction in exactly one row, and the counts add up to the read', () => {
    expect(rows.reduce((s, r) => s + r.directions.length, 0)).toBe(gpt2.directions.length);
    const total = rows.reduce((s, r) => s + Object.values(r.counts).reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(gpt2.directions.length); // no inactive units in a GELU network: nothing deduplicated
    for (const r of rows) for (const d of r.directions) expect(d.tensors.every((t) => t.startsWith(`${r.key}.`) || r.key.includes(' → '))).toBe(true);
  });

  it('finds the planted dead units in their blocks and no node death read dead elsewhere', () => {
    const plant = planted();
    rows.slice(0, 12).forEach((r, b) => {
      // singular: read dead (a pre-asymptotic unit is undecided on this probe, not dead)
      const dead = r.directions.filter((d) => d.detector === 'node-death' && d.class === 'singular').map((d) => d.unit).sort((x, y) => x! - y!);
      expect(dead).toEqual(plant[String(b)] ?? []);
    });
  });

  it('reports the gauge floors per block and family: LayerNorm (kernel and rescaling of ln_1 and ln_2), the attention layer\'s QK, VO and key-bias shifts, every one gauge, the largest R under ρ', () => {
    for (const r of rows.slice(0, 12)) {
      expect(r.gauges.map((g) => g.family)).toEqual(['LayerNorm', 'query–key', 'value–output', 'softmax shift']);
      // the attention layer read alone: per head (4) a QK rotation and general-linear map, a VO map, a key-bias shift
      expect(r.gauges.slice(1).map((g) => [g.n, g.gauge])).toEqual([[8, 8], [4, 4], [4, 4]]);
      for (const a of r.gauges.slice(1)) expect(a.worst).toBeLessThan(gpt2.settings.floorRatio);
      const g = r.gauges[0];
      const fam = r.directions.filter((d) => d.detector.startsWith('ln-'));
      // ln_1 → the fused c_attn and ln_2 → c_fc: each norm read by one linear map, so kernel and rescaling are exact in the block
      expect(fam.map((d) => d.detector).sort()).toEqual(['ln-kernel', 'ln-kernel', 'ln-rescaling', 'ln-rescaling']);
      expect(g.n).toBe(fam.length);
      expect(g.gauge).toBe(fam.length);
      expect(g.worst).toBe(Math.max(...fam.map((d) => d.ratio)));
      expect(g.worst).toBeLessThan(gpt2.settings.floorRatio);
    }
    // the tied unembedding's norm is no gauge (the read says why): no floor in that row
    expect(rows[12].gauges).toEqual([]);
  });

  it('shows each MLP layer alignment in its block, with its r/d baseline', () => {
    for (const r of rows.slice(0, 12)) {
      const l = gpt2.layers.filter((x) => x.axisAlignment && x.layer.startsWith(`${r.key}.`));
      expect(r.alignment.map((a) => a.layer)).toEqual(l.map((x) => x.layer));
      for (const a of r.alignment) expect(a.baseline).toBeCloseTo(a.r / a.d, 12);
    }
  });

  it('the block filter keeps the directions of that block only', () => {
    const kept = filterDirections(gpt2.directions, { ...NO_FILTER, blocks: ['transformer.h.5'] });
    expect(kept.length).toBe(rows[5].directions.length);
    expect(kept.every((d) => d.tensors.every((t) => t.startsWith('transformer.h.5.')))).toBe(true);
  });
});

describe('gauge families', () => {
  it.each([
    ['ln-kernel', 'LayerNorm'], ['ln-mean', 'LayerNorm'], ['ln-scale', 'LayerNorm'], ['ln-rescaling', 'LayerNorm'], ['rms-rescaling', 'RMSNorm'],
    ['qk-rotation', 'query–key'], ['qk-linear', 'query–key'], ['vo-linear', 'value–output'], ['softmax-shift', 'softmax shift'],
    ['residual-mean', 'residual stream'], ['relu-rescaling', 'ReLU rescaling'],
  ])('%s is a %s gauge', (det, fam) => expect(gaugeFamily(det)?.family).toBe(fam));
  it.each(['node-death', 'bottom-subspace', 'inactive', 'glu-unit', 'dual-factor'])('%s proposes no symmetry', (det) => expect(gaugeFamily(det)).toBeNull());
  it('names exactly the registry’s detectors: each in one family or in NO_SYMMETRY', () => {
    const named = [...GAUGE_FAMILIES.flatMap((f) => f.detectors), ...NO_SYMMETRY].sort();
    expect(named).toEqual(DETECTORS.map((d) => d.id).sort());
  });
});
