/**
 * The CPU engine's sparse rule for linear: y' − y = W'·d + ΔW·x_base + Δb;  ẏ = W'·ṫ + Ẇ·x' + ḃ
 * (W' = W + ΔW, x' = x_base + d), computed only on the output rows that can change. W is read in
 * its stored layout (`linearWeightAt`); positionwise, every position t is a row of the same map.
 */
import {
  deltaOf, matrixSupport, nonzero, positions, rangeArr, tangentOf, unionSorted, type Flow, type FlowArgs, type MatrixSupport,
} from '../../engine/cpu/flow.ts';
import { indicesOf } from '../../engine/index-sets.ts';
import { denseRowsTimes } from '../../fast/gemm.ts';
import { linearLayout, linearPositions, linearWeightAt, outInAt, outInCopy, type LinearOp, type LinearWeightAt } from './definition.ts';
import { sharedBasis, type ParamArray } from '../../engine/types.ts';
import { rearrange, type HeldTensor } from '../../format/held-tensor.ts';

/** Σ_k P[wo + cols[k]·si]·x[xo + cols[k]] over a patch row (in the order of cols, a plain loop when cols is every input). */
function patchDot(P: ParamArray, wo: number, si: number, x: Float64Array, xo: number, cols: Int32Array, inF: number): number {
  let acc = 0;
  if (cols.length === inF) {
    for (let c = 0; c < inF; c++) acc += P[wo + c * si] * x[xo + c];
  } else {
    for (let k = 0; k < cols.length; k++) acc += P[wo + cols[k] * si] * x[xo + cols[k]];
  }
  return acc;
}

/**
 * [out, in] copies of weights and patches stored [in, out] (GPT-2's Conv1D), made the first time a
 * flow reads them (a scan's points share their patch arrays): a row is then read contiguously
 * instead of one element per cache line. The same elements are summed in the same order.
 * A checkpoint weight's copy is in its stored dtype (a 16-bit weight's copy is its words transposed,
 * decoded through the bounded cache like any held tensor) and kept as long as the weight; a patch's
 * is f64, kept as long as the patch.
 */
const rowMajorHeldCache = new WeakMap<HeldTensor, HeldTensor>();
const rowMajorCache = new WeakMap<Float64Array, Float64Array>();

function rowMajorHeld(op: LinearOp, W: HeldTensor, at: LinearWeightAt): HeldTensor {
  let m = rowMajorHeldCache.get(W);
  if (!m) rowMajorHeldCache.set(W, (m = rearrange(W, [op.outFeatures, op.inFeatures], (a, like) => outInCopy(op, a, at, like))));
  return m;
}

function rowMajor(op: LinearOp, P: Float64Array, at: LinearWeightAt): Float64Array {
  let m = rowMajorCache.get(P);
  if (!m) rowMajorCache.set(P, (m = outInCopy(op, P, at, (n) => new Float64Array(n))));
  return m;
}

/** Supports of patches stored in another layout, cached per array as matrixSupport's are. */
const layoutSupportCache = new WeakMap<Float64Array, MatrixSupport>();

/** The outputs o and inputs i at which a patch of W (stored layout) holds a non-zero W[o, i]. */
function patchSupport(op: LinearOp, m: Float64Array, at: LinearWeightAt): MatrixSupport {
  const outF = op.outFeatures, inF = op.inFeatures;
  if (linearLayout(op) === 'out-in') return matrixSupport(m, outF, inF);
  const hit = layoutSupportCache.get(m);
  if (hit) return hit;
  const rowHit = new Uint8Array(outF), colHit = new Uint8Array(inF);
  for (let o = 0; o < outF; o++) {
    const wo = at.rowStart[o];
    for (let i = 0; i < inF; i++) if (m[wo + i * at.inStride] !== 0) { rowHit[o] = 1; colHit[i] = 1; }
  }
  const s = { rows: indicesOf(rowHit), cols: indicesOf(colHit) };
  layoutSupportCache.set(m, s);
  return s;
}

export function linearFlow(op: LinearOp, [flow]: Flow[], ctx: FlowArgs): Flow {
  const n = ctx.n;
  const inF = op.inFeatures;
  const outF = op.outFeatures;
  const T = linearPositions(op, ctx.inShapes[0]);
  const inW = T * inF; // input features per sample
  const outW = T * outF;
  const xb = ctx.xBase[0];
  const held = ctx.params.get(op.weight)!;
  const at = linearWeightAt(op);
  // a scaled query (a line, an orbit) hands fixed arrays and multipliers: nothing is allocated
  const [dStored, ds] = deltaOf(ctx.query, op.weight);
  const [tStored, ts] = tangentOf(ctx.query, op.weight);
  // weights and patches stored [in, out] are read through [out, in] copies (rows contiguous); the
  // patches of an orbit's points (new arrays at every point) in their stored layout (pStart, psi)
  const strided = at.inStride !== 1;
  const { rowStart, inStride: si } = strided ? outInAt(inF, outF) : at;
  const W = strided ? rowMajorHeld(op, held, at).data : held.data;
  const copy = strided && sharedBasis(ctx.query) !== null;
  const { rowStart: pStart, inStride: psi } = copy ? outInAt(inF, outF) : at;
  const dW = dStored && copy ? rowMajor(op, dStored, at) : dStored;
  const tW = tStored && copy ? rowMajor(op, tStored, at) : tStored;
  const [db, dbs] = op.bias ? deltaOf(ctx.query, op.bias) : [null, 0];
  const [tb, tbs] = op.bias ? tangentOf(ctx.query, op.bias) : [null, 0];
  const sW = dStored ? patchSupport(op, dStored, at) : null;
  const sT = tStored ? patchSupport(op, tStored, at) : null;
  const S = flow.support;
  const inDense = S === null;
  const inCount = inDense ? inW : S.length;
  const inIdx = inDense ? null : S;
  // the input support's entries at position t: [seg[t], seg[t + 1]) (features t·inF … (t+1)·inF − 1)
  const seg = new Int32Array(T + 1);
  if (inIdx) for (let t = 0, a = 0; t <= T; t++) {
    while (a < inIdx.length && inIdx[a] < t * inF) a++;
    seg[t] = a;
  }
  // Output support: every row at the positions where the input changes, the patched rows at every
  // position (a position with neither keeps its output: a read at one position carries one).
  const patched = unionSorted([sW?.rows, sT?.rows, nonzero(db), nonzero(tb)], outF);
  let support: Int32Array | null;
  if (inCount > 0 && (inIdx === null || T === 1 || patched === null)) support = null;
  else if (inCount > 0) {
    const hit: number[] = [];
    for (let t = 0; t < T; t++) {
      if (seg[t + 1] > seg[t]) for (let o = 0; o < outF; o++) hit.push(t * outF + o);
      else for (const o of patched!) hit.push(t * outF + o);
    }
    support = hit.length === outW ? null : Int32Array.from(hit);
  } else {
    const rows = patched;
    support = rows === null || T === 1 ? rows : Int32Array.from({ length: T * rows.length }, (_, k) => Math.floor(k / rows.length) * outF + rows[k % rows.length]);
  }
  const outIdx = support ?? rangeArr(outW);
  const m = outIdx.length;
  const diff = new Float64Array(n * m);
  const tan = new Float64Array(n * m);
  // ΔW·x_base and Ẇ·x_base on the output support (a line's points share them)
  // outIdx is the same rows at every position when it is every row or (input unchanged) the patched rows
  const blockRows = support === null ? null : patched;
  const blocks = support === null || inCount === 0;
  const base = { n, T, inF, outF, xb, rowStart: pStart, si: psi };
  const dBase = dW ? baseProduct(dW, sW!.cols, base, outIdx, blockRows, blocks) : null;
  const tBase = tW && tW !== dW ? baseProduct(tW, sT!.cols, base, outIdx, blockRows, blocks) : null;
  if (inIdx === null && inCount > 0) {
    denseInputFlow({ n, T, inF, outF, W, dW, tW, ds, ts, db, dbs, tb, tbs, rowStart, si, pStart, psi, sT, dBase, tBase }, flow, diff, tan);
    return { support, diff, tan };
  }
  // an unpatched linear whose input changes on whole positions (a read at one position): its rows
  // as one product; the support's rows are (sample, position) rows of inF (sums as the loop below)
  if (inIdx !== null && inCount > 0 && !dW && !tW && !db && !tb && wholePositions(seg, T, inF)) {
    denseRowsTimes(flow.diff, 0, inCount / inF * n, inF, W, rowStart, si, outF, diff, 0, null);
    denseRowsTimes(flow.tan, 0, inCount / inF * n, inF, W, rowStart, si, outF, tan, 0, null);
    return { support, diff, tan };
  }
  // the same with some features (the same ones) at every position (an attention output whose heads
  // changed): one product over the compacted columns of W, summed in the row loop's order
  if (inIdx !== null && inCount > 0 && support === null && !dW && !tW && !db && !tb) {
    const cols = samePositionColumns(inIdx, seg, T, inF);
    if (cols) {
      const L = cols.length;
      const Wc = new Float64Array(outF * L);
      for (let o = 0; o < outF; o++) for (let j = 0; j < L; j++) Wc[o * L + j] = W[rowStart[o] + cols[j] * si];
      const cStart = Int32Array.from({ length: outF }, (_, o) => o * L);
      denseRowsTimes(flow.diff, 0, n * T, L, Wc, cStart, 1, outF, diff, 0, null);
      denseRowsTimes(flow.tan, 0, n * T, L, Wc, cStart, 1, outF, tan, 0, null);
      return { support, diff, tan };
    }
  }
  // x' on the columns the patches read
  const pos = positions(S, inW);
  // what does not depend on the sample, once: each output row's position and weight rows, each
  // input entry's offset in a weight row (W and the patches), and per position the tangent patch's
  // columns the input change reaches (the loop below sums the same terms in the same order)
  const rowT = new Int32Array(m), rowO = new Int32Array(m), rowW = new Int32Array(m), rowP = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const f = outIdx[r];
    const t = T === 1 ? 0 : Math.floor(f / outF);
    const o = f - t * outF;
    rowT[r] = t;
    rowO[r] = o;
    rowW[r] = rowStart[o];
    rowP[r] = pStart[o];
  }
  const wOff = new Int32Array(inCount), pOff = new Int32Array(inCount);
  if (inIdx) for (let t = 0; t < T; t++) for (let a = seg[t]; a < seg[t + 1]; a++) {
    wOff[a] = (inIdx[a] - t * inF) * si;
    pOff[a] = (inIdx[a] - t * inF) * psi;
  }
  // Ẇ·d: per position t, [tSeg[t], tSeg[t + 1]) of (patch offset, input entry) pairs
  const tSeg = new Int32Array(T + 1);
  let tOff = new Int32Array(0), tAt = new Int32Array(0);
  if (tW && inCount > 0) {
    const cols = sT!.cols;
    const offs: number[] = [], ats: number[] = [];
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < cols.length; k++) {
        const c = t * inF + cols[k];
        const p = pos ? pos[c] : c;
        if (p >= 0) { offs.push(cols[k] * psi); ats.push(p); }
      }
      tSeg[t + 1] = offs.length;
    }
    tOff = Int32Array.from(offs);
    tAt = Int32Array.from(ats);
  }
  const fd = flow.diff;
  const ft = flow.tan;
  for (let s = 0; s < n; s++) {
    const fo = s * inCount;
    for (let r = 0; r < m; r++) {
      const t = rowT[r];
      const o = rowO[r];
      const wo = rowW[r], po = rowP[r];
      let dv = db ? dbs * db[o] : 0;
      let tv = tb ? tbs * tb[o] : 0;
      if (inCount > 0) {
        // W'·d and W'·ṫ, W' = W + ΔW (a sparse input change: a dense one went to denseInputFlow above)
        let accD = 0;
        let accT = 0;
        const a0 = seg[t], a1 = seg[t + 1];
        for (let a = a0; a < a1; a++) {
          const w = W[wo + wOff[a]];
          accD += w * fd[fo + a];
          accT += w * ft[fo + a];
        }
        if (dW) {
          for (let a = a0; a < a1; a++) {
            const w = ds * dW[po + pOff[a]];
            if (w === 0) continue;
            accD += w * fd[fo + a];
            accT += w * ft[fo + a];
          }
        }
        dv += accD;
        tv += accT;
      }
      // ΔW·x_base; a line's delta and tangent are one array: its dot is taken once
      const dDot = dW ? dBase![s * m + r] : 0;
      if (dW) dv += ds * dDot;
      if (tW) {
        // Ẇ·x' with x' = x_base + d (d lives on the input support only)
        let acc = tW === dW ? dDot : tBase![s * m + r];
        for (let j = tSeg[t], j1 = tSeg[t + 1]; j < j1; j++) acc += tW[po + tOff[j]] * fd[fo + tAt[j]];
        tv += ts * acc;
      }
      diff[s * m + r] = dv;
      tan[s * m + r] = tv;
    }
  }
  return { support, diff, tan };
}

interface DenseInputArgs {
  n: number; T: number; inF: number; outF: number;
  W: ParamArray; dW: ParamArray | null; tW: ParamArray | null; ds: number; ts: number;
  db: ParamArray | null; dbs: number; tb: ParamArray | null; tbs: number;
  rowStart: Int32Array; si: number; sT: MatrixSupport | null;
  /** where the patches' rows start and their input stride (their stored layout, or [out, in] copies) */
  pStart: Int32Array; psi: number;
  /** ΔW·x_base and Ẇ·x_base (baseProduct), N × T·outF */
  dBase: Float64Array | null; tBase: Float64Array | null;
}

/**
 * linearFlow where the input change is dense (every feature of every position: a LayerNorm or an
 * embedding moved upstream): per sample, the T positions' sums W'·d, W'·ṫ and Ẇ·d as row products
 * (denseRowsTimes), each sum in the order, and with the operations, of the row-at-a-time loop of
 * linearFlow (the same bits but the sign of a zero); a tangent patch over some columns only takes
 * those columns row by row as there.
 */
function denseInputFlow(a: DenseInputArgs, flow: Flow, diff: Float64Array, tan: Float64Array): void {
  const { n, T, inF, outF, W, dW, tW, ds, ts, db, dbs, tb, tbs, rowStart, si, pStart, psi, sT, dBase, tBase } = a;
  const m = T * outF;
  const inW = T * inF;
  const Q = tW ? new Float64Array(m) : null; // Ẇ·x'
  const fullT = sT !== null && sT.cols.length === inF;
  for (let s = 0; s < n; s++) {
    const xo = s * inW, yo = s * m;
    denseRowsTimes(flow.diff, xo, T, inF, W, rowStart, si, outF, diff, yo, null);
    denseRowsTimes(flow.tan, xo, T, inF, W, rowStart, si, outF, tan, yo, null);
    if (dW) {
      denseRowsTimes(flow.diff, xo, T, inF, dW, pStart, psi, outF, diff, yo, 'add', ds);
      denseRowsTimes(flow.tan, xo, T, inF, dW, pStart, psi, outF, tan, yo, 'add', ds);
    }
    if (tW) {
      Q!.set((tW === dW ? dBase : tBase)!.subarray(yo, yo + m));
      if (fullT) denseRowsTimes(flow.diff, xo, T, inF, tW, pStart, psi, outF, Q!, 0, 'add');
      else {
        const cols = sT!.cols;
        for (let t = 0; t < T; t++) for (let o = 0; o < outF; o++) {
          let acc = Q![t * outF + o];
          const po = pStart[o], fo = xo + t * inF;
          for (let k = 0; k < cols.length; k++) acc += tW[po + cols[k] * psi] * flow.diff[fo + cols[k]];
          Q![t * outF + o] = acc;
        }
      }
    }
    for (let r = 0; r < m; r++) {
      let dv = db ? dbs * db[r % outF] : 0;
      let tv = tb ? tbs * tb[r % outF] : 0;
      dv += diff[yo + r];
      tv += tan[yo + r];
      if (dBase) dv += ds * dBase[yo + r];
      if (Q) tv += ts * Q[r];
      diff[yo + r] = dv;
      tan[yo + r] = tv;
    }
  }
}

interface BaseArgs { n: number; T: number; inF: number; outF: number; xb: Float64Array; rowStart: Int32Array; si: number }

/**
 * The last few patch·x_base products, by patch array and cached input: the points of a line (or an
 * orbit's scaled points) hand the same patch array, and ΔW·x_base does not depend on the point.
 * Two entries only (a line's delta and tangent are one array), none over BASE_CACHE_MAX: the
 * product of one linear is N·T·outF numbers.
 */
const baseCache: { P: ParamArray; xb: Float64Array; outIdx: Int32Array; Y: Float64Array }[] = [];
/** products larger than this (numbers) are not kept: 32 Mi numbers = 256 MiB */
const BASE_CACHE_MAX = 1 << 25;

function sameIndex(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Y[s·m + r] = Σ_{c ∈ cols} P[o, c]·x_base[s, t, c] for every output r = (t, o) of outIdx (m of them),
 * each as patchDot sums it. `blocks`: outIdx is position-major, the same rows `rows` (null: all) at
 * every position, so the full-column case runs as one product over the N·T rows of x_base.
 */
function baseProduct(P: ParamArray, cols: Int32Array, a: BaseArgs, outIdx: Int32Array, rows: Int32Array | null, blocks: boolean): Float64Array {
  const { n, T, inF, outF, xb, rowStart, si } = a;
  const m = outIdx.length;
  const hit = baseCache.find((e) => e.P === P && e.xb === xb && sameIndex(e.outIdx, outIdx));
  if (hit) return hit.Y;
  const Y = new Float64Array(n * m);
  if (blocks && cols.length === inF) {
    const sel = rows === null ? rowStart : Int32Array.from(rows, (o) => rowStart[o]);
    denseRowsTimes(xb, 0, n * T, inF, P, sel, si, sel.length, Y, 0, null);
  } else {
    for (let s = 0; s < n; s++) for (let r = 0; r < m; r++) {
      const f = outIdx[r];
      const t = T === 1 ? 0 : Math.floor(f / outF);
      Y[s * m + r] = patchDot(P, rowStart[f - t * outF], si, xb, s * T * inF + t * inF, cols, inF);
    }
  }
  if (Y.length <= BASE_CACHE_MAX) {
    baseCache.unshift({ P, xb, outIdx, Y });
    if (baseCache.length > 2) baseCache.pop();
  }
  return Y;
}

/** Whether the input support holds, at every position it reaches, all inF features of it. */
function wholePositions(seg: Int32Array, T: number, inF: number): boolean {
  for (let t = 0; t < T; t++) {
    const c = seg[t + 1] - seg[t];
    if (c !== 0 && c !== inF) return false;
  }
  return true;
}

/** The features of a position the input support holds, when it holds the same ones at every position; else null. */
function samePositionColumns(idx: Int32Array, seg: Int32Array, T: number, inF: number): Int32Array | null {
  const L = seg[1] - seg[0];
  if (L === 0) return null;
  for (let t = 1; t < T; t++) {
    if (seg[t + 1] - seg[t] !== L) return null;
    for (let j = 0; j < L; j++) if (idx[seg[t] + j] - t * inF !== idx[j]) return null;
  }
  return idx.slice(0, L);
}
