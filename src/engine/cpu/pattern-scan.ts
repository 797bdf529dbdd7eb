/**
 * The scan of one direction at all its points (a line θ̂ + t·v, or a detector's orbit), exact in f64,
 * on chains of conv2d, linear, ReLU, BatchNorm (eval), max-pool and flatten: the conv nets.
 *
 * Every point of a scaled query moves tensor n by δ_n·B_n with tangent τ_n·B_n (one fixed basis B,
 * scalars per point). Conv and linear ops are bilinear in (input, weights), so at the base activation
 * pattern (each ReLU on its side at θ̂, each max-pool taking its θ̂ winner) the change and the tangent
 * of every value are Σ_k a_k·G_k and Σ_k b_k·G_k over a few fixed maps G_k per sample (a node-death
 * direction: two), with scalar coefficients per point (t, t², 2t …). The maps are pushed through the
 * network once per direction and sample — instead of once per point, twice (value and tangent) — and
 * only on the channels where they are non-zero (a channel direction fills one channel until the next
 * conv). A point then differs from Σ a_k·G_k only where a ReLU changes side or a pool changes winner:
 * there the exact value and tangent are taken (as the reference computes them) and the difference
 * goes on as a sparse correction, through the convs by scattering its few entries (dense when most
 * entries hold one). At the small steps of a log grid almost nothing changes side.
 *
 * Same maths as the sparse engine (flow.ts); sums are in another order, so F agrees to rounding. In
 * the f32 precision the convolutions (the maps and the dense corrections, most of the work) run in
 * the f32 WebAssembly SIMD kernel (src/fast/conv.ts); everything else stays f64. The conv and linear
 * weights are read as held (float32 from a checkpoint): every f64 sum reads their exact values, and
 * the f32 kernel copies them once into its own layout, so no f64 copy of a layer is kept (the f64
 * reference conv2dForward, used in the f64 mode and for maps pushed exactly, makes its own).
 */
import { headRows, opTensors, size, valueShapes, type ModelGraph, type Op } from '../../model/graph.ts';
import { sharedBasis, type FisherQuery, type Head, type ParamArray, type ParamSet, type ScaledPoint, type TensorPatch } from '../types.ts';
import { isPlainLinear } from '../../ops/linear/definition.ts';
import { conv2dForward, convOutSize, convShape, type ConvShape } from '../../ops/conv2d/reference.ts';
import { headFisherRow } from './fisher.ts';
import { matrixSupport, type MatrixSupport } from './flow.ts';
import { WasmConv } from '../../fast/conv.ts';
import type { Precision } from '../../fast/unit-scan.ts';

type Arr = Float64Array;

/** One op of the chain, with what the scan needs of it. */
type Step =
  | { kind: 'conv'; s: ConvShape; W: ParamArray; b: ParamArray | null; weight: string; bias: string | null }
  | { kind: 'linear'; inF: number; outF: number; W: ParamArray; weight: string; bias: string | null }
  | { kind: 'relu' }
  | { kind: 'bn'; scale: Arr; plane: number }
  | {
    kind: 'pool'; c: number; h: number; w: number; oh: number; ow: number; k: number; stride: number; argmax: Int32Array;
    /** outputs visited at the current point, to visit each once */
    visited: Uint8Array; visitedList: Int32Array;
  }
  | { kind: 'flatten' };

/** A fixed map of one sample with its coefficient in the change (a) and in the tangent (b) at each point of the group. */
interface MapTerm { a: Arr; b: Arr; data: Arr }

/** Per-sample scratch of one value: a correction's change d and tangent t, the entries that may be non-zero. */
interface Slot {
  d: Arr; t: Arr;
  idx: Int32Array; len: number;
  mark: Uint8Array;
  /** entries where some map of the current sample is non-zero, and their marks */
  supp: Int32Array; suppLen: number; suppMark: Uint8Array;
  /** scratch of a dense correction through the conv reading this value (made on first use) */
  dense: [Arr, Arr] | null;
}

/**
 * Which entries of a ReLU (or outputs of a pool) a point must look at: those whose side (winner) the
 * maps alone can change at that point's step. An entry e with |x_e| > M·S_e (S_e = Σ_k |G_k[e]|,
 * M = max_k |a_k|) keeps its side, since |Σ_k a_k·G_k[e]| ≤ M·S_e; a pool output keeps its winner
 * when its gap to the runner-up exceeds M times the two entries' S. Entries are bucketed by the
 * smallest step threshold M of the group that reaches them, so a point visits a prefix of `order`
 * (the log grid's small steps visit almost nothing), plus the entries its correction holds.
 */
interface Candidates {
  order: Int32Array;
  /** bucket of each entry (never = 0x7fffffff) */
  bucketOf: Int32Array;
  /** end in `order` of each bucket, cumulative */
  bucketEnd: Int32Array;
  /** each point's bucket */
  qBucket: Int32Array;
  /** S_e over the op's input entries (pools) */
  S: Float64Array;
  /** scratch of the planning: the entries reached, in entry order */
  listed: Int32Array;
}
const NEVER = 0x7fffffff;
/** relative slack on the bound, for the rounding of Σ_k a_k·G_k and of x + D */
const SLACK = 1e-9;

/** scattering costs about this many dense multiply-adds per multiply-add: of the f64 JavaScript kernel, of the f32 WebAssembly one */
const SCATTER_COST = 3;
const SCATTER_COST_F32 = 20;
/** the same for the f32 WebAssembly scatter (stride 1) against the f32 dense kernel */
const SCATTER_COST_WASM = 4;
/**
 * Maps of equal coefficients whose sum falls below this fraction of its largest term (a gauge line:
 * the maps of a unit's in- and out-weights cancel to first order) keep too few digits in f32: the
 * direction's maps are then pushed in f64 up to that op (there they are cheap: a unit's channel),
 * and on in f32 from the sum, which keeps its digits.
 */
const CANCELLATION = 1e-2;

export class PatternScan {
  private steps: Step[];
  private sizes: number[];
  private firstOpOf = new Map<string, number>();
  private slots: Slot[];
  /** per ReLU or pool step: its candidate entries at the current sample */
  private cands: (Candidates | null)[];
  private readonly n: number;
  /** queries answered, groups (directions) run, and in the f32 mode those whose maps went in f64 up to a cancelling sum: for tests and benchmarks */
  readonly stats = { queries: 0, groups: 0, exactMaps: 0 };

  /** a point's coefficients of the maps it visits, and their data (pointCoefficients) */
  private aq = new Float64Array(8);
  private bq = new Float64Array(8);
  private readonly mapData: Arr[] = [];
  /** wasmScatter's scratch: a correction's non-zero entries and their values */
  private scatterIdx = new Int32Array(0);
  private scatterVd = new Float64Array(0);
  private scatterVt = new Float64Array(0);

  /** the arrays of the current sample's maps */
  private readonly arena = new MapArena();

  /** the f32 convolution kernel (precision f32 with WebAssembly SIMD), else null: conv2dForward in f64 */
  private readonly conv: WasmConv | null;

  private constructor(
    private model: ModelGraph, private params: ParamSet, private head: Head, private cached: Arr[], steps: Step[], precision: Precision,
  ) {
    this.conv = precision === 'f32' ? WasmConv.create() : null;
    this.n = cached[0].length / size(model.inputShape);
    this.steps = steps;
    const shapes = valueShapes(model);
    this.sizes = shapes.map(size);
    model.nodes.forEach((node, i) => {
      for (const t of opTensors(node.op)) {
        // a tensor read by two ops (tied weights) is not a chain patch the rules below know
        this.firstOpOf.set(t, this.firstOpOf.has(t) ? -1 : i);
      }
    });
    this.slots = this.sizes.map((F) => ({
      d: new Float64Array(F), t: new Float64Array(F), idx: new Int32Array(F), len: 0, mark: new Uint8Array(F),
      supp: new Int32Array(F), suppLen: 0, suppMark: new Uint8Array(F), dense: null,
    }));
    this.cands = steps.map((st, i) => {
      if (st.kind !== 'relu' && st.kind !== 'pool') return null;
      const entries = st.kind === 'relu' ? this.sizes[i] : this.sizes[i + 1];
      return {
        order: new Int32Array(entries), bucketOf: new Int32Array(entries).fill(NEVER), bucketEnd: new Int32Array(0), qBucket: new Int32Array(0),
        S: new Float64Array(this.sizes[i]), listed: new Int32Array(entries),
      };
    });
  }

  /** The scan for a chain whose every op it knows (ReLU the only activation), else null. */
  /** the conv and linear weights the scan reads: the ParamSet's own arrays (float32 as held, no f64 copy) */
  weightArrays(): ParamArray[] {
    return this.steps.flatMap((st) => (st.kind === 'conv' || st.kind === 'linear' ? [st.W] : []));
  }

  static create(model: ModelGraph, params: ParamSet, head: Head, cached: Arr[], chain: boolean, precision: Precision): PatternScan | null {
    // one softmax / Gaussian per sample only (a multi-position output takes the general path)
    if (!chain || headRows(model) !== 1) return null;
    const shapes = valueShapes(model);
    const n = cached[0].length / size(model.inputShape);
    const steps: Step[] = [];
    for (const [i, node] of model.nodes.entries()) {
      const step = stepOf(node.op, shapes[i], shapes[i + 1], params, cached[i], n);
      if (!step) return null;
      steps.push(step);
    }
    if (!steps.some((s) => s.kind === 'conv')) return null;
    return new PatternScan(model, params, head, cached, steps, precision);
  }

  /** Answers the scaled queries whose tensors are conv or linear weights and biases, by direction; marks them in `done`. */
  async answer(queries: FisherQuery[], out: Float64Array, done: Uint8Array, between: () => Promise<void>): Promise<void> {
    const groups = new Map<TensorPatch, number[]>();
    const points: (ScaledPoint | null)[] = queries.map((q) => {
      const s = sharedBasis(q);
      if (s) return s;
      // θ̂ itself with a tangent (the live-reference probes): a direction of one point, step 0
      if (q.delta.size === 0) return { basis: q.tangent, delta: new Map(), tangent: new Map([...q.tangent.keys()].map((n) => [n, 1])) };
      return null;
    });
    points.forEach((p, i) => {
      if (done[i] || !p) return;
      let g = groups.get(p.basis);
      if (!g) groups.set(p.basis, (g = []));
      g.push(i);
    });
    for (const [basis, idx] of groups) {
      if (!this.covers(basis)) continue;
      const F = this.run(basis, idx.map((i) => points[i]!));
      idx.forEach((q, a) => {
        out[q] = F[a];
        done[q] = 1;
      });
      this.stats.groups++;
      this.stats.queries += idx.length;
      await between();
    }
  }

  private covers(basis: TensorPatch): boolean {
    for (const name of basis.keys()) {
      const i = this.firstOpOf.get(name);
      if (i === undefined || i < 0) return false;
      const st = this.steps[i];
      if (st.kind !== 'conv' && st.kind !== 'linear') return false;
      if (name !== st.weight && name !== st.bias) return false;
    }
    return basis.size > 0;
  }

  /** F at every point of one direction. */
  private run(basis: TensorPatch, points: ScaledPoint[]): Float64Array {
    const Q = points.length;
    const coef = (name: string, which: 'delta' | 'tangent') => Float64Array.from(points, (p) => p[which].get(name) ?? 0);
    let start = this.steps.length;
    for (const name of basis.keys()) start = Math.min(start, this.firstOpOf.get(name)!);
    // per op: its touched weight and bias, each with its basis array and per-point scalars
    const touch = this.steps.map((st) => {
      if (st.kind !== 'conv' && st.kind !== 'linear') return null;
      const part = (name: string | null) => (name !== null && basis.has(name)
        ? { B: basis.get(name)!, delta: coef(name, 'delta'), tangent: coef(name, 'tangent') } : null);
      const w = part(st.weight);
      const b = part(st.bias);
      return w || b ? { w, b } : null;
    });
    const F = new Float64Array(Q);
    const outV = this.steps.length;
    const outW = this.sizes[outV];
    const z = new Float64Array(outW);
    const dz = new Float64Array(outW);
    const p = new Float64Array(outW);
    const zBase = this.cached[outV];
    // ops up to this one push their maps in f64 (the f64 mode: all), moved on when f32 maps cancel
    let exactTo = this.conv ? -1 : this.steps.length;
    let counted = false;
    for (let s = 0; s < this.n; s++) {
      let maps = this.pushMaps(s, start, touch, Q, exactTo);
      while (typeof maps === 'number') {
        exactTo = maps;
        if (!counted) this.stats.exactMaps++;
        counted = true;
        maps = this.pushMaps(s, start, touch, Q, exactTo);
      }
      for (let q = 0; q < Q; q++) {
        for (let i = start; i < this.steps.length; i++) this.correct(i, s, q, maps, touch[i]);
        const end = this.slots[outV];
        const G = maps[outV];
        for (let c = 0; c < outW; c++) {
          let d = end.d[c], t = end.t[c];
          for (const m of G) { d += m.a[q] * m.data[c]; t += m.b[q] * m.data[c]; }
          z[c] = zBase[s * outW + c] + d;
          dz[c] = t;
        }
        F[q] += headFisherRow(this.head, z, 0, dz, 0, outW, p);
        for (let v = start; v <= outV; v++) clear(this.slots[v]);
      }
      this.forgetSupport(start);
    }
    this.conv?.releaseBases();
    for (let q = 0; q < Q; q++) F[q] /= this.n;
    return F;
  }

  /**
   * The maps of sample s at every value from `start` on (maps[v]); fills each value's support. In
   * f32 (ops after `exactTo`), the index of the op where maps of equal coefficients cancel
   * (CANCELLATION) instead, before any support is filled.
   */
  private pushMaps(s: number, start: number, touch: (Touch | null)[], Q: number, exactTo: number): MapTerm[][] | number {
    // the previous call's maps are done with (its sample's points, or a rerun in f64)
    this.arena.reset();
    const maps: MapTerm[][] = [];
    maps[start] = [];
    for (let i = start; i < this.steps.length; i++) {
      const st = this.steps[i];
      const inMaps = maps[i];
      const F = this.sizes[i + 1];
      let next: MapTerm[];
      switch (st.kind) {
        case 'conv':
        case 'linear': {
          const t = touch[i];
          const exact = i <= exactTo;
          next = inMaps.length ? this.applyOp(st, st.W, inMaps.map((m) => m.data), false, exact, this.arena).map((data, k) => ({ a: inMaps[k].a, b: inMaps[k].b, data })) : [];
          if (t?.w) {
            const { B, delta, tangent } = t.w;
            const xs = this.cached[i].subarray(s * this.sizes[i], (s + 1) * this.sizes[i]);
            const through = this.applyOp(st, B, [xs, ...inMaps.map((m) => m.data)], true, exact, this.arena);
            next.push({ a: delta, b: tangent, data: through[0] });
            inMaps.forEach((m, k) => next.push({
              a: m.a.map((x, q) => x * delta[q]), b: m.b.map((x, q) => x * delta[q] + m.a[q] * tangent[q]), data: through[k + 1],
            }));
          }
          if (t?.b) {
            const { B, delta, tangent } = t.b;
            const data = this.arena.take(F, false);
            const plane = st.kind === 'conv' ? F / st.s.o : 1;
            for (let c = 0; c < F / plane; c++) data.fill(B[c], c * plane, (c + 1) * plane);
            next.push({ a: delta, b: tangent, data });
          }
          const m = merged(next, Q, this.arena);
          if (!exact && m.cancels) {
            this.forgetSupport(start);
            return i;
          }
          next = m.maps;
          break;
        }
        case 'relu': {
          const x = this.cached[i].subarray(s * F, (s + 1) * F);
          const c = this.cands[i]!;
          next = inMaps.map((m) => ({ a: m.a, b: m.b, data: reluMaskedNoting(m.data, x, this.arena.take(F, false), this.slots[i], c.S) }));
          break;
        }
        case 'bn': {
          next = inMaps.map((m) => ({ a: m.a, b: m.b, data: channelScaled(m.data, st.scale, st.plane, this.arena.take(F, false)) }));
          break;
        }
        case 'pool': {
          const am = st.argmax.subarray(s * F, (s + 1) * F);
          next = inMaps.map((m) => ({ a: m.a, b: m.b, data: gathered(m.data, am, this.arena.take(F, false)) }));
          break;
        }
        case 'flatten':
          next = inMaps;
          break;
      }
      maps[i + 1] = next;
    }
    // the support of the values a pool reads and S_e there (a ReLU's were noted as its maps went through)
    for (let v = start; v < this.steps.length; v++) {
      if (this.steps[v].kind !== 'pool') continue;
      for (const m of maps[v]) noteSupport(m.data, this.slots[v], this.cands[v]!.S);
    }
    for (let i = start; i < this.steps.length; i++) if (this.cands[i]) this.planCandidates(i, s, maps[i], Q);
    return maps;
  }

  /** Clears what pushMaps noted for the ops from `start` on (supports, S_e, ReLU buckets). */
  private forgetSupport(start: number): void {
    for (let i = start; i < this.steps.length; i++) {
      const c = this.cands[i];
      if (!c) continue;
      const { supp, suppMark, suppLen } = this.slots[i];
      const S = c.S;
      if (this.steps[i].kind === 'relu') {
        const bucketOf = c.bucketOf;
        for (let k = 0; k < suppLen; k++) { const e = supp[k]; S[e] = 0; bucketOf[e] = NEVER; suppMark[e] = 0; }
      } else {
        for (let k = 0; k < suppLen; k++) { const e = supp[k]; S[e] = 0; suppMark[e] = 0; }
      }
      this.slots[i].suppLen = 0;
    }
    // supports are noted at ReLUs and pools only (the steps with candidates): the others are empty
    for (let v = start; v < this.slots.length; v++) clearSupport(this.slots[v]);
  }

  /** Buckets the entries (ReLU) or outputs (pool) of step i at sample s by the smallest point threshold that may change them. */
  private planCandidates(i: number, s: number, maps: MapTerm[], Q: number): void {
    const st = this.steps[i];
    const c = this.cands[i]!;
    const sl = this.slots[i];
    const M = new Float64Array(Q);
    for (const m of maps) for (let q = 0; q < Q; q++) M[q] = Math.max(M[q], Math.abs(m.a[q]));
    const thr = Float64Array.from(new Set(M)).sort();
    const J = thr.length;
    c.qBucket = Int32Array.from(M, (x) => thr.indexOf(x));
    const thrSlack = thr.map((t) => t * (1 + SLACK));
    const bucket = (rho: number): number => {
      if (!(rho <= thrSlack[J - 1])) return NEVER;
      let lo = 0, hi = J - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rho <= thrSlack[mid]) hi = mid; else lo = mid + 1;
      }
      return lo;
    };
    const S = c.S;
    const x = this.cached[i];
    const off = s * this.sizes[i];
    const counts = new Int32Array(J + 1);
    const listed = c.listed;
    let nListed = 0;
    if (st.kind === 'relu') {
      for (let k = 0; k < sl.suppLen; k++) {
        const e = sl.supp[k];
        const b = bucket(Math.abs(x[off + e]) / S[e]);
        c.bucketOf[e] = b;
        if (b !== NEVER) { counts[b]++; listed[nListed++] = e; }
      }
    } else if (st.kind === 'pool') {
      const { h, w, oh, ow, k: kp, stride } = st;
      const plane = h * w, oplane = oh * ow;
      const am = st.argmax;
      const outs = this.sizes[i + 1];
      for (let o = 0; o < outs; o++) {
        const ch = Math.floor(o / oplane);
        const r = o - ch * oplane;
        const oy = Math.floor(r / ow), ox = r - oy * ow;
        const a0 = am[s * outs + o];
        const xa = x[off + a0];
        let gap = Infinity, sMax = 0, xMax = 0;
        for (let ky = 0; ky < kp; ky++) for (let kx = 0; kx < kp; kx++) {
          const e = ch * plane + (oy * stride + ky) * w + (ox * stride + kx);
          if (e === a0) continue;
          gap = Math.min(gap, xa - x[off + e]);
          if (sl.suppMark[e]) sMax = Math.max(sMax, S[e]);
          xMax = Math.max(xMax, Math.abs(x[off + e]));
        }
        const den = (sl.suppMark[a0] ? S[a0] : 0) + sMax;
        let b = NEVER;
        if (den > 0) b = bucket((gap - 1e-12 * (Math.abs(xa) + xMax)) / den);
        c.bucketOf[o] = b;
        if (b !== NEVER) { counts[b]++; listed[nListed++] = o; }
      }
    }
    c.bucketEnd = new Int32Array(J + 1);
    let acc = 0;
    for (let j = 0; j <= J; j++) { c.bucketEnd[j] = acc; acc += counts[j]; }
    // counting sort: bucketEnd[j] runs from the bucket's start to its end
    for (let k = 0; k < nListed; k++) c.order[c.bucketEnd[c.bucketOf[listed[k]]]++] = listed[k];
  }

  /**
   * Op i (conv or linear, no bias) with weights W applied to each of `xs` (one sample each), on their
   * non-zero channels; `sparseW`: also only on W's non-zero rows and input channels (a patch basis).
   */
  private applyOp(st: Step & { kind: 'conv' | 'linear' }, W: ParamArray, xs: Arr[], sparseW: boolean, exact: boolean, arena: MapArena): Arr[] {
    if (st.kind === 'linear') {
      return xs.map((x) => {
        const y = arena.take(st.outF, true);
        for (let i = 0; i < st.inF; i++) {
          const v = x[i];
          if (v === 0) continue;
          for (let o = 0; o < st.outF; o++) y[o] += W[o * st.inF + i] * v;
        }
        return y;
      });
    }
    const { s } = st;
    const plane = s.h * s.w;
    const [oh, ow] = convOutSize(s);
    const ws = sparseW ? matrixSupport(W, s.o, s.c * s.kh * s.kw) : null;
    const allowed = ws ? allowedChannels(ws, s) : null;
    const hit = new Uint8Array(s.c);
    for (const x of xs) for (let c = 0; c < s.c; c++) {
      if (hit[c] || (allowed && !allowed[c])) continue;
      for (let e = c * plane; e < (c + 1) * plane; e++) if (x[e] !== 0) { hit[c] = 1; break; }
    }
    const ys = xs.map(() => arena.take(s.o * oh * ow, true));
    this.convInto(st, W, xs, indicesOf(hit), ws ? ws.rows : null, exact, ys);
    return ys;
  }

  /**
   * ys[k] += conv_W(xs[k]) on input channels `cs` and output channels `os` (all when null), xs and ys
   * full-layout samples: in f32 in the WebAssembly kernel unless `exact` (or the f64 mode).
   */
  private convInto(st: Step & { kind: 'conv' }, W: ParamArray, xs: Arr[], cs: Int32Array, os: Int32Array | null, exact: boolean, ys: Arr[]): void {
    if (cs.length === 0 || (os && os.length === 0)) return;
    if (this.conv && !exact) {
      this.conv.forward(xs, W, st.s, cs, os, W === st.W, ys);
      return;
    }
    const { s } = st;
    const plane = s.h * s.w;
    const [oh, ow] = convOutSize(s);
    const oplane = oh * ow;
    const compact = new Float64Array(xs.length * cs.length * plane);
    xs.forEach((x, k) => cs.forEach((c, a) => compact.set(x.subarray(c * plane, (c + 1) * plane), (k * cs.length + a) * plane)));
    const y = conv2dForward(compact, W, null, { ...s, n: xs.length }, cs, os);
    const no = os ? os.length : s.o;
    ys.forEach((full, k) => {
      for (let a = 0; a < no; a++) {
        const from = (k * no + a) * oplane, to = (os ? os[a] : a) * oplane;
        for (let p = 0; p < oplane; p++) full[to + p] += y[from + p];
      }
    });
  }

  /** point q's coefficients of `maps` in aq (change) and bq (tangent), their data in mapData; returns how many */
  private pointCoefficients(maps: MapTerm[], q: number): number {
    const nm = maps.length;
    if (this.aq.length < nm) {
      this.aq = new Float64Array(nm);
      this.bq = new Float64Array(nm);
    }
    for (let m = 0; m < nm; m++) {
      this.aq[m] = maps[m].a[q];
      this.bq[m] = maps[m].b[q];
      this.mapData[m] = maps[m].data;
    }
    this.mapData.length = nm;
    return nm;
  }

  /**
   * The correction of point q of sample s through op i: from slot i into slot i + 1. The ReLU and
   * pool visits are separate functions with no closures: a closure over this function's locals would
   * put them in a heap context, and every entry visited would load them from there.
   */
  private correct(i: number, s: number, q: number, maps: MapTerm[][], t: Touch | null): void {
    const st = this.steps[i];
    const src = this.slots[i];
    const dst = this.slots[i + 1];
    switch (st.kind) {
      case 'conv':
      case 'linear': {
        if (src.len === 0) return;
        this.scatterOp(st, st.W, src, dst, 1, 1, 0);
        if (t?.w) this.scatterOp(st, t.w.B, src, dst, t.w.delta[q], t.w.delta[q], t.w.tangent[q]);
        return;
      }
      case 'relu': {
        const nm = this.pointCoefficients(maps[i], q);
        const c = this.cands[i]!;
        reluVisits(this.cached[i], s * this.sizes[i], c, c.qBucket[q], src, dst, nm, this.aq, this.bq, this.mapData);
        return;
      }
      case 'bn': {
        for (let k = 0; k < src.len; k++) {
          const e = src.idx[k];
          const sc = st.scale[Math.floor(e / st.plane)];
          push(dst, e, src.d[e] * sc, src.t[e] * sc);
        }
        return;
      }
      case 'pool': {
        const nm = this.pointCoefficients(maps[i], q);
        poolVisits(st, this.cached[i], s * this.sizes[i], this.cached[i + 1], s * this.sizes[i + 1], this.cands[i]!, q, src, dst, nm, this.aq, this.bq, this.mapData);
        return;
      }
      case 'flatten': {
        for (let k = 0; k < src.len; k++) {
          const e = src.idx[k];
          push(dst, e, src.d[e], src.t[e]);
        }
        return;
      }
    }
  }

  /**
   * dst.d += cd·op_W(src.d); dst.t += ct·op_W(src.t) + cx·op_W(src.d): scattering the correction's
   * entries, or the dense op on its channels when they are many.
   */
  private scatterOp(st: Step & { kind: 'conv' | 'linear' }, W: ParamArray, src: Slot, dst: Slot, cd: number, ct: number, cx: number): void {
    if (cd === 0 && ct === 0 && cx === 0) return;
    if (st.kind === 'linear') {
      const { inF, outF } = st;
      for (let k = 0; k < src.len; k++) {
        const e = src.idx[k];
        const vd = cd * src.d[e], vt = ct * src.t[e] + cx * src.d[e];
        if (vd === 0 && vt === 0) continue;
        for (let o = 0; o < outF; o++) {
          const wv = W[o * inF + e];
          dst.d[o] += wv * vd;
          dst.t[o] += wv * vt;
        }
      }
      for (let o = 0; o < outF; o++) mark(dst, o);
      return;
    }
    const { s } = st;
    const { c: C, h, w, o: O, kh, kw, sh, sw, ph, pw } = s;
    const [oh, ow] = convOutSize(s);
    const plane = h * w, oplane = oh * ow, kk = kh * kw, wo = C * kk;
    // the dense op runs on the correction's channels only: compare with their entries
    const stride1 = sh === 1 && sw === 1;
    const cost = !this.conv ? SCATTER_COST : stride1 ? SCATTER_COST_WASM : SCATTER_COST_F32;
    if (src.len * cost > (channelCount(src, plane, C) * plane) / 2) {
      this.denseConv(st, W, src, dst, cd, ct, cx);
      return;
    }
    if (this.conv && stride1) {
      this.wasmScatter(st, W, src, dst, cd, ct, cx);
      return;
    }
    for (let k = 0; k < src.len; k++) {
      const e = src.idx[k];
      const vd = cd * src.d[e], vt = ct * src.t[e] + cx * src.d[e];
      if (vd === 0 && vt === 0) continue;
      const ch = Math.floor(e / plane);
      const r = e - ch * plane;
      const y = Math.floor(r / w), x = r - y * w;
      for (let i = 0; i < kh; i++) {
        const oyN = y + ph - i;
        if (oyN < 0 || oyN % sh !== 0) continue;
        const oy = oyN / sh;
        if (oy >= oh) continue;
        for (let j = 0; j < kw; j++) {
          const oxN = x + pw - j;
          if (oxN < 0 || oxN % sw !== 0) continue;
          const ox = oxN / sw;
          if (ox >= ow) continue;
          const pos = oy * ow + ox;
          const wb = (ch * kh + i) * kw + j;
          for (let o = 0; o < O; o++) {
            const wv = W[o * wo + wb];
            dst.d[o * oplane + pos] += wv * vd;
            dst.t[o * oplane + pos] += wv * vt;
          }
          if (!dst.mark[pos]) for (let o = 0; o < O; o++) mark(dst, o * oplane + pos);
        }
      }
    }
  }

  /** scatterOp in the f32 kernel (stride 1): the correction's non-zero entries, their outputs marked */
  private wasmScatter(st: Step & { kind: 'conv' }, W: ParamArray, src: Slot, dst: Slot, cd: number, ct: number, cx: number): void {
    if (this.scatterVd.length < src.len) {
      this.scatterIdx = new Int32Array(src.d.length);
      this.scatterVd = new Float64Array(src.d.length);
      this.scatterVt = new Float64Array(src.d.length);
    }
    const { scatterIdx: idx, scatterVd: vd, scatterVt: vt } = this;
    let n = 0;
    for (let k = 0; k < src.len; k++) {
      const e = src.idx[k];
      const d = cd * src.d[e], t = ct * src.t[e] + cx * src.d[e];
      if (d === 0 && t === 0) continue;
      idx[n] = e;
      vd[n] = d;
      vt[n++] = t;
    }
    const { s } = st;
    const os = W === st.W ? null : matrixSupport(W, s.o, s.c * s.kh * s.kw).rows;
    const reached = this.conv!.scatter(idx, vd, vt, n, W, s, os, W === st.W, dst.d, dst.t);
    const positions = this.conv!.reachedPositions();
    const [oh, ow] = convOutSize(s);
    const oplane = oh * ow;
    const no = os ? os.length : s.o;
    for (let a = 0; a < reached; a++) {
      const p = positions[a];
      for (let oi = 0; oi < no; oi++) mark(dst, (os ? os[oi] : oi) * oplane + p);
    }
  }

  private denseConv(st: Step & { kind: 'conv' }, W: ParamArray, src: Slot, dst: Slot, cd: number, ct: number, cx: number): void {
    const { s } = st;
    const plane = s.h * s.w;
    const [oh, ow] = convOutSize(s);
    const oplane = oh * ow;
    // the slot's scratch pair, zero outside the correction's entries (cleared again below)
    if (!src.dense) src.dense = [new Float64Array(s.c * plane), new Float64Array(s.c * plane)];
    const [vd, vt] = src.dense;
    const hit = new Uint8Array(s.c);
    for (let k = 0; k < src.len; k++) {
      const e = src.idx[k];
      vd[e] = cd * src.d[e];
      vt[e] = ct * src.t[e] + cx * src.d[e];
      hit[(e / plane) | 0] = 1;
    }
    // a basis (not the layer's weights): its non-zero rows and input channels only
    const ws = W === st.W ? null : matrixSupport(W, s.o, s.c * s.kh * s.kw);
    if (ws) {
      const allowed = allowedChannels(ws, s);
      for (let c = 0; c < s.c; c++) hit[c] &= allowed[c];
    }
    const os = ws ? ws.rows : null;
    this.convInto(st, W, [vd, vt], indicesOf(hit), os, false, [dst.d, dst.t]);
    for (let k = 0; k < src.len; k++) {
      vd[src.idx[k]] = 0;
      vt[src.idx[k]] = 0;
    }
    const no = os ? os.length : s.o;
    for (let a = 0; a < no; a++) {
      const o = os ? os[a] : a;
      for (let e = o * oplane; e < (o + 1) * oplane; e++) mark(dst, e);
    }
  }
}

/**
 * A ReLU's correction at one point: the candidates of the point's bucket `jq`, then the correction's
 * entries not among them. x: the ReLU's inputs at θ̂ (the sample's from `off`); the point's map
 * coefficients aq, bq and the maps' data (nm of them).
 */
function reluVisits(x: Arr, off: number, c: Candidates, jq: number, src: Slot, dst: Slot, nm: number, aq: Arr, bq: Arr, mapData: Arr[]): void {
  const end = c.bucketEnd[jq];
  const S = c.S;
  let M = 0;
  for (let m = 0; m < nm; m++) M = Math.max(M, Math.abs(aq[m]));
  for (let k = 0, all = end + src.len; k < all; k++) {
    let e: number;
    if (k < end) e = c.order[k];
    else {
      e = src.idx[k - end];
      if (c.bucketOf[e] <= jq) continue;
      // |Σ a_m·G_m[e]| ≤ M·S_e: where that and the correction cannot reach x's other side (slack for
      // the rounding of both sums, far below 1e-9), the entry keeps its side whatever the maps add
      const xb = x[off + e], cd = src.d[e];
      if ((M * S[e] * (1 + 1e-9) + Math.abs(cd)) * (1 + 1e-9) < Math.abs(xb)) {
        if (xb > 0) {
          const ct = src.t[e];
          if (cd !== 0 || ct !== 0) push(dst, e, cd, ct);
        }
        continue;
      }
    }
    let lin = 0, tl = 0;
    for (let m = 0; m < nm; m++) { const g = mapData[m][e]; lin += aq[m] * g; tl += bq[m] * g; }
    const cd = src.d[e], ct = src.t[e];
    const xb = x[off + e];
    const zv = xb + (lin + cd);
    const on0 = xb > 0, on1 = zv > 0;
    if (on0 && on1) {
      if (cd !== 0 || ct !== 0) push(dst, e, cd, ct);
    } else if (on0 || on1) {
      // a ReLU that changes side: the exact change and tangent, as the reference takes them
      const diff = (on1 ? zv : 0) - (on0 ? xb : 0);
      push(dst, e, diff - (on0 ? lin : 0), (on1 ? tl + ct : 0) - (on0 ? tl : 0));
    }
  }
}

type PoolStep = Step & { kind: 'pool' };

/**
 * A max-pool's correction at point q: the candidate outputs of the point's bucket, then every output
 * reading an entry of the correction, each visited once. x: the pool's inputs at θ̂ (from `off`), y
 * its outputs (from `yoff`).
 */
function poolVisits(st: PoolStep, x: Arr, off: number, y: Arr, yoff: number, cd: Candidates, q: number, src: Slot, dst: Slot,
  nm: number, aq: Arr, bq: Arr, mapData: Arr[]): void {
  const { h, w, oh, ow, k, stride, visited, visitedList } = st;
  const plane = h * w;
  let nVisited = 0;
  const end = cd.bucketEnd[cd.qBucket[q]];
  for (let kk = 0; kk < end; kk++) nVisited = poolVisitOut(st, cd.order[kk], x, off, y, yoff, src, dst, nm, aq, bq, mapData, nVisited);
  for (let kk = 0; kk < src.len; kk++) {
    const e = src.idx[kk];
    const ch = Math.floor(e / plane);
    const r = e - ch * plane;
    const yy = Math.floor(r / w), xx = r - yy * w;
    const y0 = Math.max(0, Math.ceil((yy - k + 1) / stride)), y1 = Math.min(oh - 1, Math.floor(yy / stride));
    const x0 = Math.max(0, Math.ceil((xx - k + 1) / stride)), x1 = Math.min(ow - 1, Math.floor(xx / stride));
    for (let oy = y0; oy <= y1; oy++) for (let ox = x0; ox <= x1; ox++) {
      const o = ch * oh * ow + oy * ow + ox;
      if (!visited[o]) nVisited = poolVisitOut(st, o, x, off, y, yoff, src, dst, nm, aq, bq, mapData, nVisited);
    }
  }
  for (let kk = 0; kk < nVisited; kk++) visited[visitedList[kk]] = 0;
}

/** Pool output o at the point: its winner, and the correction it passes on (poolVisits); returns the outputs visited. */
function poolVisitOut(st: PoolStep, o: number, x: Arr, off: number, y: Arr, yoff: number, src: Slot, dst: Slot,
  nm: number, aq: Arr, bq: Arr, mapData: Arr[], nVisited: number): number {
  const { h, w, oh, ow, k, stride, visited, visitedList, argmax } = st;
  const plane = h * w, oplane = oh * ow;
  visited[o] = 1;
  visitedList[nVisited++] = o;
  const ch = Math.floor(o / oplane);
  const r = o - ch * oplane;
  const oy = Math.floor(r / ow), ox = r - oy * ow;
  let best = -Infinity, win = -1;
  for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
    const e = ch * plane + (oy * stride + ky) * w + (ox * stride + kx);
    let lin = 0;
    for (let m = 0; m < nm; m++) lin += aq[m] * mapData[m][e];
    const v = x[off + e] + (lin + src.d[e]);
    if (v > best || win < 0) { best = v; win = e; }
  }
  const a0 = argmax[yoff + o];
  if (win === a0) {
    push(dst, o, src.d[a0], src.t[a0]);
    return nVisited;
  }
  // a pool that changes winner: the exact change and tangent
  let lin = 0, tl0 = 0, tlw = 0;
  for (let m = 0; m < nm; m++) { lin += aq[m] * mapData[m][a0]; tl0 += bq[m] * mapData[m][a0]; tlw += bq[m] * mapData[m][win]; }
  push(dst, o, best - y[yoff + o] - lin, tlw + src.t[win] - tl0);
  return nVisited;
}

/** per input channel of a conv: 1 where the basis `ws` (a support of [o][c·kh·kw]) has a non-zero column */
function allowedChannels(ws: MatrixSupport, s: ConvShape): Uint8Array {
  const kk = s.kh * s.kw;
  const allowed = new Uint8Array(s.c);
  for (const col of ws.cols) allowed[(col / kk) | 0] = 1;
  return allowed;
}

/** the indices of the non-zero entries of `hit`, ascending */
function indicesOf(hit: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < hit.length; i++) n += hit[i] ? 1 : 0;
  const out = new Int32Array(n);
  n = 0;
  for (let i = 0; i < hit.length; i++) if (hit[i]) out[n++] = i;
  return out;
}

/**
 * The arrays of one sample's maps, reused from sample to sample (a direction's maps are fresh arrays
 * of the same few sizes at every sample: allocating them was a tenth of the read in the collector).
 */
class MapArena {
  private readonly free = new Map<number, Arr[]>();
  private used: Arr[] = [];

  /** an array of n entries, zero when `zero` (else its old contents: the caller writes every entry) */
  take(n: number, zero: boolean): Arr {
    const a = this.free.get(n)?.pop() ?? new Float64Array(n);
    if (zero) a.fill(0);
    this.used.push(a);
    return a;
  }

  /** every array taken since the last reset is free again */
  reset(): void {
    for (const a of this.used) {
      let list = this.free.get(a.length);
      if (!list) this.free.set(a.length, (list = []));
      list.push(a);
    }
    this.used = [];
  }
}

type Touch = { w: TouchPart | null; b: TouchPart | null };
interface TouchPart { B: Arr; delta: Arr; tangent: Arr }

/** channelCount's marks, one per channel, all zero between calls */
const channelSeen: { mark: Uint8Array } = { mark: new Uint8Array(64) };

/** how many channels (of `plane` entries, C of them) the slot's correction touches */
function channelCount(sl: Slot, plane: number, C: number): number {
  if (channelSeen.mark.length < C) channelSeen.mark = new Uint8Array(C);
  const seen = channelSeen.mark;
  let n = 0;
  for (let k = 0; k < sl.len; k++) {
    const ch = (sl.idx[k] / plane) | 0;
    if (!seen[ch]) { seen[ch] = 1; n++; }
  }
  for (let k = 0; k < sl.len; k++) seen[(sl.idx[k] / plane) | 0] = 0;
  return n;
}

function push(sl: Slot, e: number, d: number, t: number): void {
  if (d === 0 && t === 0) return;
  sl.d[e] += d;
  sl.t[e] += t;
  mark(sl, e);
}

function mark(sl: Slot, e: number): void {
  if (sl.mark[e]) return;
  sl.mark[e] = 1;
  sl.idx[sl.len++] = e;
}

function clear(sl: Slot): void {
  // a dense correction: wiping whole arrays beats visiting its entries
  if (sl.len > sl.d.length >> 3) {
    sl.d.fill(0);
    sl.t.fill(0);
    sl.mark.fill(0);
    sl.len = 0;
    return;
  }
  for (let k = 0; k < sl.len; k++) {
    const e = sl.idx[k];
    sl.d[e] = 0;
    sl.t[e] = 0;
    sl.mark[e] = 0;
  }
  sl.len = 0;
}

function clearSupport(sl: Slot): void {
  for (let k = 0; k < sl.suppLen; k++) sl.suppMark[sl.supp[k]] = 0;
  sl.suppLen = 0;
}

/**
 * Maps with the same coefficients at every point are one map; maps with no coefficient are dropped.
 * `cancels`: some sum fell below CANCELLATION of its largest term.
 */
function merged(maps: MapTerm[], Q: number, arena: MapArena): { maps: MapTerm[]; cancels: boolean } {
  const out: MapTerm[] = [];
  /** per output map: its first term, and the largest |entry| of its terms and of their sum once a second is summed in */
  const first: Arr[] = [];
  const termMax: number[] = [];
  const sumMax: number[] = [];
  for (const m of maps) {
    let zero = true;
    for (let q = 0; q < Q && zero; q++) if (m.a[q] !== 0 || m.b[q] !== 0) zero = false;
    if (zero) continue;
    const k = out.findIndex((o) => {
      for (let q = 0; q < Q; q++) if (o.a[q] !== m.a[q] || o.b[q] !== m.b[q]) return false;
      return true;
    });
    if (k >= 0) {
      const same = out[k];
      // the sum goes into a fresh array at its second term (the first may be another value's map)
      const from = same.data;
      if (from === first[k]) same.data = arena.take(from.length, false);
      const sum = same.data, add = m.data;
      let mx = termMax[k], sm = 0;
      if (from !== sum) {
        // the second term: the first term's largest |entry| too
        for (let e = 0; e < sum.length; e++) {
          const f = from[e], g = add[e];
          const v = f + g;
          sum[e] = v;
          mx = Math.max(mx, Math.abs(f), Math.abs(g));
          sm = Math.max(sm, Math.abs(v));
        }
      } else {
        for (let e = 0; e < sum.length; e++) {
          const g = add[e];
          const v = sum[e] + g;
          sum[e] = v;
          mx = Math.max(mx, Math.abs(g));
          sm = Math.max(sm, Math.abs(v));
        }
      }
      termMax[k] = mx;
      sumMax[k] = sm;
    } else {
      out.push({ a: m.a, b: m.b, data: m.data });
      first.push(m.data);
      termMax.push(0);
      sumMax.push(0);
    }
  }
  const cancels = out.some((m, k) => m.data !== first[k] && sumMax[k] < CANCELLATION * termMax[k]);
  return { maps: out, cancels };
}

/** The non-zero entries of a map g (of the value slot `sl` holds) into sl's support, |g| added to S there. */
function noteSupport(g: Arr, sl: Slot, S: Float64Array): void {
  for (let e = 0; e < g.length; e++) {
    const v = g[e];
    if (v === 0) continue;
    if (!sl.suppMark[e]) { sl.suppMark[e] = 1; sl.supp[sl.suppLen++] = e; }
    S[e] += Math.abs(v);
  }
}

/** y = g where the ReLU's input x is positive, else 0; g noted as noteSupport does (in the same pass) */
function reluMaskedNoting(g: Arr, x: Arr, y: Arr, sl: Slot, S: Float64Array): Arr {
  for (let e = 0; e < g.length; e++) {
    const v = g[e];
    y[e] = x[e] > 0 ? v : 0;
    if (v === 0) continue;
    if (!sl.suppMark[e]) { sl.suppMark[e] = 1; sl.supp[sl.suppLen++] = e; }
    S[e] += Math.abs(v);
  }
  return y;
}

/** y = g times its channel's scale (channels of `plane` entries) */
function channelScaled(g: Arr, scale: Arr, plane: number, y: Arr): Arr {
  for (let c = 0; c < scale.length; c++) {
    const sc = scale[c];
    for (let e = c * plane; e < (c + 1) * plane; e++) y[e] = g[e] * sc;
  }
  return y;
}

/** y[o] = g[at[o]] */
function gathered(g: Arr, at: Int32Array, y: Arr): Arr {
  for (let o = 0; o < at.length; o++) y[o] = g[at[o]];
  return y;
}


/*
 * Why this switch stays here and not in the op folders: a Step is the pattern scan's own
 * vocabulary (six kinds), and the arithmetic of each kind (applyOp, convInto, the scatters, the
 * pool and ReLU candidates) is this file's. An op joins the scan by a new Step kind written here,
 * not by a part of its folder, so the mapping from op to step belongs with the steps; every other
 * op answers null and the general sparse engine (each op's flow.ts) reads its graph. The switch is
 * exhaustive, so a new op kind must be answered here (null unless the scan learns it).
 */
function stepOf(op: Op, inShape: number[], outShape: number[], params: ParamSet, x: Arr, n: number): Step | null {
  switch (op.kind) {
    case 'conv2d':
      return { kind: 'conv', s: convShape(op, inShape, 1), W: params.get(op.weight)!.data, b: op.bias ? params.get(op.bias)!.data : null, weight: op.weight, bias: op.bias };
    case 'linear':
      if (!isPlainLinear(op)) return null;
      return { kind: 'linear', inF: op.inFeatures, outF: op.outFeatures, W: params.get(op.weight)!.data, weight: op.weight, bias: op.bias };
    case 'activation':
      return op.fn === 'relu' ? { kind: 'relu' } : null;
    case 'batchnorm': {
      if (inShape.length !== 3) return null;
      const c = inShape[0];
      const g = op.weight ? params.get(op.weight)!.data : null;
      const v = params.get(op.runningVar)!.data;
      return { kind: 'bn', plane: inShape[1] * inShape[2], scale: Float64Array.from({ length: c }, (_, ch) => (g ? g[ch] : 1) / Math.sqrt(v[ch] + op.eps)) };
    }
    case 'maxpool': {
      const [c, h, w] = inShape;
      const [, oh, ow] = outShape;
      const plane = h * w, oplane = oh * ow;
      // the winner at θ̂ of each output (first maximum, as maxpoolForward takes it), per sample
      const argmax = new Int32Array(n * c * oplane);
      for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity, at = -1;
        for (let ky = 0; ky < op.kernel; ky++) for (let kx = 0; kx < op.kernel; kx++) {
          const e = ch * plane + (oy * op.stride + ky) * w + (ox * op.stride + kx);
          const v = x[s * c * plane + e];
          if (v > best || at < 0) { best = v; at = e; }
        }
        argmax[s * c * oplane + ch * oplane + oy * ow + ox] = at;
      }
      return {
        kind: 'pool', c, h, w, oh, ow, k: op.kernel, stride: op.stride, argmax,
        visited: new Uint8Array(c * oplane), visitedList: new Int32Array(c * oplane),
      };
    }
    case 'flatten':
      return { kind: 'flatten' };
    // ops the scan has no rule for: the sparse engine reads these graphs
    case 'layernorm': case 'add': case 'rmsnorm': case 'mul': case 'slice': case 'patchify': case 'cls': case 'scale':
    case 'embedding': case 'positional': case 'attention': case 'take': case 'mean': case 'concat': case 'patches':
      return null;
  }
}
