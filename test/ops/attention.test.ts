/**
 * The attention reference against plain forwards written here from the public formulas, not from
 * src/ops/attention: HF LLaMA (`rotate_half`, `repeat_kv`, an additive −∞ causal mask, softmax) and
 * Meta llama / llama2.c (rotary as a complex multiply of consecutive pairs), plus two closed forms.
 */
import { describe, expect, it } from 'vitest';
import { attentionReference } from '../../src/ops/attention/reference.ts';
import type { AttentionOp } from '../../src/ops/attention/definition.ts';
import { createRng } from '../../src/math/random.ts';

type M = number[][];
const randn = (rows: number, cols: number, seed: number): M => {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal()));
};
const flat = (m: M) => Float64Array.from(m.flat());

/** HF: per position t, x·cos + rotate_half(x)·sin on the first `dims` features, cos = cat(freqs, freqs). */
function hfRotary(x: number[], t: number, base: number, dims: number): number[] {
  const invFreq = Array.from({ length: dims / 2 }, (_, j) => 1 / base ** ((2 * j) / dims));
  const emb = [...invFreq, ...invFreq].map((f) => t * f);
  const rot = x.slice(0, dims);
  const rotateHalf = [...rot.slice(dims / 2).map((v) => -v), ...rot.slice(0, dims / 2)];
  return [...rot.map((v, c) => v * Math.cos(emb[c]) + rotateHalf[c] * Math.sin(emb[c])), ...x.slice(dims)];
}

/** Meta: view consecutive pairs as complex numbers and multiply by polar(1, t·freq_j). */
function metaRotary(x: number[], t: number, base: number, dims: number): number[] {
  const out = x.slice();
  for (let j = 0; j < dims / 2; j++) {
    const f = 1 / base ** ((2 * j) / dims);
    const [re, im] = [x[2 * j], x[2 * j + 1]];
    const [cr, ci] = [Math.cos(t * f), Math.sin(t * f)];
    out[2 * j] = re * cr - im * ci;
    out[2 * j + 1] = re * ci + im * cr;
  }
  return out;
}

/** One sample: heads split off the feature axis, kv heads repeated (repeat_kv), masked softmax, back to [T, H·dh]. */
function plainAttention(op: AttentionOp, q: M, k: M, v: M): M {
  const { heads: H, kvHeads: Hkv, headDim: dh } = op;
  const T = q.length;
  const rep = H / Hkv;
  const head = (x: M, h: number) => x.map((row) => row.slice(h * dh, (h + 1) * dh));
  const rope = (x: number[], t: number) => {
    if (!op.rotary) return x;
    return op.rotary.convention === 'half-split' ? hfRotary(x, t, op.rotary.base, op.rotary.dims) : metaRotary(x, t, op.rotary.base, op.rotary.dims);
  };
  const out: M = Array.from({ length: T }, () => new Array(H * dh).fill(0));
  for (let h = 0; h < H; h++) {
    const kvh = Math.floor(h / rep);
    const qh = head(q, h).map(rope), kh = head(k, kvh).map(rope), vh = head(v, kvh);
    for (let t = 0; t < T; t++) {
      const scores = kh.map((kr, s) => (op.causal && s > t ? -Infinity : op.scale * kr.reduce((a, kc, c) => a + kc * qh[t][c], 0)));
      const mx = Math.max(...scores);
      const e = scores.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let c = 0; c < dh; c++) out[t][h * dh + c] = e.reduce((a, w, s) => a + (w / z) * vh[s][c], 0);
    }
  }
  return out;
}

const cases: { note: string; op: AttentionOp; T: number }[] = [
  { note: 'causal MHA, no rotary', T: 5, op: { kind: 'attention', layer: 'a', heads: 3, kvHeads: 3, headDim: 7, causal: true, scale: 7 ** -0.5, rotary: null } },
  { note: 'GQA 4/2, HF half-split rotary on all dims', T: 6, op: { kind: 'attention', layer: 'a', heads: 4, kvHeads: 2, headDim: 8, causal: true, scale: 8 ** -0.5, rotary: { base: 10000, convention: 'half-split', dims: 8 } } },
  { note: 'MQA 3/1, partial half-split rotary (NeoX rotary_pct)', T: 5, op: { kind: 'attention', layer: 'a', heads: 3, kvHeads: 1, headDim: 10, causal: true, scale: 0.3, rotary: { base: 500, convention: 'half-split', dims: 4 } } },
  { note: 'bidirectional, Meta interleaved rotary', T: 4, op: { kind: 'attention', layer: 'a', heads: 2, kvHeads: 2, headDim: 6, causal: false, scale: 0.5, rotary: { base: 100, convention: 'interleaved', dims: 6 } } },
];

describe('attention reference vs a plain forward written from HF and Meta code', () => {
  for (const [i, { note, op, T }] of cases.entries()) {
    it(note, () => {
      const n = 2;
      const qw = op.heads * op.headDim, kw = op.kvHeads * op.headDim;
      const qs = [0, 1].map((s) => randn(T, qw, 10 * i + s)), ks = [0, 1].map((s) => randn(T, kw, 20 * i + s)), vs = [0, 1].map((s) => randn(T, kw, 30 * i + s));
      const { y } = attentionReference.forward(op, {
        n, inShapes: [[T, qw], [T, kw], [T, kw]], params: new Map(),
        xs: [Float64Array.from(qs.flatMap((m) => m.flat())), Float64Array.from(ks.flatMap((m) => m.flat())), Float64Array.from(vs.flatMap((m) => m.flat()))], dxs: [null, null, null], tangent: null,
      });
      const want = Float64Array.from([0, 1].flatMap((s) => plainAttention(op, qs[s], ks[s], vs[s]).flat()));
      let err = 0;
      for (let j = 0; j < y.length; j++) err = Math.max(err, Math.abs(y[j] - want[j]));
      expect(err).toBeLessThan(1e-12);
    });
  }

  it('closed forms: scale 0 averages the visible values; causal position 0 sees only itself', () => {
    const T = 4, op: AttentionOp = { kind: 'attention', layer: 'a', heads: 1, kvHeads: 1, headDim: 3, causal: true, scale: 0, rotary: null };
    const q = flat(randn(T, 3, 1)), k = flat(randn(T, 3, 2)), v = flat(randn(T, 3, 3));
    const { y } = attentionReference.forward(op, { n: 1, inShapes: [[T, 3], [T, 3], [T, 3]], params: new Map(), xs: [q, k, v], dxs: [null, null, null], tangent: null });
    for (let t = 0; t < T; t++) for (let c = 0; c < 3; c++) {
      let mean = 0;
      for (let s = 0; s <= t; s++) mean += v[s * 3 + c] / (t + 1);
      expect(y[t * 3 + c]).toBeCloseTo(mean, 12);
    }
    const { y: y2 } = attentionReference.forward({ ...op, scale: 3 }, { n: 1, inShapes: [[T, 3], [T, 3], [T, 3]], params: new Map(), xs: [q, k, v], dxs: [null, null, null], tangent: null });
    for (let c = 0; c < 3; c++) expect(y2[c]).toBeCloseTo(v[c], 12);
  });
});
