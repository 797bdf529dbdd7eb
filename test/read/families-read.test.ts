/**
 * Every test-written naming family (test/helpers/transformers.ts: real names and stored layouts,
 * random weights) loaded and read end to end with every detector, with and without config.json,
 * at the default scope: the whole network where it can be assembled, else block-locally, saying so.
 * Each gauge direction the read emits reads class gauge (f64: its path's Fisher at rounding), which a
 * claimed symmetry that is not exact for the wiring (a full query–key rotation under rotary
 * embeddings, a kernel on a tied unembedding) would fail; every MLP gets its layer statistics (axis
 * alignment) and its K-FAC bottom-subspace directions.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource } from '../../src/format/safetensors.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { DETECTORS } from '../../src/detectors/registry.ts';
import * as T from '../helpers/transformers.ts';

type Name = keyof typeof T.FAMILY_CHECKPOINTS;

/** the scope each family's read takes (with config.json, without it) */
const SCOPE: Record<Name, [string, string]> = {
  'gpt2-hf': ['whole', 'block-local'], // GPT-2's shapes do not give the heads
  nanogpt: ['whole', 'block-local'], // nanoGPT's own config keys (n_head); its shapes do not give the heads
  'transformer-lens': ['whole', 'whole'], // W_Q [n_heads, d_model, d_head] gives the heads
  // normalization_type LNPre / null (no norm tensors): config.json says which; without it, blocks without norms
  'transformer-lens-lnpre': ['whole', 'block-local'],
  'transformer-lens-no-norm': ['whole', 'block-local'],
  // positional_embedding_type rotary: without config.json its positions are not known
  'transformer-lens-rotary': ['whole', 'block-local'],
  'vit-hf': ['whole', 'block-local'],
  'dinov2-hf': ['whole', 'block-local'],
  'dinov2-classifier': ['whole', 'block-local'],
  'dinov2-registers': ['whole', 'block-local'],
  'timm-vit': ['whole', 'block-local'], // no config.json: the heads are not known
  'llama-hf': ['whole', 'block-local'],
  'llama-meta': ['whole', 'block-local'],
  'qwen2-hf': ['whole', 'block-local'],
  'fused-phi3': ['whole', 'block-local'],
  'per-head': ['whole', 'whole'], // one module per head gives the heads
  nested: ['whole', 'block-local'],
  'encoder-decoder': ['block-local', 'block-local'], // cross-attention is read block-locally
  bart: ['block-local', 'block-local'],
  t5: ['block-local', 'block-local'],
};

// the gauge detectors (relu-rescaling too is a gauge, of ReLU units; none of these families has one)
const GAUGE_DETECTORS = new Set(DETECTORS.map((d) => d.id).filter((id) => /^(ln-|rms-|qk-|vo-|softmax-|residual-|relu-rescaling)/.test(id)));

describe('every naming family loads and reads end to end (all detectors, CPU f64)', () => {
  for (const name of Object.keys(T.FAMILY_CHECKPOINTS) as Name[]) {
    for (const withConfig of [true, false]) {
      it(`${name}, ${withConfig ? 'with' : 'without'} config.json`, async () => {
        const ck = T.FAMILY_CHECKPOINTS[name]();
        const r = await readCheckpoint(
          { checkpoint: bytesSource(ck.bytes), checkpointName: `${name}.safetensors`, configText: withConfig ? JSON.stringify(ck.config) : null },
          { probe: 8, perDecade: 2, contextCap: 8 }, new CpuEngine({ precision: 'f64' }),
        );
        const scope = r.scope ?? 'whole';
        expect(scope).toBe(SCOPE[name][withConfig ? 0 : 1]);
        expect(r.directions.length).toBeGreaterThan(0);
        for (const d of r.directions) expect(d.scan.F.every(Number.isFinite), d.id).toBe(true);
        if (scope === 'block-local') {
          // labelled: the read, each direction and each layer
          expect(r.warnings.join(' ')).toMatch(/block-locally/);
          expect(r.directions.every((d) => d.scope === 'block-local' && typeof d.block === 'string')).toBe(true);
          expect(r.blocks!.some((b) => b.read)).toBe(true);
        }
        const gauges = r.directions.filter((d) => GAUGE_DETECTORS.has(d.detector));
        // BART without config.json: post-norm is known from model_type only, so no norm is paired with a map (no gauge to read)
        if (!(name === 'bart' && !withConfig)) expect(gauges.length, 'gauge directions').toBeGreaterThan(0);
        for (const d of gauges) expect(d.class, `${d.id}: ${d.reason}`).toBe('gauge');
        if (scope === 'whole' && /llama|phi3|qwen2/.test(name)) {
          // rotary: query–key directions exist and are exact (only 2×2 blocks per frequency pair)
          expect(gauges.filter((d) => d.detector === 'qk-rotation').length).toBe(T.LAYERS * (name === 'llama-hf' || name === 'qwen2-hf' ? 1 : T.HEADS));
          // a key bias is rotated with its position: no score-shift gauge on it under full rotary
          expect(gauges.filter((d) => d.detector === 'softmax-shift' && d.head !== undefined)).toEqual([]);
        }
        // every MLP's hidden layer has its statistics (inactive units, axis alignment of its bottom subspace)
        const mlpLayers = r.layers.filter((l) => l.width === T.MLP);
        expect(mlpLayers.length).toBeGreaterThanOrEqual(name === 'encoder-decoder' || name === 'bart' || name === 't5' ? 2 * T.LAYERS : T.LAYERS);
        for (const l of mlpLayers) expect(l.axisAlignment, l.layer).not.toBeNull();
        // and its K-FAC bottom subspace is read (directions on the MLP's first map)
        const bottom = new Set(r.directions.filter((d) => d.detector === 'bottom-subspace').map((d) => d.layer));
        for (const l of mlpLayers) expect(bottom.has(l.layer), `bottom-subspace on ${l.layer}`).toBe(true);
      }, 120_000);
    }
  }
});

describe('readouts over pooled tokens keep their gauges', () => {
  it('vit-pytorch pool "mean": the mean of the stream passes the residual shift to mlp_head\'s LayerNorm, so every writer keeps its residual-mean gauge (class gauge), as with pool "cls"', async () => {
    const ck = T.nestedWrappers();
    const read = (config: Record<string, unknown>) => readCheckpoint(
      { checkpoint: bytesSource(ck.bytes), checkpointName: 'vit.safetensors', configText: JSON.stringify(config) },
      { probe: 8, perDecade: 2, detectors: ['residual-mean'] }, new CpuEngine({ precision: 'f64' }),
    );
    const [mean, cls] = [await read({ ...ck.config, pool: 'mean' }), await read(ck.config)];
    expect(mean.warnings.join(' ')).toMatch(/the mean of every token \(pool "mean"\)/);
    const ids = (r: typeof mean) => r.directions.map((d) => d.id).sort();
    // patch map, CLS, positions, and each block's two output maps
    expect(ids(mean).length).toBe(3 + 2 * T.LAYERS);
    expect(ids(mean)).toEqual(ids(cls));
    for (const d of mean.directions) expect(d.class, `${d.id}: ${d.reason}`).toBe('gauge');
  }, 120_000);
});
