/**
 * Transformer gauge detectors on whole-network graphs (METHOD §4, notes: transformer gauges).
 * Each gauge moved a finite step along its orbit (curved gauges) or line (additive ones) leaves a
 * plain f64 forward pass written in transformer-model.ts unchanged to rounding; a random direction
 * on the same tensors moves it (so the check can fail). Rotary models: every query–key generator
 * commutes with the rotary rotations, so no full rotation is emitted.
 */
import { describe, expect, it } from 'vitest';
import type { Candidate, DetectorContext } from '../../src/detectors/types.ts';
import type { Head } from '../../src/engine/types.ts';
import { createRng, randomUnitVector } from '../../src/math/random.ts';
import { DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { qkLinear, qkRotation, qkGenerator, voLinear } from '../../src/detectors/attention.ts';
import { softmaxShift } from '../../src/detectors/softmax-shift.ts';
import { residualMean } from '../../src/detectors/residual-mean.ts';
import { lnRescaling, rmsRescaling } from '../../src/detectors/norm-rescaling.ts';
import { lnKernel, lnMean } from '../../src/detectors/layernorm.ts';
import type { AttentionOp } from '../../src/ops/ops.ts';
import { build, forward, GPT2_LIKE, LLAMA_LIKE, logSoftmax, moved, TL_LIKE, VIT_LIKE, type Built, type Spec } from './transformer-model.ts';

const TOKENS = [[3, 1, 4, 1, 5], [2, 6, 0, 3, 3], [5, 5, 2, 0, 1]];
const imageRng = createRng(17);
const IMAGES = Array.from({ length: 3 }, () => Array.from({ length: 2 * 4 * 4 }, () => imageRng.normal()));
const inputsOf = (spec: Spec) => (spec.images ? IMAGES : TOKENS);

function context(b: Built, head: Head = 'classification'): DetectorContext {
  return { model: b.graph, params: b.params, probe: { count: 0, shape: b.graph.inputShape, data: new Float64Array() }, head, values: [], settings: DEFAULT_SETTINGS, rng: createRng(7) };
}

/** largest |Δ| of the outputs (log-softmax when the gauge is a softmax shift) over the probe tokens, relative to their scale */
function change(spec: Spec, before: Built['params'], after: Built['params'], softmax: boolean): number {
  let worst = 0, scale = 0;
  for (const input of inputsOf(spec)) {
    const a = forward(spec, before, input), b = forward(spec, after, input);
    const [x, y] = softmax ? [logSoftmax(a), logSoftmax(b)] : [a, b];
    x.forEach((r, t) => r.forEach((c, i) => {
      worst = Math.max(worst, Math.abs(c - y[t][i]));
      scale = Math.max(scale, Math.abs(c));
    }));
  }
  return worst / scale;
}

/** the candidate's finite move: its orbit at t (curved), else t along its unit direction */
function stepOf(c: Candidate, t: number): Map<string, Float64Array> {
  if (c.orbit) return c.orbit(t).delta;
  const v = c.direction();
  return new Map([...v].map(([n, a]) => [n, a.map((x) => x * t)]));
}

/** a random unit direction on the same tensors (the control: the forward must move) */
function randomOn(c: Candidate, b: Built): Map<string, Float64Array> {
  const rng = createRng(11);
  return new Map(c.tensors.map((n) => [n, randomUnitVector(b.params.get(n)!.data.length, rng)]));
}

function checkInvariant(spec: Spec, cands: Candidate[], softmax = false) {
  const b = build(spec);
  expect(cands.length).toBeGreaterThan(0);
  for (const c of cands) {
    for (const t of [0.3, 1.5]) expect(change(spec, b.params, moved(b.params, stepOf(c, t)), softmax), `${c.id} at t = ${t}`).toBeLessThan(1e-12);
    expect(change(spec, b.params, moved(b.params, randomOn(c, b), 0.3), softmax), `${c.id}: control`).toBeGreaterThan(1e-4);
  }
}

const ROTARY_INTERLEAVED_PARTIAL: Spec = { ...LLAMA_LIKE, rotary: { base: 100, convention: 'interleaved', dims: 2 }, dh: 4, kvHeads: 1, norm: 'layernorm' };
const SPECS: [string, Spec][] = [
  ['ViT-like (patch conv, CLS, positions [1, T, D], layer scale, bidirectional)', VIT_LIKE],
  ['GPT-2-like (fused QKV via slices, Conv1D [in, out], LayerNorm, biases)', GPT2_LIKE],
  ['TransformerLens-like (W_Q/W_K/W_V [heads, D, dh], biases [heads, dh])', TL_LIKE],
  ['LLaMA-like (q/k/v maps [out, in], RMSNorm, GQA 4 → 2, rotary half-split, SwiGLU)', LLAMA_LIKE],
  ['rotary interleaved on 2 of 4 features, multi-query (kvHeads 1), LayerNorm', ROTARY_INTERLEAVED_PARTIAL],
];

describe('transformer gauges: a finite move along the orbit leaves a plain forward pass unchanged', () => {
  for (const [name, spec] of SPECS) {
    describe(name, () => {
      const b = build(spec);
      const ctx = () => context(b);
      it('qk-rotation: one per key/value group, exact', () => {
        const c = qkRotation.detect(ctx());
        expect(c.length).toBe(spec.layers * spec.kvHeads);
        // each layer's directions name its key/value groups 0 … kvHeads − 1 (the explorer's head filter)
        expect(c.map((x) => x.head)).toEqual(Array.from({ length: spec.layers * spec.kvHeads }, (_, i) => i % spec.kvHeads));
        checkInvariant(spec, c);
      });
      it('qk-linear: exact', () => checkInvariant(spec, qkLinear.detect(ctx())));
      it('vo-linear: one per key/value group (every query head of the group moves with it), exact', () => {
        const c = voLinear.detect(ctx());
        expect(c.length).toBe(spec.layers * spec.kvHeads);
        checkInvariant(spec, c);
      });
      it(`${spec.norm === 'layernorm' ? 'ln' : 'rms'}-rescaling: every norm read only by linear maps, exact`, () => {
        const c = (spec.norm === 'layernorm' ? lnRescaling : rmsRescaling).detect(ctx());
        expect((spec.norm === 'layernorm' ? rmsRescaling : lnRescaling).detect(ctx())).toEqual([]);
        // ln_1 (QKV) and ln_2 (MLP) of each layer and ln_f (untied unembedding)
        expect(c.map((x) => x.layer).sort()).toEqual([...Array.from({ length: spec.layers }, (_, l) => [`h.${l}.ln_1`, `h.${l}.ln_2`]).flat(), 'ln_f'].sort());
        checkInvariant(spec, c);
      });
      it('softmax-shift: logits (classification) and key biases outside rotary features, exact up to the softmax', () => {
        const c = softmaxShift.detect(ctx());
        const keyBiases = spec.rotary && spec.rotary.dims === spec.dh ? 0 : spec.layers * spec.kvHeads;
        expect(c.length).toBe(keyBiases + 1);
        // the key-bias shifts leave the logits themselves unchanged; the logit shift only their softmax
        if (keyBiases) checkInvariant(spec, c.filter((x) => x.layer !== 'lm_head'));
        checkInvariant(spec, c.filter((x) => x.layer === 'lm_head'), true);
      });
    });
  }

  it('residual-mean: every writer into a pre-LN stream (embedding, positions, attention and MLP outputs), exact', () => {
    const b = build(GPT2_LIKE);
    const c = residualMean.detect(context(b));
    expect(c.map((x) => x.layer).sort()).toEqual(['h.0.attn.c_proj', 'h.0.mlp.c_proj', 'h.1.attn.c_proj', 'h.1.mlp.c_proj', 'wpe', 'wte']);
    checkInvariant(GPT2_LIKE, c);
  });

  it('residual-mean: ViT writers (patch conv, CLS token, positions, outputs through layer scale γ: ΔW = (1 ⊘ γ) uᵀ), exact', () => {
    const b = build(VIT_LIKE);
    const c = residualMean.detect(context(b));
    expect(c.map((x) => x.layer).sort()).toEqual(['cls', 'h.0.attn.c_proj', 'h.0.mlp.c_proj', 'h.1.attn.c_proj', 'h.1.mlp.c_proj', 'patch', 'wpe']);
    checkInvariant(VIT_LIKE, c);
  });

  it('residual-mean: none in an RMSNorm stack (no centring), none on a tied embedding', () => {
    expect(residualMean.detect(context(build(LLAMA_LIKE)))).toEqual([]);
    const tied = { ...GPT2_LIKE, tied: true };
    const c = residualMean.detect(context(build(tied)));
    expect(c.map((x) => x.layer)).not.toContain('wte');
    expect(c.length).toBe(5);
    checkInvariant(tied, c);
  });

  it('LayerNorm kernel at every LayerNorm read by a linear map (each map of a branching read), not on a tied unembedding', () => {
    const sep = { ...GPT2_LIKE, fused: false };
    const c = lnKernel.detect(context(build(sep)));
    // ln_1 read by q, k, v: three kernels; ln_2 by c_fc; ln_f by lm_head
    expect(c.map((x) => x.id).sort()).toEqual([
      'ln-kernel:h.0.ln_1:h.0.attn.k_proj', 'ln-kernel:h.0.ln_1:h.0.attn.q_proj', 'ln-kernel:h.0.ln_1:h.0.attn.v_proj', 'ln-kernel:h.0.ln_2',
      'ln-kernel:h.1.ln_1:h.1.attn.k_proj', 'ln-kernel:h.1.ln_1:h.1.attn.q_proj', 'ln-kernel:h.1.ln_1:h.1.attn.v_proj', 'ln-kernel:h.1.ln_2', 'ln-kernel:ln_f',
    ]);
    checkInvariant(sep, c);
    const tied = { ...GPT2_LIKE, tied: true };
    expect(lnKernel.detect(context(build(tied))).map((x) => x.id)).not.toContain('ln-kernel:ln_f');
    // the stream feeds every LayerNorm together with a residual add: no ln-mean there (residual-mean's)
    expect(lnMean.detect(context(build(GPT2_LIKE)))).toEqual([]);
  });

  it('softmax-shift: a tied unembedding without bias has none; a regression head has none', () => {
    const tied = build({ ...GPT2_LIKE, tied: true });
    expect(softmaxShift.detect(context(tied)).filter((c) => c.layer === 'lm_head')).toEqual([]);
    expect(softmaxShift.detect(context(build(GPT2_LIKE), 'regression')).filter((c) => c.layer === 'lm_head')).toEqual([]);
  });
});

describe('rotary: the query–key detectors emit only transformations that commute with the rotation', () => {
  /** R_δ on a head: each rotated pair turned by δ·base^(−2i/dims), the rest fixed (row-major dh × dh) */
  function rotation(op: AttentionOp, delta: number): Float64Array {
    const dh = op.headDim, r = op.rotary!;
    const R = new Float64Array(dh * dh);
    for (let i = 0; i < dh; i++) R[i * dh + i] = 1;
    const half = r.dims / 2;
    for (let i = 0; i < half; i++) {
      const [a, b] = r.convention === 'half-split' ? [i, i + half] : [2 * i, 2 * i + 1];
      const th = delta * r.base ** ((-2 * i) / r.dims);
      R[a * dh + a] = R[b * dh + b] = Math.cos(th);
      R[a * dh + b] = -Math.sin(th);
      R[b * dh + a] = Math.sin(th);
    }
    return R;
  }
  const mul = (A: Float64Array, B: Float64Array, n: number) => Float64Array.from({ length: n * n }, (_, k) => {
    let s = 0;
    for (let p = 0; p < n; p++) s += A[Math.floor(k / n) * n + p] * B[p * n + (k % n)];
    return s;
  });

  for (const [name, spec] of SPECS.filter(([, s]) => s.rotary)) {
    it(`${name}: every generator M commutes with R_δ (‖MR − RM‖ ≈ 0); a full rotation does not`, () => {
      const op: AttentionOp = { kind: 'attention', layer: 'a', heads: spec.heads, kvHeads: spec.kvHeads, headDim: spec.dh, causal: true, scale: 1, rotary: spec.rotary };
      const rng = createRng(5);
      const dh = spec.dh;
      for (const kind of ['rotation', 'linear'] as const) {
        for (let trial = 0; trial < 5; trial++) {
          const M = qkGenerator(op, kind, rng);
          for (const delta of [0.7, 2.3]) {
            const R = rotation(op, delta);
            const MR = mul(M, R, dh), RM = mul(R, M, dh);
            expect(Math.max(...MR.map((x, i) => Math.abs(x - RM[i])))).toBeLessThan(1e-14);
          }
        }
      }
      // the same check catches a full rotation (what the non-rotary detector would emit)
      const full = qkGenerator({ ...op, rotary: null }, 'rotation', rng);
      const R = rotation(op, 0.7);
      const MR = mul(full, R, dh), RM = mul(R, full, dh);
      expect(Math.max(...MR.map((x, i) => Math.abs(x - RM[i])))).toBeGreaterThan(1e-3);
      // and a full rotation moves the rotary model's forward pass (the detectors' check can fail)
    });
  }

  it('a full rotation of query and key moves the rotary forward pass (what the detector must not claim)', () => {
    const spec = LLAMA_LIKE;
    const b = build(spec);
    const c = qkRotation.detect(context(b))[0];
    // rebuild the same candidate shape with a full (non-commuting) generator through a non-rotary op view
    const plain = { ...spec, rotary: null };
    const nb = build(plain);
    const full = qkRotation.detect(context(nb))[0];
    expect(full.tensors).toEqual(c.tensors);
    // the non-rotary candidate is exact without rotary ...
    expect(change(plain, nb.params, moved(nb.params, full.orbit!(1).delta), false)).toBeLessThan(1e-12);
    // ... and not with it (same weights: build is seeded identically)
    expect(change(spec, b.params, moved(b.params, full.orbit!(1).delta), false)).toBeGreaterThan(1e-4);
  });
});

describe('orbits: the tangent is the derivative of the path', () => {
  it('qk-rotation, qk-linear, vo-linear and rms-rescaling: (θ(t+h) − θ(t−h))/2h ∥ tangent(t), unit norm', () => {
    const b = build(LLAMA_LIKE);
    const cands = [qkRotation, qkLinear, voLinear, rmsRescaling].map((d) => d.detect(context(b))[0]);
    for (const c of cands) {
      for (const t of [0, 0.4]) {
        const h = 1e-5;
        const plus = c.orbit!(t + h).delta, minus = c.orbit!(t - h).delta, tg = c.orbit!(t).tangent;
        let dd = 0, tt = 0, cross = 0;
        for (const [n, a] of tg) {
          const p = plus.get(n)!, m = minus.get(n)!;
          a.forEach((x, i) => {
            const d = (p[i] - m[i]) / (2 * h);
            dd += d * d;
            tt += x * x;
            cross += d * x;
          });
        }
        expect(tt).toBeCloseTo(1, 12);
        expect(cross / Math.sqrt(dd * tt), `${c.id} at t = ${t}`).toBeGreaterThan(1 - 1e-9);
      }
    }
  });
});
