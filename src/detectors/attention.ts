/**
 * Attention gauges (METHOD §4), per key/value group g of an attention op, along their exact orbits:
 *  - qk-rotation / qk-linear: every query head h of the group and the group's key map move as
 *    (W_Q^h, b_Q^h) → (W_Q^h, b_Q^h)·e^{tM}, (W_K^g, b_K^g) → (W_K^g, b_K^g)·e^{−tMᵀ}, so
 *    q·kᵀ → q e^{tM} e^{−tM} kᵀ is unchanged; M skew-symmetric (a rotation, e^{−tMᵀ} = e^{tM}) or
 *    general. With rotary embeddings the scores are q R_{s−t} kᵀ, so M must commute with every
 *    R_δ: a 2×2 block aI + bJ on each rotated pair (rotation and scaling of the pair) and any
 *    block on the features rotary leaves alone — never a rotation mixing pairs.
 *  - vo-linear: (W_V^g, b_V^g) → (W_V^g, b_V^g)·e^{tM} and the output projection's rows of every
 *    head h of the group → e^{−tM}·W_O^h. A softmax row sums to 1, so the value bias moves with
 *    the weights exactly.
 * Each direction is the orbit's unit tangent at t = 0; the straight line along it leaves the orbit
 * at O(t²) (reads k̂ ≈ 2), so the pipeline scans both.
 */
import { gaussianVector, type Rng } from '../math/random.ts';
import type { AttentionOp } from '../ops/ops.ts';
import type { Candidate, ImmediateDetector, DetectorContext } from './types.ts';
import {
  attentionWirings, headsOfGroup, matrixOrbit, outputMatrix, projectionMatrix, rotaryPairs,
  type MatrixFactor,
} from './wiring.ts';

type Kind = 'rotation' | 'linear';

/** A random generator of the head's query–key group, unit Frobenius norm (row-major dh × dh). */
export function qkGenerator(op: AttentionOp, kind: Kind, rng: Rng): Float64Array {
  const dh = op.headDim;
  const M = new Float64Array(dh * dh);
  // rotary leaves features [dims, dh) alone: any block there; pairs get aI + bJ only
  const free = op.rotary ? Array.from({ length: dh - op.rotary.dims }, (_, i) => op.rotary!.dims + i) : Array.from({ length: dh }, (_, i) => i);
  for (const r of free) for (const c of free) M[r * dh + c] = rng.normal();
  if (op.rotary) for (const [a, b] of rotaryPairs(op.rotary)) {
    const scale = rng.normal(), turn = rng.normal();
    M[a * dh + a] = M[b * dh + b] = scale;
    M[a * dh + b] = turn;
    M[b * dh + a] = -turn;
  }
  if (kind === 'rotation') {
    // the skew part: scalings drop out, each pair keeps its J
    const S = new Float64Array(dh * dh);
    for (let r = 0; r < dh; r++) for (let c = 0; c < dh; c++) S[r * dh + c] = (M[r * dh + c] - M[c * dh + r]) / 2;
    M.set(S);
  }
  let n = 0;
  for (const x of M) n += x * x;
  return M.map((x) => x / Math.sqrt(n));
}

const negTranspose = (M: Float64Array, n: number) => Float64Array.from({ length: n * n }, (_, k) => -M[(k % n) * n + Math.floor(k / n)]);

function qkDetector(kind: Kind): ImmediateDetector {
  const id = `qk-${kind}`;
  return {
    id,
    summary: kind === 'rotation'
      ? 'query–key rotation per key/value group: (W_Q, b_Q)·e^{tΩ}, (W_K, b_K)·e^{tΩ}, Ω skew (rotary: per frequency pair), along the exact orbit'
      : 'query–key general-linear gauge per key/value group: (W_Q, b_Q)·e^{tM}, (W_K, b_K)·e^{−tMᵀ} (rotary: commuting with it), along the exact orbit',
    detect(ctx: DetectorContext): Candidate[] {
      const out: Candidate[] = [];
      for (const w of attentionWirings(ctx.model)) {
        if (!w.q || !w.k) continue;
        const { op } = w;
        const dh = op.headDim;
        for (let g = 0; g < op.kvHeads; g++) {
          const heads = headsOfGroup(op, g);
          const qs = heads.map((h) => w.q!.at(h * dh, dh));
          const k = w.k.at(g * dh, dh);
          if (!k || qs.some((q) => !q)) continue;
          const M = qkGenerator(op, kind, ctx.rng);
          const factors: MatrixFactor[] = [
            ...qs.map((q, i): MatrixFactor => ({ m: projectionMatrix(q!, heads[i] * dh, dh), side: 'right', generator: M })),
            { m: projectionMatrix(k, g * dh, dh), side: 'right', generator: negTranspose(M, dh) },
          ];
          out.push(groupCandidate(id, op, g, factors, ctx));
        }
      }
      return out;
    },
  };
}

export const qkRotation = qkDetector('rotation');
export const qkLinear = qkDetector('linear');

export const voLinear: ImmediateDetector = {
  id: 'vo-linear',
  summary: 'value–output general-linear gauge per key/value group: (W_V, b_V)·e^{tM}, e^{−tM}·W_O of each head reading it, along the exact orbit',
  detect(ctx) {
    const out: Candidate[] = [];
    for (const w of attentionWirings(ctx.model)) {
      if (!w.v || !w.o) continue;
      const { op } = w;
      const dh = op.headDim;
      for (let g = 0; g < op.kvHeads; g++) {
        const v = w.v.at(g * dh, dh);
        if (!v) continue;
        const M = gaussianVector(dh * dh, ctx.rng);
        const n = Math.hypot(...M);
        for (let i = 0; i < M.length; i++) M[i] /= n;
        const factors: MatrixFactor[] = [
          { m: projectionMatrix(v, g * dh, dh), side: 'right', generator: M },
          ...headsOfGroup(op, g).map((h): MatrixFactor => ({ m: outputMatrix(w.o!, h * dh, dh), side: 'left', generator: M.map((x) => -x) })),
        ];
        out.push(groupCandidate('vo-linear', op, g, factors, ctx));
      }
    }
    return out;
  },
};

function groupCandidate(detector: string, op: AttentionOp, g: number, factors: MatrixFactor[], ctx: DetectorContext): Candidate {
  const orbit = matrixOrbit(ctx.params, factors);
  const tensors = [...new Set(factors.flatMap((f) => f.m.tensor))];
  const notes = [
    ...(op.kvHeads === op.heads ? [] : [`key/value group ${g}: query heads ${headsOfGroup(op, g).join(', ')} move together`]),
    ...(op.rotary && detector.startsWith('qk-') ? ['rotary: 2×2 blocks per frequency pair only'] : []),
  ];
  return {
    id: `${detector}:${op.layer}:${g}`, detector, layer: op.layer, unit: null, head: g, tensors,
    direction: () => orbit(0).tangent, predictedK: null, gauge: true, orbit,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}
