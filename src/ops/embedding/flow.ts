/**
 * The CPU engine's sparse rule for embedding: a query moving columns C of W on rows R changes
 * output (t, d) only where d ∈ C and some sample has its token at t in R (a residual-stream
 * direction stays one column of the stream).
 */
import { deltaTensor, isEmptyFlow, tangentTensor, type Flow, type FlowArgs } from '../../engine/cpu/flow.ts';
import { indicesOf } from '../../engine/index-sets.ts';
import type { EmbeddingOp } from './definition.ts';

export function embeddingFlow(op: EmbeddingOp, [x]: Flow[], a: FlowArgs): Flow | null {
  // token ids never change (no tangent reaches an integer input)
  if (!isEmptyFlow(x)) return null;
  const D = op.dim, V = op.vocab, T = a.inShapes[0][0], n = a.n;
  const dW = deltaTensor(a.query, op.weight);
  const tW = tangentTensor(a.query, op.weight);
  const rowHit = new Uint8Array(V), colHit = new Uint8Array(D);
  for (const m of [dW, tW]) if (m) for (let k = 0; k < m.length; k++) if (m[k] !== 0) { rowHit[Math.floor(k / D)] = 1; colHit[k % D] = 1; }
  const cols = indicesOf(colHit);
  const posHit = new Uint8Array(T);
  const tokens = a.xBase[0];
  for (let s = 0; s < n; s++) for (let t = 0; t < T; t++) if (rowHit[tokens[s * T + t]]) posHit[t] = 1;
  const pos = indicesOf(posHit);
  const m = pos.length * cols.length;
  const support = new Int32Array(m);
  pos.forEach((t, i) => cols.forEach((d, j) => (support[i * cols.length + j] = t * D + d)));
  const diff = new Float64Array(n * m), tan = new Float64Array(n * m);
  for (let s = 0; s < n; s++) for (let i = 0; i < pos.length; i++) {
    const row = tokens[s * T + pos[i]] * D;
    for (let j = 0; j < cols.length; j++) {
      const o = s * m + i * cols.length + j;
      if (dW) diff[o] = dW[row + cols[j]];
      if (tW) tan[o] = tW[row + cols[j]];
    }
  }
  return { support, diff, tan };
}
