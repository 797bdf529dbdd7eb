/**
 * The CPU engine's sparse rule for attention: only the heads whose queries, or whose key/value
 * group's keys or values, change can change, and only at the query positions the output sees
 * (`keep`, src/engine/cpu/positions.ts: a read at the last position needs one row of each head).
 * Those rows are computed by the f64 reference's own row functions (reference.ts: softmaxRow,
 * valueRow, tangentRow, so the same bits as the dense evaluation's rows); the other heads' rows are
 * unchanged exactly (their inputs are the cached ones: the dense path's difference is 0 there).
 */
import type { Flow, FlowArgs } from '../../engine/cpu/flow.ts';
import type { AttentionOp } from './definition.ts';
import { softmaxRow, tangentRow, valueRow } from './reference.ts';
import { rotate } from './rotary.ts';

/** Marks, per feature group of width dh, the groups a flow's support reaches (every one when dense). */
function groupsOf(flow: Flow, T: number, groups: number, dh: number): Uint8Array {
  const hit = new Uint8Array(groups);
  if (flow.support === null) hit.fill(1);
  else for (const f of flow.support) hit[Math.floor((f % (groups * dh)) / dh)] = 1;
  return hit;
}

/** Adds the flow's diff or tangent of sample s onto `out` (all `width` features of the sample). */
function addFlow(flow: Flow, which: 'diff' | 'tan', s: number, width: number, out: Float64Array): void {
  const S = flow.support;
  const src = flow[which];
  if (S === null) {
    for (let f = 0; f < width; f++) out[f] += src[s * width + f];
    return;
  }
  const m = S.length;
  for (let a = 0; a < m; a++) out[S[a]] += src[s * m + a];
}

export function attentionFlow(op: AttentionOp, [fq, fk, fv]: Flow[], ctx: FlowArgs): Flow | null {
  const { heads: H, kvHeads: Hkv, headDim: dh } = op;
  const n = ctx.n;
  const T = ctx.inShapes[0][0];
  const qw = H * dh, kw = Hkv * dh;
  const qHit = groupsOf(fq, T, H, dh);
  const kHit = groupsOf(fk, T, Hkv, dh);
  const vHit = groupsOf(fv, T, Hkv, dh);
  const moved: number[] = [];
  for (let h = 0; h < H; h++) {
    const g = Math.floor((h * Hkv) / H);
    if (qHit[h] || kHit[g] || vHit[g]) moved.push(h);
  }
  // the query positions the output sees
  const rows: number[] = [];
  if (ctx.keep) {
    const seen = new Uint8Array(T);
    for (const f of ctx.keep) seen[Math.floor(f / qw)] = 1;
    for (let t = 0; t < T; t++) if (seen[t]) rows.push(t);
  } else for (let t = 0; t < T; t++) rows.push(t);
  const hm = moved.length;
  const width = rows.length * hm * dh;
  const support = hm === H && rows.length === T ? null : new Int32Array(width);
  if (support) {
    let k = 0;
    for (const t of rows) for (const h of moved) for (let c = 0; c < dh; c++) support[k++] = t * qw + h * dh + c;
  }
  const diff = new Float64Array(n * width), tan = new Float64Array(n * width);
  if (hm === 0) return { support: new Int32Array(0), diff, tan };
  const [qb, kb, vb] = ctx.xBase;
  const yb = ctx.yBase;
  // one sample's perturbed inputs and their tangents, all features (the dense path's arrays)
  const q = new Float64Array(T * qw), k = new Float64Array(T * kw), v = new Float64Array(T * kw);
  const dq = new Float64Array(T * qw), dk = new Float64Array(T * kw), dv = new Float64Array(T * kw);
  // one head's rotated q, k and tangents; the score row; one output row and its tangent
  const qr = new Float64Array(T * dh), kr = new Float64Array(T * dh), dqr = new Float64Array(T * dh), dkr = new Float64Array(T * dh);
  const A = new Float64Array(T), dS = new Float64Array(T), y = new Float64Array(dh), dy = new Float64Array(dh);
  for (let s = 0; s < n; s++) {
    q.set(qb.subarray(s * T * qw, (s + 1) * T * qw));
    k.set(kb.subarray(s * T * kw, (s + 1) * T * kw));
    v.set(vb.subarray(s * T * kw, (s + 1) * T * kw));
    dq.fill(0);
    dk.fill(0);
    dv.fill(0);
    addFlow(fq, 'diff', s, T * qw, q);
    addFlow(fk, 'diff', s, T * kw, k);
    addFlow(fv, 'diff', s, T * kw, v);
    addFlow(fq, 'tan', s, T * qw, dq);
    addFlow(fk, 'tan', s, T * kw, dk);
    addFlow(fv, 'tan', s, T * kw, dv);
    for (let j = 0; j < hm; j++) {
      const h = moved[j];
      const g = Math.floor((h * Hkv) / H);
      // without rotary embeddings rotate copies: the rows are copied directly
      if (!op.rotary) for (let t = 0; t < T; t++) {
        const qo = (t * H + h) * dh, ko = (t * Hkv + g) * dh, ro = t * dh;
        for (let c = 0; c < dh; c++) {
          qr[ro + c] = q[qo + c];
          dqr[ro + c] = dq[qo + c];
          kr[ro + c] = k[ko + c];
          dkr[ro + c] = dk[ko + c];
        }
      }
      else for (let t = 0; t < T; t++) {
        rotate(op.rotary, t, 1, q, (t * H + h) * dh, qr, t * dh, dh);
        rotate(op.rotary, t, 1, dq, (t * H + h) * dh, dqr, t * dh, dh);
        rotate(op.rotary, t, 1, k, (t * Hkv + g) * dh, kr, t * dh, dh);
        rotate(op.rotary, t, 1, dk, (t * Hkv + g) * dh, dkr, t * dh, dh);
      }
      for (let ri = 0; ri < rows.length; ri++) {
        const t = rows[ri];
        // the reference's row operations (reference.ts), on this head's rotated rows
        const last = softmaxRow(op, t, T, qr, t * dh, kr, 0, dh, A, 0);
        y.fill(0);
        dy.fill(0);
        valueRow(op, last, A, 0, v, g * dh, kw, y, 0);
        tangentRow(op, last, A, 0, qr, dqr, t * dh, kr, dkr, 0, dh, v, dv, g * dh, kw, dS, dy, 0);
        const o = s * width + (ri * hm + j) * dh;
        const yo = s * T * qw + t * qw + h * dh;
        for (let c = 0; c < dh; c++) {
          diff[o + c] = y[c] - yb[yo + c];
          tan[o + c] = dy[c];
        }
      }
    }
  }
  return { support, diff, tan };
}
