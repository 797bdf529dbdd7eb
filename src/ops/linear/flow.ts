/**
 * The CPU engine's sparse rule for linear: y' − y = W'·d + ΔW·x_base + Δb;  ẏ = W'·ṫ + Ẇ·x' + ḃ
 * (W' = W + ΔW, x' = x_base + d), computed only on the output rows that can change.
 */
import {
  deltaOf, matrixSupport, nonzero, positions, rangeArr, sparseDot, tangentOf, unionSorted, type Flow, type FlowArgs,
} from '../../engine/cpu/flow.ts';
import type { LinearOp } from './definition.ts';

export function linearFlow(op: LinearOp, [flow]: Flow[], ctx: FlowArgs): Flow {
  const n = ctx.n;
  const inF = op.inFeatures;
  const outF = op.outFeatures;
  const xb = ctx.xBase[0];
  const W = ctx.params.get(op.weight)!.data;
  // a scaled query (a line, an orbit) hands fixed arrays and multipliers: nothing is allocated
  const [dW, ds] = deltaOf(ctx.query, op.weight);
  const [tW, ts] = tangentOf(ctx.query, op.weight);
  const [db, dbs] = op.bias ? deltaOf(ctx.query, op.bias) : [null, 0];
  const [tb, tbs] = op.bias ? tangentOf(ctx.query, op.bias) : [null, 0];
  const sW = dW ? matrixSupport(dW, outF, inF) : null;
  const sT = tW ? matrixSupport(tW, outF, inF) : null;
  const S = flow.support;
  const inDense = S === null;
  const inCount = inDense ? inF : S.length;
  // Output support: every row once the input changes, else only the patched rows.
  let support: Int32Array | null;
  if (inCount > 0) support = null;
  else support = unionSorted([sW?.rows, sT?.rows, nonzero(db), nonzero(tb)], outF);
  const outIdx = support ?? rangeArr(outF);
  const m = outIdx.length;
  const diff = new Float64Array(n * m);
  const tan = new Float64Array(n * m);
  const inIdx = inDense ? null : S;
  // x' on the columns the patches read
  const pos = positions(S, inF);
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    const fo = s * inCount;
    for (let r = 0; r < m; r++) {
      const o = outIdx[r];
      const wo = o * inF;
      let dv = db ? dbs * db[o] : 0;
      let tv = tb ? tbs * tb[o] : 0;
      if (inCount > 0) {
        // W'·d and W'·ṫ, W' = W + ΔW; tight loops for the common shapes
        const fd = flow.diff;
        const ft = flow.tan;
        let accD = 0;
        let accT = 0;
        if (inIdx === null) {
          for (let c = 0; c < inCount; c++) {
            const w = W[wo + c];
            accD += w * fd[fo + c];
            accT += w * ft[fo + c];
          }
        } else {
          for (let a = 0; a < inCount; a++) {
            const w = W[wo + inIdx[a]];
            accD += w * fd[fo + a];
            accT += w * ft[fo + a];
          }
        }
        if (dW) {
          for (let a = 0; a < inCount; a++) {
            const w = ds * dW[wo + (inIdx === null ? a : inIdx[a])];
            if (w === 0) continue;
            accD += w * fd[fo + a];
            accT += w * ft[fo + a];
          }
        }
        dv += accD;
        tv += accT;
      }
      if (dW) dv += ds * sparseDot(dW, wo, xb, xo, sW!.cols, inF);
      if (tW) {
        // Ẇ·x' with x' = x_base + d (d lives on the input support only)
        const cols = sT!.cols;
        let acc = sparseDot(tW, wo, xb, xo, cols, inF);
        if (inCount > 0) {
          for (let k = 0; k < cols.length; k++) {
            const p = pos ? pos[cols[k]] : cols[k];
            if (p >= 0) acc += tW[wo + cols[k]] * flow.diff[fo + p];
          }
        }
        tv += ts * acc;
      }
      diff[s * m + r] = dv;
      tan[s * m + r] = tv;
    }
  }
  return { support, diff, tan };
}
