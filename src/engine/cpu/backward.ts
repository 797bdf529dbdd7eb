/**
 * Output-side K-FAC factor G = E_x[J_zᵀ Λ J_z] for the output z of op `at` (METHOD §4), by
 * reverse mode from the logits: Λ = I (regression) or diag p − ppᵀ = Σ_c p_c (e_c − p)(e_c − p)ᵀ
 * (classification), so each sample back-propagates the rows of Λ^{1/2}.
 */
import { shapeTrace, size, type ModelGraph } from '../../model/graph.ts';
import type { Head, ParamSet } from '../types.ts';
import { activationDerivative } from './activations.ts';
import { param } from './dense.ts';

export class UnsupportedBackwardError extends Error {}

export function outputSideCovariance(
  model: ModelGraph, params: ParamSet, activations: Float64Array[], n: number, head: Head, at: number,
): Float64Array {
  const shapes = shapeTrace(model);
  const outW = size(shapes[shapes.length - 1]);
  const d = size(shapes[at + 1]);
  const G = new Float64Array(d * d);
  const logits = activations[activations.length - 1];
  for (let s = 0; s < n; s++) {
    // rows of Λ^{1/2}
    let M = new Float64Array(outW * outW);
    let width = outW;
    if (head === 'regression') for (let c = 0; c < outW; c++) M[c * outW + c] = 1;
    else {
      const z = logits.subarray(s * outW, (s + 1) * outW);
      const m = Math.max(...z);
      const e = Array.from(z, (v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / sum);
      for (let c = 0; c < outW; c++) {
        const r = Math.sqrt(p[c]);
        for (let k = 0; k < outW; k++) M[c * outW + k] = r * ((k === c ? 1 : 0) - p[k]);
      }
    }
    for (let i = model.ops.length - 1; i > at; i--) {
      const op = model.ops[i];
      const inF = size(shapes[i]);
      const x = activations[i].subarray(s * inF, (s + 1) * inF);
      const next = new Float64Array(outW * inF);
      switch (op.kind) {
        case 'linear': {
          const W = param(params, op.weight)!;
          for (let r = 0; r < outW; r++)
            for (let o = 0; o < width; o++) {
              const g = M[r * width + o];
              if (g === 0) continue;
              const wo = o * inF;
              for (let c = 0; c < inF; c++) next[r * inF + c] += g * W[wo + c];
            }
          break;
        }
        case 'activation':
          for (let r = 0; r < outW; r++) for (let f = 0; f < inF; f++) next[r * inF + f] = M[r * inF + f] * activationDerivative(op.fn, x[f]);
          break;
        case 'flatten':
          next.set(M);
          break;
        case 'batchnorm': {
          const c = shapes[i][0];
          const plane = inF / c;
          const g = param(params, op.weight);
          const v = param(params, op.runningVar)!;
          for (let r = 0; r < outW; r++) for (let f = 0; f < inF; f++) {
            const ch = Math.floor(f / plane);
            next[r * inF + f] = M[r * inF + f] * (g ? g[ch] : 1) / Math.sqrt(v[ch] + op.eps);
          }
          break;
        }
        case 'layernorm': {
          if (shapes[i].length !== 1) throw new UnsupportedBackwardError('layernorm over images');
          const g = param(params, op.weight);
          let mu = 0;
          for (const v of x) mu += v;
          mu /= inF;
          let va = 0;
          for (const v of x) va += (v - mu) ** 2;
          const inv = 1 / Math.sqrt(va / inF + op.eps);
          for (let r = 0; r < outW; r++) {
            let mg = 0, mng = 0;
            const gn = new Float64Array(inF);
            for (let f = 0; f < inF; f++) {
              gn[f] = M[r * inF + f] * (g ? g[f] : 1);
              mg += gn[f];
              mng += (x[f] - mu) * inv * gn[f];
            }
            mg /= inF;
            mng /= inF;
            for (let f = 0; f < inF; f++) next[r * inF + f] = (gn[f] - mg - (x[f] - mu) * inv * mng) * inv;
          }
          break;
        }
        default:
          throw new UnsupportedBackwardError(`reverse mode through ${op.kind} is not implemented`);
      }
      M = next;
      width = inF;
    }
    for (let r = 0; r < outW; r++) {
      const row = M.subarray(r * d, (r + 1) * d);
      for (let a = 0; a < d; a++) {
        const ra = row[a];
        if (ra === 0) continue;
        for (let b = 0; b < d; b++) G[a * d + b] += ra * row[b];
      }
    }
  }
  for (let k = 0; k < G.length; k++) G[k] /= n;
  return G;
}

/** Input-side factor A = E[a aᵀ] over op `at`'s input (with a trailing 1 when `withBias`). */
export function inputSideCovariance(activations: Float64Array[], n: number, inF: number, at: number, withBias: boolean): Float64Array {
  const d = inF + (withBias ? 1 : 0);
  const A = new Float64Array(d * d);
  const x = activations[at];
  const a = new Float64Array(d);
  for (let s = 0; s < n; s++) {
    for (let f = 0; f < inF; f++) a[f] = x[s * inF + f];
    if (withBias) a[inF] = 1;
    for (let i = 0; i < d; i++) {
      const ai = a[i];
      if (ai === 0) continue;
      for (let j = i; j < d; j++) A[i * d + j] += ai * a[j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = i; j < d; j++) {
    A[i * d + j] /= n;
    A[j * d + i] = A[i * d + j];
  }
  return A;
}
