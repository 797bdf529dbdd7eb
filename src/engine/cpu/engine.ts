/**
 * The f64 CPU engine. `prepare` caches every op's input once; a query then starts at the
 * first op its patches touch and carries only the *change* from the cached activations on
 * the features where it can be non-zero (its support). A node-death direction of a hidden
 * unit thus costs a row and a column of two matrices per sample, not a whole forward pass.
 * Value changes and tangents share one support; a support of null means every feature.
 */
import { isParamOp, opTensors, shapeTrace, size, type ModelGraph, type Op } from '../../model/graph.ts';
import {
  CancelledError, type FisherEngine, type FisherQuery, type EngineProgress, type Head, type ParamSet, type ProbeSet,
  type TensorPatch,
} from '../types.ts';
import { activate, activationDerivative } from './activations.ts';
import { evaluateDense, denseOp, convShape, param } from './dense.ts';
import { conv2dForward, convOutSize, fisherPerSample } from './ops.ts';
import { UnitScan, type Precision } from '../../fast/unit-scan.ts';

/** A perturbed activation: value = base + diff on `support`; tangent on the same support. */
interface Flow {
  support: Int32Array | null;
  diff: Float64Array; // N × |support|
  tan: Float64Array; // N × |support|
}

/** Rows and columns of a [rows, cols] patch that hold a non-zero entry. */
interface MatrixSupport { rows: Int32Array; cols: Int32Array }

export class CpuEngine implements FisherEngine {
  readonly name = 'cpu' as const;
  readonly description: string;
  /** unit directions go through the fast scan (src/fast) in this precision; everything else in f64 */
  readonly precision: Precision;
  private fast: UnitScan | null = null;
  private model!: ModelGraph;
  private params!: ParamSet;
  private head!: Head;
  private n = 0;
  private shapes: number[][] = [];
  /** acts[i] = input of op i for all probes; acts[ops.length] = logits */
  private acts: Float64Array[] = [];
  private firstOpOf = new Map<string, number>();
  /** how often to yield to the event loop so cancellation can land */
  chunk = 16;

  constructor(options: { precision?: Precision } = {}) {
    this.precision = options.precision ?? 'f32';
    this.description = this.precision === 'f64' ? 'CPU engine (TypeScript, f64)' : 'CPU engine (TypeScript; fast scans in f32, the rest in f64)';
  }

  async prepare(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head): Promise<void> {
    this.model = model;
    this.params = params;
    this.head = head;
    this.n = probe.count;
    this.shapes = shapeTrace(model);
    this.acts = evaluateDense(model, params, probe.data, probe.count, { keepActivations: true }).activations!;
    this.fast = new UnitScan({ model, params, head, n: probe.count, acts: this.acts }, this.precision);
    this.firstOpOf.clear();
    model.ops.forEach((op, i) => {
      for (const t of opTensors(op)) if (!this.firstOpOf.has(t)) this.firstOpOf.set(t, i);
    });
  }

  /** The cached activations (input of op i); exposed for detectors' statistics. */
  activations(): Float64Array[] {
    return this.acts;
  }

  async directionalFisher(
    queries: FisherQuery[],
    options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    const out = new Float64Array(queries.length);
    const answered = this.fast!.answer(queries, out);
    for (let q = 0; q < queries.length; q++) {
      if (answered[q]) continue;
      if (q % this.chunk === 0) {
        await new Promise((r) => setTimeout(r, 0));
        if (options.signal?.aborted) throw new CancelledError();
        options.onProgress?.({ done: q, total: queries.length });
      }
      out[q] = this.fisherOf(queries[q]);
    }
    options.onProgress?.({ done: queries.length, total: queries.length });
    return out;
  }

  dispose(): void {
    this.acts = [];
  }

  /** F_v for one query. */
  fisherOf(query: FisherQuery): number {
    let start = this.model.ops.length;
    const touched = query.scaled ? [...query.scaled.basis.keys()] : [...query.delta.keys(), ...query.tangent.keys()];
    for (const name of touched) {
      const i = this.firstOpOf.get(name);
      if (i === undefined) throw new Error(`query touches tensor ${name}, which no op reads`);
      start = Math.min(start, i);
    }
    const n = this.n;
    let flow: Flow = { support: new Int32Array(0), diff: new Float64Array(0), tan: new Float64Array(0) };
    for (let i = start; i < this.model.ops.length; i++) {
      flow = this.step(i, this.model.ops[i], flow, query);
    }
    const outW = size(this.shapes[this.shapes.length - 1]);
    const base = this.acts[this.acts.length - 1];
    const z = base.slice();
    const dz = new Float64Array(n * outW);
    scatterAdd(z, flow.support, flow.diff, n, outW);
    scatterAdd(dz, flow.support, flow.tan, n, outW);
    const f = fisherPerSample(this.head, z, dz, n, outW);
    let s = 0;
    for (let i = 0; i < n; i++) s += f[i];
    return s / n;
  }

  private step(i: number, op: Op, flow: Flow, q: FisherQuery): Flow {
    const touched = isParamOp(op) && opTensors(op).some((t) => (q.scaled ? q.scaled.basis.has(t) : q.tangent.has(t) || q.delta.has(t)));
    const emptyIn = flow.support !== null && flow.support.length === 0;
    if (emptyIn && !touched) return flow;
    switch (op.kind) {
      case 'linear':
        return this.linear(i, op, flow, q);
      case 'activation':
        return this.activation(i, op.fn, flow);
      case 'flatten':
        return flow;
      case 'conv2d':
        return this.conv(i, op, flow, q);
      case 'batchnorm':
        return touched ? this.dense(i, op, flow, q) : this.batchnorm(i, op, flow);
      case 'maxpool':
        return flow.support === null ? this.dense(i, op, flow, q) : this.maxpool(i, op, flow);
      default:
        return this.dense(i, op, flow, q);
    }
  }

  /** y' − y = W'·d + ΔW·x_base + Δb;  ẏ = W'·ṫ + Ẇ·x' + ḃ  (W' = W + ΔW, x' = x_base + d). */
  private linear(i: number, op: Extract<Op, { kind: 'linear' }>, flow: Flow, q: FisherQuery): Flow {
    const n = this.n;
    const inF = op.inFeatures;
    const outF = op.outFeatures;
    const xb = this.acts[i];
    const W = param(this.params, op.weight)!;
    // a scaled query (a line, an orbit) hands fixed arrays and multipliers: nothing is allocated
    const [dW, ds] = deltaOf(q, op.weight);
    const [tW, ts] = tangentOf(q, op.weight);
    const [db, dbs] = op.bias ? deltaOf(q, op.bias) : [null, 0];
    const [tb, tbs] = op.bias ? tangentOf(q, op.bias) : [null, 0];
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

  private activation(i: number, fn: Extract<Op, { kind: 'activation' }>['fn'], flow: Flow): Flow {
    const n = this.n;
    const F = size(this.shapes[i]);
    const xb = this.acts[i];
    const yb = this.acts[i + 1];
    const S = flow.support;
    const m = S === null ? F : S.length;
    const diff = new Float64Array(n * m);
    const tan = new Float64Array(n * m);
    const fd = flow.diff;
    const ft = flow.tan;
    for (let s = 0; s < n; s++) {
      for (let a = 0; a < m; a++) {
        const c = S === null ? a : S[a];
        const z = xb[s * F + c] + fd[s * m + a];
        if (fn === 'relu') {
          // the common case, inlined
          diff[s * m + a] = (z > 0 ? z : 0) - yb[s * F + c];
          tan[s * m + a] = z > 0 ? ft[s * m + a] : 0;
        } else {
          diff[s * m + a] = activate(fn, z) - yb[s * F + c];
          tan[s * m + a] = activationDerivative(fn, z) * ft[s * m + a];
        }
      }
    }
    const shape = this.shapes[i];
    return pruneSupport({ support: S, diff, tan }, n, F, shape.length === 3 ? shape[1] * shape[2] : 1);
  }

  /**
   * Conv is bilinear in (x, W): y' − y = conv(d, W') + conv(x_base, ΔW) + Δb. The input change
   * lives on a few channels, the weight patch on a few output channels: only those are computed.
   */
  private conv(i: number, op: Extract<Op, { kind: 'conv2d' }>, flow: Flow, q: FisherQuery): Flow {
    const n = this.n;
    const inShape = this.shapes[i];
    const s = convShape(op, inShape, n);
    const [oh, ow] = convOutSize(s);
    const plane = s.h * s.w;
    const oplane = oh * ow;
    const kk = s.kh * s.kw;
    const W = param(this.params, op.weight)!;
    const dW = deltaTensor(q, op.weight);
    const tW = tangentTensor(q, op.weight);
    const db = op.bias ? deltaTensor(q, op.bias) : null;
    const tb = op.bias ? tangentTensor(q, op.bias) : null;
    const inCh = flow.support === null ? rangeArr(s.c) : channelsOf(flow.support, plane);
    const sW = dW ? matrixSupport(dW, s.o, s.c * kk) : null;
    const sT = tW ? matrixSupport(tW, s.o, s.c * kk) : null;
    const outCh = inCh.length > 0
      ? rangeArr(s.o)
      : (unionSorted([sW?.rows, sT?.rows, nonzero(db), nonzero(tb)], s.o) ?? rangeArr(s.o));
    const xb = this.acts[i];
    const m = outCh.length;
    const diff = new Float64Array(n * m * oplane);
    const tan = new Float64Array(n * m * oplane);
    const addConv = (target: Float64Array, x: Float64Array, xs: Int32Array, weights: Float64Array) =>
      addTo(target, conv2dForward(x, weights, null, s, xs, outCh));
    if (inCh.length > 0) {
      // flow.diff/tan are already compact over whole channel blocks (support is channel-aligned)
      const Wp = dW ? addArrays(W, dW) : W;
      addConv(diff, compactChannels(flow, inCh, plane, 'diff'), inCh, Wp);
      addConv(tan, compactChannels(flow, inCh, plane, 'tan'), inCh, Wp);
    }
    if (dW) {
      const cs = channelsOf(sW!.cols, kk);
      addConv(diff, gatherChannels(xb, null, cs, s.c, plane, n), cs, dW);
    }
    if (tW) {
      const cs = channelsOf(sT!.cols, kk);
      addConv(tan, gatherChannels(xb, flow, cs, s.c, plane, n), cs, tW);
    }
    for (const [b, target] of [[db, diff], [tb, tan]] as const) {
      if (!b) continue;
      for (let smp = 0; smp < n; smp++) for (let a = 0; a < m; a++) {
        const off = (smp * m + a) * oplane;
        for (let p = 0; p < oplane; p++) target[off + p] += b[outCh[a]];
      }
    }
    const support = m === s.o ? null : expandChannels(outCh, oplane);
    return { support, diff, tan };
  }

  /** BatchNorm (eval) is a per-channel affine map: the change keeps its support. */
  private batchnorm(i: number, op: Extract<Op, { kind: 'batchnorm' }>, flow: Flow): Flow {
    const n = this.n;
    const shape = this.shapes[i];
    const plane = size(shape) / shape[0];
    const g = param(this.params, op.weight);
    const v = param(this.params, op.runningVar)!;
    const S = flow.support;
    const m = S === null ? size(shape) : S.length;
    const scale = new Float64Array(m);
    for (let a = 0; a < m; a++) {
      const ch = Math.floor((S === null ? a : S[a]) / plane);
      scale[a] = (g ? g[ch] : 1) / Math.sqrt(v[ch] + op.eps);
    }
    const diff = new Float64Array(n * m);
    const tan = new Float64Array(n * m);
    for (let s = 0; s < n; s++) for (let a = 0; a < m; a++) {
      diff[s * m + a] = scale[a] * flow.diff[s * m + a];
      tan[s * m + a] = scale[a] * flow.tan[s * m + a];
    }
    return { support: S, diff, tan };
  }

  /** Max-pooling acts per channel: only the changed channels are pooled again. */
  private maxpool(i: number, op: Extract<Op, { kind: 'maxpool' }>, flow: Flow): Flow {
    const n = this.n;
    const [c, h, w] = this.shapes[i];
    const [, oh, ow] = this.shapes[i + 1];
    const plane = h * w;
    const oplane = oh * ow;
    const S = flow.support!;
    const channels = channelsOf(S, plane);
    const m = S.length; // channel-aligned: channels.length × plane
    const outM = channels.length * oplane;
    const xb = this.acts[i];
    const yb = this.acts[i + 1];
    const diff = new Float64Array(n * outM);
    const tan = new Float64Array(n * outM);
    for (let s = 0; s < n; s++) {
      for (let a = 0; a < channels.length; a++) {
        const ch = channels[a];
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          let best = -Infinity;
          let at = -1;
          for (let ky = 0; ky < op.kernel; ky++) for (let kx = 0; kx < op.kernel; kx++) {
            const p = (oy * op.stride + ky) * w + (ox * op.stride + kx);
            const val = xb[s * c * plane + ch * plane + p] + flow.diff[s * m + a * plane + p];
            if (val > best || at < 0) { best = val; at = p; }
          }
          const o = a * oplane + oy * ow + ox;
          diff[s * outM + o] = best - yb[s * c * oplane + ch * oplane + oy * ow + ox];
          tan[s * outM + o] = flow.tan[s * m + a * plane + at];
        }
      }
    }
    return { support: expandChannels(channels, oplane), diff, tan };
  }

  /** Ops without a sparse rule (pooling, normalisation): densify, run the dense op, re-express as change. */
  private dense(i: number, op: Op, flow: Flow, q: FisherQuery): Flow {
    const n = this.n;
    const F = size(this.shapes[i]);
    const x = this.acts[i].slice();
    const dx = new Float64Array(n * F);
    scatterAdd(x, flow.support, flow.diff, n, F);
    scatterAdd(dx, flow.support, flow.tan, n, F);
    // parameters of this op at θ(t)
    let params = this.params;
    const patched = opTensors(op).map((t) => [t, deltaTensor(q, t)] as const).filter(([, d]) => d !== null);
    if (patched.length) {
      params = new Map(params);
      for (const [t, d] of patched) params.set(t, { shape: this.params.get(t)!.shape, data: addArrays(this.params.get(t)!.data, d!) });
    }
    const tangent: TensorPatch = new Map();
    for (const t of opTensors(op)) {
      const a = tangentTensor(q, t);
      if (a) tangent.set(t, a);
    }
    const { y, dy } = denseOp(op, this.shapes[i], n, params, x, dx, tangent);
    const yb = this.acts[i + 1];
    const diff = new Float64Array(y.length);
    for (let k = 0; k < y.length; k++) diff[k] = y[k] - yb[k];
    return { support: null, diff, tan: dy ?? new Float64Array(y.length) };
  }
}

/** Σ_k a[ao + cols[k]]·b[bo + cols[k]]; a plain contiguous loop when cols covers all n. */
function sparseDot(a: Float64Array, ao: number, b: Float64Array, bo: number, cols: Int32Array, n: number): number {
  let acc = 0;
  if (cols.length === n) {
    for (let c = 0; c < n; c++) acc += a[ao + c] * b[bo + c];
  } else {
    for (let k = 0; k < cols.length; k++) acc += a[ao + cols[k]] * b[bo + cols[k]];
  }
  return acc;
}

/** The delta of one tensor as (array, scale): for a scaled query its basis array and multiplier. */
function deltaOf(q: FisherQuery, name: string): [Float64Array | null, number] {
  if (q.scaled) return [q.scaled.basis.get(name) ?? null, q.scaled.delta.get(name) ?? 0];
  return [q.delta.get(name) ?? null, 1];
}

/** The tangent of one tensor as (array, scale). */
function tangentOf(q: FisherQuery, name: string): [Float64Array | null, number] {
  if (q.scaled) return [q.scaled.basis.get(name) ?? null, q.scaled.tangent.get(name) ?? 0];
  return [q.tangent.get(name) ?? null, 1];
}

function materialize([a, s]: [Float64Array | null, number]): Float64Array | null {
  return a && s !== 1 ? a.map((x) => x * s) : a;
}

const deltaTensor = (q: FisherQuery, name: string) => materialize(deltaOf(q, name));
const tangentTensor = (q: FisherQuery, name: string) => materialize(tangentOf(q, name));

/** Supports are cached per array: a line scan reuses its tangent's at every grid point. */
const supportCache = new WeakMap<Float64Array, MatrixSupport>();

/**
 * Drop units (features, or whole channels of `plane` features) whose change and tangent are
 * exactly zero on every sample — a unit that does not fire stays silent — so everything
 * downstream of a silent unit is skipped. Supports stay channel-aligned.
 */
function pruneSupport(flow: Flow, n: number, F: number, plane: number): Flow {
  const m = flow.support === null ? F : flow.support.length;
  if (m === 0) return flow;
  const keep = new Uint8Array(m);
  let kept = 0;
  for (let g = 0; g < m; g += plane) {
    let live = false;
    for (let s = 0; s < n && !live; s++) {
      for (let a = g; a < g + plane; a++) {
        if (flow.diff[s * m + a] !== 0 || flow.tan[s * m + a] !== 0) {
          live = true;
          break;
        }
      }
    }
    if (live) {
      keep.fill(1, g, g + plane);
      kept += plane;
    }
  }
  if (kept === m) return flow;
  // keep dense flows dense unless most features fell silent
  if (flow.support === null && kept > m / 2) return flow;
  const support = new Int32Array(kept);
  const diff = new Float64Array(n * kept);
  const tan = new Float64Array(n * kept);
  let b = 0;
  for (let a = 0; a < m; a++) {
    if (!keep[a]) continue;
    support[b] = flow.support === null ? a : flow.support[a];
    for (let s = 0; s < n; s++) {
      diff[s * kept + b] = flow.diff[s * m + a];
      tan[s * kept + b] = flow.tan[s * m + a];
    }
    b++;
  }
  return { support, diff, tan };
}

function matrixSupport(m: Float64Array, rows: number, cols: number): MatrixSupport {
  const hit = supportCache.get(m);
  if (hit) return hit;
  const s = computeMatrixSupport(m, rows, cols);
  supportCache.set(m, s);
  return s;
}

function computeMatrixSupport(m: Float64Array, rows: number, cols: number): MatrixSupport {
  const rowHit = new Uint8Array(rows);
  const colHit = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) if (m[o + c] !== 0) { rowHit[r] = 1; colHit[c] = 1; }
  }
  return { rows: indicesOf(rowHit), cols: indicesOf(colHit) };
}

function indicesOf(hit: Uint8Array): Int32Array {
  let k = 0;
  for (const h of hit) k += h;
  const out = new Int32Array(k);
  k = 0;
  for (let i = 0; i < hit.length; i++) if (hit[i]) out[k++] = i;
  return out;
}

function nonzero(a: Float64Array | null): Int32Array | undefined {
  if (!a) return undefined;
  const hit = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) hit[i] = a[i] !== 0 ? 1 : 0;
  return indicesOf(hit);
}

/** Sorted union; returns null (all) when it covers every index. */
function unionSorted(sets: (Int32Array | undefined)[], n: number): Int32Array | null {
  const hit = new Uint8Array(n);
  for (const s of sets) if (s) for (const i of s) hit[i] = 1;
  const idx = indicesOf(hit);
  return idx.length === n ? null : idx;
}

function rangeArr(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** pos[c] = position of feature c in the support, −1 if absent; null for a dense support. */
function positions(S: Int32Array | null, F: number): Int32Array | null {
  if (S === null) return null;
  const pos = new Int32Array(F).fill(-1);
  S.forEach((c, a) => (pos[c] = a));
  return pos;
}

function scatterAdd(target: Float64Array, S: Int32Array | null, vals: Float64Array, n: number, F: number): void {
  if (S === null) {
    for (let k = 0; k < target.length; k++) target[k] += vals[k];
    return;
  }
  const m = S.length;
  for (let s = 0; s < n; s++) for (let a = 0; a < m; a++) target[s * F + S[a]] += vals[s * m + a];
}

function addArrays(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

function addTo(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

/** The distinct ⌊i / plane⌋ of ascending indices: the channels a support or a column set covers. */
function channelsOf(sorted: Int32Array, plane: number): Int32Array {
  const out: number[] = [];
  for (const f of sorted) {
    const c = Math.floor(f / plane);
    if (out[out.length - 1] !== c) out.push(c);
  }
  return Int32Array.from(out);
}

function expandChannels(ch: Int32Array, plane: number): Int32Array {
  const out = new Int32Array(ch.length * plane);
  ch.forEach((c, a) => {
    for (let p = 0; p < plane; p++) out[a * plane + p] = c * plane + p;
  });
  return out;
}

/** The flow's diff or tangent, already a compact [N][channels][plane] array over `inCh`. */
function compactChannels(flow: Flow, inCh: Int32Array, plane: number, which: 'diff' | 'tan'): Float64Array {
  const src = flow[which];
  if (flow.support === null) return src; // inCh is every channel, already in order
  const perSample = flow.support.length;
  if (perSample === inCh.length * plane) return src; // channel-aligned support, same order
  throw new Error('internal: conv input support is not channel-aligned');
}

/** x' = x_base (+ the flow's change when given) on channels `cs`, compact. */
function gatherChannels(
  xb: Float64Array, flow: Flow | null, cs: Int32Array, c: number, plane: number, n: number,
): Float64Array {
  const out = new Float64Array(n * cs.length * plane);
  const S = flow?.support;
  const pos = flow ? positions(S ?? null, c * plane) : null;
  const m = flow ? (S === null || S === undefined ? c * plane : S.length) : 0;
  for (let s = 0; s < n; s++) for (let a = 0; a < cs.length; a++) {
    for (let p = 0; p < plane; p++) {
      const f = cs[a] * plane + p;
      let v = xb[s * c * plane + f];
      if (flow) {
        const at = pos ? pos[f] : f;
        if (at >= 0) v += flow.diff[s * m + at];
      }
      out[(s * cs.length + a) * plane + p] = v;
    }
  }
  return out;
}
