/**
 * Bottom subspace (METHOD §4, basis-free): the Fisher block of a linear layer is ≈ A ⊗ G (K-FAC).
 * Bottom eigenvectors a of A and g of G give rank-one directions ΔW = g aᵀ with Fisher ≈ λ_A·λ_G;
 * the `bottomK` smallest products are the candidates. Finds dead structure rotated off the axes.
 * A conv layer has the same factors over patches (Grosse & Martens 2016): A = E[a aᵀ] over its
 * im2col patches a (C·kh·kw entries, a trailing 1 for the bias) averaged over output positions,
 * G = E[Σ_positions g gᵀ] per output channel; ΔW[o, c, i, j] = g_o a_(c,i,j).
 */
import { inputSideCovariance } from '../ops/interpret.ts';
import { outputFactor } from './output-factors.ts';
import { symmetricEigen } from '../math/linalg.ts';
import { size, valueShapes, type Conv2dOp, type GraphNode, type LinearOp } from '../model/graph.ts';
import { convOutSize, convShape } from '../ops/conv2d/reference.ts';
import type { TensorPatch } from '../engine/types.ts';
import { linearWeightIndex } from '../ops/linear/definition.ts';
import { skipsDense, type Candidate, type PausingDetector, type DetectorContext } from './types.ts';

/** The two K-FAC factors of a layer: A (dA × dA, input side, bias last) and G (dG × dG, output side). */
export interface KfacFactors { A: Float64Array; dA: number; G: Float64Array; dG: number }

/** A = E[a aᵀ] over the im2col patches of a conv's input (per position: a mean over N·positions). */
export function convPatchCovariance(op: Conv2dOp, input: Float64Array, inShape: number[], n: number): Float64Array {
  const s = convShape(op, inShape, 1);
  const [oh, ow] = convOutSize(s);
  const kk = s.kh * s.kw;
  const dA = s.c * kk + (op.bias ? 1 : 0);
  const A = new Float64Array(dA * dA);
  const inW = s.c * s.h * s.w;
  const R = oh * ow;
  // one sample's patches feature-major (feature p's values at every position contiguous), so each
  // entry of A is a dot product of two rows, four × two of them at a time
  const P = new Float64Array(dA * R);
  const live: number[] = [];
  for (let smp = 0; smp < n; smp++) {
    live.length = 0;
    for (let c = 0; c < s.c; c++) for (let i = 0; i < s.kh; i++) for (let j = 0; j < s.kw; j++) {
      const f = c * kk + i * s.kw + j;
      let any = false;
      for (let y0 = 0; y0 < oh; y0++) for (let x0 = 0; x0 < ow; x0++) {
        const yy = y0 * s.sh - s.ph + i;
        const xx = x0 * s.sw - s.pw + j;
        const v = yy < 0 || yy >= s.h || xx < 0 || xx >= s.w ? 0 : input[smp * inW + (c * s.h + yy) * s.w + xx];
        P[f * R + y0 * ow + x0] = v;
        if (v !== 0) any = true;
      }
      // a feature zero at every position (a silent channel) adds nothing
      if (any) live.push(f);
    }
    if (op.bias) {
      P.fill(1, (dA - 1) * R, dA * R);
      live.push(dA - 1);
    }
    addUpperGram(P, R, live, A, dA);
  }
  const count = n * oh * ow;
  for (let p = 0; p < dA; p++) for (let q = p; q < dA; q++) A[q * dA + p] = A[p * dA + q] /= count;
  return A;
}

/** A[p, q] += Σ_r P[p, r]·P[q, r] for p ≤ q among the rows `live` (ascending) of P (rows of R). */
function addUpperGram(P: Float64Array, R: number, live: number[], A: Float64Array, dA: number): void {
  const L = live.length;
  for (let a = 0; a < L; a += 4) {
    const p0 = live[a], p1 = live[Math.min(a + 1, L - 1)], p2 = live[Math.min(a + 2, L - 1)], p3 = live[Math.min(a + 3, L - 1)];
    const t = Math.min(4, L - a);
    const r0 = p0 * R, r1 = p1 * R, r2 = p2 * R, r3 = p3 * R;
    for (let b = a; b < L; b += 2) {
      const q0 = live[b], q1 = live[Math.min(b + 1, L - 1)];
      const two = b + 1 < L;
      const s0 = q0 * R, s1 = q1 * R;
      let a00 = 0, a01 = 0, a10 = 0, a11 = 0, a20 = 0, a21 = 0, a30 = 0, a31 = 0;
      for (let r = 0; r < R; r++) {
        const u = P[s0 + r], v = P[s1 + r];
        const x0 = P[r0 + r], x1 = P[r1 + r], x2 = P[r2 + r], x3 = P[r3 + r];
        a00 += x0 * u; a01 += x0 * v;
        a10 += x1 * u; a11 += x1 * v;
        a20 += x2 * u; a21 += x2 * v;
        a30 += x3 * u; a31 += x3 * v;
      }
      // only p ≤ q, each entry once (the repeated rows of a short tile are not stored again)
      const put = (p: number, q: number, k: number, val: number) => { if (k < t && p <= q) A[p * dA + q] += val; };
      put(p0, q0, 0, a00); put(p1, q0, 1, a10); put(p2, q0, 2, a20); put(p3, q0, 3, a30);
      if (two) { put(p0, q1, 0, a01); put(p1, q1, 1, a11); put(p2, q1, 2, a21); put(p3, q1, 3, a31); }
    }
  }
}

/** K-FAC factors of a linear or conv node, or null when reverse mode cannot reach it. */
export async function kfacFactors(ctx: DetectorContext, node: GraphNode<LinearOp | Conv2dOp>): Promise<KfacFactors | null> {
  const op = node.op;
  const shapes = valueShapes(ctx.model);
  const out = shapes[node.id];
  if (op.kind === 'linear') {
    // positionwise: every position is a row of the same map (K-FAC over samples × positions):
    // A over all rows, G the sum of the per-position diagonal blocks
    const T = size(out) / op.outFeatures;
    const G = await outputFactor(ctx, node.id, T, T > 1 ? 'positions-first' : 'channels-first');
    if (!G) return null;
    const A = inputSideCovariance(ctx.values, ctx.probe.count * T, op.inFeatures, node.inputs[0], op.bias !== null);
    return { A, dA: op.inFeatures + (op.bias ? 1 : 0), G, dG: op.outFeatures };
  }
  const G = await outputFactor(ctx, node.id, out[1] * out[2], 'channels-first');
  if (!G) return null;
  const A = convPatchCovariance(op, ctx.values[node.inputs[0]], shapes[node.inputs[0]], ctx.probe.count);
  return { A, dA: op.inChannels * op.kernel[0] * op.kernel[1] + (op.bias ? 1 : 0), G, dG: op.outChannels };
}

export const bottomSubspace: PausingDetector = {
  id: 'bottom-subspace',
  summary: 'K-FAC A⊗G: the bottomK smallest eigen-products per linear or conv layer, ΔW = g aᵀ',
  async detect(ctx) {
    const out: Candidate[] = [];
    for (const node of ctx.model.nodes) {
      const op = node.op;
      if (op.kind !== 'linear' && op.kind !== 'conv2d') continue;
      if (skipsDense(ctx, 'bottom-subspace', op.layer)) continue; // over a limit: the read warns
      const f = await kfacFactors(ctx, node as GraphNode<LinearOp | Conv2dOp>);
      if (!f) continue;
      const withBias = op.bias !== null;
      const dW = f.dA - (withBias ? 1 : 0); // weight entries per output row / channel
      await ctx.pause?.();
      const eA = symmetricEigen(f.A, f.dA);
      await ctx.pause?.();
      const eG = symmetricEigen(f.G, f.dG);
      const pairs: { a: number; g: number; product: number }[] = [];
      const take = Math.min(ctx.settings.bottomK, f.dA * f.dG);
      // the smallest products come from the bottom `take` of each factor
      for (let a = 0; a < Math.min(take, f.dA); a++)
        for (let g = 0; g < Math.min(take, f.dG); g++)
          pairs.push({ a, g, product: Math.max(eA.values[a], 0) * Math.max(eG.values[g], 0) });
      pairs.sort((x, y) => x.product - y.product || x.a - y.a || x.g - y.g);
      pairs.slice(0, take).forEach(({ a, g }, rank) => {
        const av = eA.vectors[a];
        const gv = eG.vectors[g];
        const direction = (): TensorPatch => {
          const W = new Float64Array(f.dG * dW);
          for (let o = 0; o < f.dG; o++) for (let c = 0; c < dW; c++) W[op.kind === 'linear' ? linearWeightIndex(op, o, c) : o * dW + c] = gv[o] * av[c];
          const p: TensorPatch = new Map([[op.weight, W]]);
          if (withBias) p.set(op.bias!, Float64Array.from(gv, (x) => x * av[dW]));
          return p;
        };
        out.push({
          id: `bottom-subspace:${op.layer}:${rank}`, detector: 'bottom-subspace', layer: op.layer, unit: null,
          tensors: withBias ? [op.weight, op.bias!] : [op.weight], direction,
          predictedK: null, gauge: false,
        });
      });
    }
    return out;
  },
};

/** Σ_t G[t, t] of a (T·d) × (T·d) matrix in [T][d] blocks. */
function positionBlockSum(G: Float64Array, T: number, d: number): Float64Array {
  const out = new Float64Array(d * d);
  const w = T * d;
  for (let t = 0; t < T; t++) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] += G[(t * d + i) * w + t * d + j];
  return out;
}
