/**
 * The fast CPU scan of unit directions: every query of one direction (all scan points, or all
 * orbit points) whose patch touches a few rows R of a linear producer (and its bias) and only those
 * units' columns C ⊆ R of the linear consumer after element-wise activations — node death, ReLU
 * rescaling. It is exact (the same maths as the sparse engine), and fast by three facts:
 *
 *  1. The producer's change is the rows' input dot α·[x, 1] times a scale per scan point; the dot
 *     is taken once per sample, from the cached pre-activation when the patch row is a multiple of
 *     the weight row (node death), else from the cached input.
 *  2. Rows: a (sample, scan point) pair where every touched unit has zero change and zero tangent
 *     after the activations (a ReLU unit inactive there) has Jv = 0 and adds nothing to F; it is
 *     skipped. Only active rows go downstream.
 *  3. At the consumer output the change of a row is Σ_k c_k·g_k over K = |R| + |C| fixed vectors
 *     g_k (the consumer's columns of the touched units and its patch columns). Through a
 *     piecewise-linear tail (linear, ReLU, identity, flatten) it stays Σ_k c_k·(J_s g_k) as long as
 *     no ReLU of the tail changes side for that row, J_s being the tail's Jacobian at sample s's
 *     cached activations. So the K vectors are pushed through the tail once per active sample
 *     (GEMMs), shared by all its scan points; a row that crosses a kink is pushed through the tail
 *     itself (value and tangent, GEMMs). Other tails push every active row.
 *
 * F = (1/N) Σ over active rows of the head's per-sample Fisher (METHOD §1), accumulated in f64.
 * `precision` sets where the stacked matrices live and how they are multiplied (src/fast/wasm.ts):
 * f32 in WebAssembly memory with the SIMD row kernel, f64 in JavaScript (the reference mode).
 */
import { headFisherRow as fisherRow } from '../engine/cpu/fisher.ts';
import { opTensors, type Activation, type ModelGraph, type Op } from '../model/graph.ts';
import { nonZerosOf, sharedBasis, type FisherQuery, type ScaledPoint, type Head, type ParamArray, type ParamSet, type TensorPatch } from '../engine/types.ts';
import { activate, activationDerivative } from '../ops/activation/functions.ts';
import { macCounter, transposed, type FloatArray } from './gemm.ts';
import { JsRows, put, WasmRows, type RowStack } from './wasm.ts';
import { isPlainLinear } from '../ops/linear/definition.ts';
import { multipleOf } from '../math/linalg.ts';
import { sortedDistinct } from '../engine/index-sets.ts';

export type Precision = 'f32' | 'f64';

/** What the CPU engine's `prepare` cached: the forward pass at θ̂. */
export interface CachedForward {
  model: ModelGraph;
  params: ParamSet;
  head: Head;
  n: number;
  /** the chain's ops: op i reads value i and writes value i + 1 */
  ops: Op[];
  /** acts[i] = value i (the input of op i) for all samples; acts[ops.length] = output */
  acts: Float64Array[];
}

interface Plan {
  producer: number;
  consumer: number;
  /** the producer's and the consumer's output widths */
  H: number;
  O: number;
  names: { pW: string; pb: string | null; cW: string };
  /** producer rows (= units) the patch touches */
  R: Int32Array;
  /** consumer patch columns, as positions in R */
  Cpos: Int32Array;
  /** n × |R|: basis row · x_s (without the bias) */
  dotW: Float64Array;
  /** |R|: basis bias entries */
  Bb: Float64Array;
  between: Activation[];
  /** K × O: consumer columns W_c[:, r] (r ∈ R), then the patch columns B_c[:, c] (c ∈ C) */
  G: Float64Array;
  K: number;
  /** λ_k with g_k = λ_k·g_0 when all K vectors are parallel (node death, ReLU rescaling), else null */
  parallel: Float64Array | null;
  /** whether the tail after the consumer is piecewise linear (fact 3 applies) */
  linearTail: boolean;
}

/** Most touched units for which the per-row coefficient form pays. */
const MAX_UNITS = 8;

export class UnitScan {
  /** rows (sample, scan point) seen, kept (active), and pushed through the tail themselves */
  readonly stats = { rows: 0, active: 0, direct: 0, tangentOnly: 0 };
  private plans = new WeakMap<TensorPatch, Plan | null>();
  private firstOpOf = new Map<string, number>();
  private readonly stack: RowStack;
  /** offsets on the stack, kept for the scan's lifetime: Wᵀ of every plain linear op, by weight name */
  private readonly weightT = new Map<string, number>();
  /** … and the cached input of every plain linear op, by op index (the live probes' left operand) */
  private readonly inputOf = new Map<number, number>();
  /** … and the cached outputs (logits) at θ̂ */
  private readonly outputAt: number;
  /** … and the cached input of every ReLU, in f64 (the kink intervals), by op index */
  private readonly reluInputAt = new Map<number, number>();
  /** per-run scratch, grown as needed and reused: rows' samples, scan points and coefficients */
  private rowS = new Int32Array(1024);
  private rowQ = new Int32Array(1024);
  private coef = new Float64Array(1024);
  private tcoef = new Float64Array(1024);
  /** … and per active row (γ and its tangent) and per active sample (its interval, its probe index, its first row) */
  private gam = new Float64Array(1024);
  private tgam = new Float64Array(1024);
  private lo = new Float64Array(1024);
  private hi = new Float64Array(1024);
  private samples = new Int32Array(1024);
  private firstRow = new Int32Array(1025);

  constructor(private readonly f: CachedForward, readonly precision: Precision) {
    // f32 without WebAssembly SIMD (an old runtime) computes in f64: slower, never less exact
    this.stack = (precision === 'f32' ? WasmRows.create() : null) ?? new JsRows();
    f.ops.forEach((op, i) => {
      for (const t of opTensors(op)) if (!this.firstOpOf.has(t)) this.firstOpOf.set(t, i);
      if (op.kind !== 'linear' || !isPlainLinear(op)) return;
      if (!this.weightT.has(op.weight)) {
        const at = this.stack.alloc(op.inFeatures * op.outFeatures);
        transposed(f.params.get(op.weight)!.data, op.outFeatures, op.inFeatures, this.stack.at(at, op.inFeatures * op.outFeatures));
        this.weightT.set(op.weight, at);
      }
      this.inputOf.set(i, put(this.stack, f.acts[i]));
    });
    f.ops.forEach((op, i) => {
      if (op.kind === 'activation' && op.fn === 'relu') this.reluInputAt.set(i, this.stack.putF64(f.acts[i]));
    });
    this.outputAt = put(this.stack, f.acts[f.ops.length]);
  }

  /** Y = X·Wᵀ (+ b on the first `biasRows` rows) for X of `rows` rows on the stack; returns Y's offset. */
  private linear(X: number, rows: number, op: Extract<Op, { kind: 'linear' }>, biasRows: number): number {
    const out = op.outFeatures;
    const Y = this.stack.alloc(rows * out);
    const y = this.stack.at(Y, rows * out);
    y.fill(0);
    const b = op.bias && biasRows ? this.f.params.get(op.bias)!.data : null;
    if (b) for (let r = 0; r < biasRows; r++) y.set(b, r * out);
    this.stack.rowsTimes(X, rows, op.inFeatures, this.weightT.get(op.weight)!, out, Y);
    return Y;
  }

  /**
   * F for every query this path can take (scaled points whose basis is a unit direction);
   * writes out[q] and marks done[q]. The rest is left to the caller.
   */
  answer(queries: FisherQuery[], out: Float64Array): Uint8Array {
    const done = new Uint8Array(queries.length);
    const groups = new Map<TensorPatch, number[]>();
    queries.forEach((q, i) => {
      const s = sharedBasis(q);
      if (!s) return;
      let g = groups.get(s.basis);
      if (!g) groups.set(s.basis, (g = []));
      g.push(i);
    });
    queries.forEach((q, i) => {
      if (sharedBasis(q) || q.delta.size) return;
      const F = this.tangentOnly(q.tangent);
      if (F === null) return;
      out[i] = F;
      done[i] = 1;
    });
    for (const [basis, idx] of groups) {
      const plan = this.planFor(basis);
      if (!plan) continue;
      const F = this.run(plan, idx.map((i) => sharedBasis(queries[i])!));
      idx.forEach((q, a) => {
        out[q] = F[a];
        done[q] = 1;
      });
    }
    return done;
  }

  /**
   * A point at θ̂ itself with a dense tangent (the live-reference probes): values stay the cached
   * ones, so the tangent alone goes forward through a linear/activation tail, every product
   * skipping the exact zeros of its left operand (input pixels, ReLU outputs, masked tangents).
   */
  private tangentOnly(tangent: TensorPatch): number | null {
    const { model, n, acts, head } = this.f;
    const ops = this.f.ops;
    let first = ops.length;
    for (const name of tangent.keys()) first = Math.min(first, this.firstOpOf.get(name) ?? ops.length);
    if (first === ops.length) return null;
    if (!ops.slice(first).every((o) => (o.kind === 'linear' && isPlainLinear(o)) || o.kind === 'activation' || o.kind === 'flatten')) return null;
    this.stats.tangentOnly++;
    const st = this.stack;
    const base = st.mark();
    let T = -1;
    let width = 0;
    for (let i = first; i < ops.length; i++) {
      const op = ops[i];
      if (op.kind === 'linear') {
        const out = op.outFeatures;
        const next = T >= 0 ? this.linear(T, n, op, 0) : st.alloc(n * out);
        if (T < 0) st.at(next, n * out).fill(0);
        const dW = tangent.get(op.weight);
        if (dW) {
          const dWT = st.alloc(dW.length);
          transposed(dW, out, op.inFeatures, st.at(dWT, dW.length));
          st.rowsTimes(this.inputOf.get(i)!, n, op.inFeatures, dWT, out, next);
        }
        const db = op.bias ? tangent.get(op.bias) : undefined;
        if (db) addToRows(st.at(next, n * out), n, db);
        T = next;
        width = out;
      } else if (op.kind === 'activation' && T >= 0) {
        const y = st.at(T, n * width);
        if (op.fn === 'relu') maskByRelu(y, acts[i]);
        else for (let k = 0; k < n * width; k++) y[k] *= activationDerivative(op.fn, acts[i][k]);
      }
    }
    const F = meanFisher(head, acts[ops.length], st.at(T, n * model.outputWidth), n, model.outputWidth);
    st.rewind(base);
    return F;
  }

  private planFor(basis: TensorPatch): Plan | null {
    if (!this.plans.has(basis)) this.plans.set(basis, this.makePlan(basis));
    return this.plans.get(basis)!;
  }

  private makePlan(basis: TensorPatch): Plan | null {
    const { params, n, acts } = this.f;
    const ops = this.f.ops;
    let producer = ops.length;
    for (const name of basis.keys()) producer = Math.min(producer, this.firstOpOf.get(name) ?? ops.length);
    const p = ops[producer];
    if (!p || p.kind !== 'linear' || !isPlainLinear(p)) return null;
    const between: Activation[] = [];
    let consumer = producer + 1;
    for (; consumer < ops.length; consumer++) {
      const o = ops[consumer];
      if (o.kind === 'activation') between.push(o.fn);
      else if (o.kind !== 'flatten') break;
    }
    const c = ops[consumer];
    if (!c || c.kind !== 'linear' || !isPlainLinear(c) || c.inFeatures !== p.outFeatures) return null;
    for (const name of basis.keys()) if (name !== p.weight && name !== p.bias && name !== c.weight) return null;
    const tail = ops.slice(consumer + 1);
    if (!tail.every((o) => (o.kind === 'linear' && isPlainLinear(o)) || o.kind === 'activation' || o.kind === 'flatten')) return null;
    const linearTail = tail.every((o) => o.kind !== 'activation' || o.fn === 'relu' || o.fn === 'identity');

    const H = p.outFeatures;
    const inF = p.inFeatures;
    // the weights' patches by their non-zeros (a detector's SparsePatch gives them; nothing dense is read)
    const BW = nonZerosOf(basis, p.weight);
    const BB = p.bias ? nonZerosOf(basis, p.bias) : null;
    const BC = nonZerosOf(basis, c.weight);
    // touched rows and read columns from the patches' non-zeros alone: nothing of the layer's width
    // is allocated or walked per direction (a 30 000-unit layer's 30 000 directions were O(width²))
    // a −0 in the producer's weight patch counts as touched (its row is read), a +0 does not; a
    // bias entry touches its row when non-zero
    const touched: number[] = [];
    if (BB) for (let e = 0; e < BB.index.length; e++) if (BB.values[e] !== 0) touched.push(BB.index[e]);
    if (BW) for (let e = 0; e < BW.index.length; e++) if (BW.values[e] !== 0 || Object.is(BW.values[e], -0)) touched.push(Math.floor(BW.index[e] / inF));
    const R = sortedDistinct(touched);
    if (R.length === 0 || R.length > MAX_UNITS) return null;
    const posOf = new Map<number, number>();
    for (let a = 0; a < R.length; a++) posOf.set(R[a], a);
    const O = c.outFeatures;
    const cols: number[] = [];
    if (BC) {
      const read: number[] = [];
      for (let e = 0; e < BC.index.length; e++) if (BC.values[e] !== 0) read.push(BC.index[e] % H);
      for (const col of sortedDistinct(read)) {
        if (!posOf.has(col)) return null; // the consumer patch reads a unit whose value does not change
        cols.push(col);
      }
    }
    // the bias patch's value on each touched row (+0 where it has no entry, as its dense array reads)
    const biasAt = new Map<number, number>();
    if (BB) for (let e = 0; e < BB.index.length; e++) biasAt.set(BB.index[e], BB.values[e]);
    const m = R.length;
    const W = params.get(p.weight)!.data;
    const b = p.bias ? params.get(p.bias)!.data : null;
    const x = acts[producer];
    const z = acts[producer + 1];
    const dotW = new Float64Array(n * m);
    const Bb = new Float64Array(m);
    // the touched rows of the producer's patch, dense (m × inF)
    const rowsW = new Float64Array(BW ? m * inF : 0);
    if (BW) for (let e = 0; e < BW.index.length; e++) {
      const i = BW.index[e];
      const a = posOf.get(Math.floor(i / inF));
      if (a !== undefined) rowsW[a * inF + (i % inF)] = BW.values[e];
    }
    for (let a = 0; a < m; a++) {
      const r = R[a];
      Bb[a] = biasAt.get(r) ?? 0;
      const kappa = BW ? multipleOf(rowsW, W, a * inF, inF, r * inF) : 0;
      if (BW && kappa !== null) {
        // fact 1: B_W[r]·x = κ·W[r]·x = κ·(z_r − b_r), from the cached pre-activation
        const br = b ? b[r] : 0;
        for (let s = 0; s < n; s++) dotW[s * m + a] = kappa * (z[s * H + r] - br);
      } else if (BW) {
        macCounter.value += n * inF;
        for (let s = 0; s < n; s++) {
          let acc = 0;
          for (let k = 0; k < inF; k++) acc += rowsW[a * inF + k] * x[s * inF + k];
          dotW[s * m + a] = acc;
        }
      }
    }
    const Wc = params.get(c.weight)!.data;
    const K = m + cols.length;
    const G = new Float64Array(K * O);
    for (let a = 0; a < m; a++) for (let o = 0; o < O; o++) G[a * O + o] = Wc[o * H + R[a]];
    const colAt = new Map<number, number>();
    for (let e = 0; e < cols.length; e++) colAt.set(cols[e], e);
    if (BC) for (let e = 0; e < BC.index.length; e++) {
      const i = BC.index[e];
      const at = colAt.get(i % H);
      if (at !== undefined) G[(m + at) * O + Math.floor(i / H)] = BC.values[e];
    }
    return {
      producer, consumer, names: { pW: p.weight, pb: p.bias, cW: c.weight }, R, Cpos: Int32Array.from(cols, (col) => posOf.get(col)!),
      dotW, Bb, between, G, K, H, O, linearTail, parallel: parallelTo(G, K, O),
    };
  }

  /**
   * F at every point of one plan's scan. Split into a method per stage so that each hot loop is
   * optimised on its own, soon (one large function took seconds of a loaded machine's compiler
   * threads, running slowly meanwhile).
   */
  private run(plan: Plan, points: ScaledPoint[]): Float64Array {
    const n = this.f.n;
    const Q = points.length;
    const rows = this.coefficients(plan, points);
    const F = new Float64Array(Q);
    this.stats.rows += n * Q;
    this.stats.active += rows;
    if (rows === 0) return F;
    const st = this.stack;
    const base = st.mark();
    const direct: number[] = plan.linearTail && plan.parallel
      ? this.parallelTail(plan, plan.parallel, rows, Q, F)
      : plan.linearTail ? this.vectorTail(plan, rows, F) : Array.from({ length: rows }, (_, r) => r);
    this.stats.direct += direct.length;
    if (direct.length) this.directRows(plan, direct, F);
    st.rewind(base);
    for (let q = 0; q < Q; q++) F[q] /= n;
    return F;
  }

  /** Facts 1 and 2: the active rows' coefficients into this.coef/tcoef, samples and points into this.rowS/rowQ; returns their count. */
  private coefficients(plan: Plan, points: ScaledPoint[]): number {
    const { n, acts } = this.f;
    const Q = points.length;
    const { R, Cpos, dotW, Bb, between, K, H, names } = plan;
    const m = R.length;
    const sc = (map: Map<string, number>, name: string | null) => (name === null ? 0 : (map.get(name) ?? 0));
    const dsW = points.map((p) => sc(p.delta, names.pW));
    const dsb = points.map((p) => sc(p.delta, names.pb));
    const tsW = points.map((p) => sc(p.tangent, names.pW));
    const tsb = points.map((p) => sc(p.tangent, names.pb));
    const dsC = points.map((p) => sc(p.delta, names.cW));
    const tsC = points.map((p) => sc(p.tangent, names.cW));

    // facts 1 and 2: coefficients of the active rows, grouped by sample
    const zpre = acts[plan.producer + 1];
    const hb = acts[plan.consumer];
    let { rowS, rowQ, coef, tcoef } = this;
    if (coef.length < rowS.length * K) {
      coef = new Float64Array(rowS.length * K);
      tcoef = new Float64Array(rowS.length * K);
    }
    let rows = 0;
    const reluOnly = between.length === 1 && between[0] === 'relu';
    const hv = new Float64Array(m);
    const ht = new Float64Array(m);
    // one unit behind a ReLU (node death, ReLU rescaling): the same rule without the inner loops
    const oneRelu = reluOnly && m === 1 && K <= 2;
    for (let s = 0; s < n && oneRelu; s++) {
      const z0 = zpre[s * H + R[0]];
      const d = dotW[s];
      const h0 = hb[s * H + R[0]];
      const b0 = Bb[0];
      for (let q = 0; q < Q; q++) {
        let v = z0 + dsW[q] * d + dsb[q] * b0;
        let tv = 0;
        if (v > 0) tv = tsW[q] * d + tsb[q] * b0;
        else if (h0 === 0) continue; // off at θ̂ and at this point: zero change, zero tangent
        else v = 0;
        if (v === h0 && tv === 0 && !(K === 2 && v !== 0)) continue;
        const row = rows++;
        if (row === rowS.length) {
          coef = grow(coef);
          tcoef = grow(tcoef);
          rowS = growInt(rowS);
          rowQ = growInt(rowQ);
        }
        coef[row * K] = v - h0;
        tcoef[row * K] = tv;
        if (K === 2) {
          coef[row * K + 1] = dsC[q] * v;
          tcoef[row * K + 1] = dsC[q] * tv + tsC[q] * v;
        }
        rowS[row] = s;
        rowQ[row] = q;
      }
    }
    for (let s = 0; s < n && !oneRelu; s++) {
      for (let q = 0; q < Q; q++) {
        let any = false;
        for (let a = 0; a < m; a++) {
          const d = dotW[s * m + a];
          let v = zpre[s * H + R[a]] + dsW[q] * d + dsb[q] * Bb[a];
          let tv = tsW[q] * d + tsb[q] * Bb[a];
          if (reluOnly) {
            if (!(v > 0)) { v = 0; tv = 0; }
          } else for (const fn of between) {
            if (fn === 'relu') {
              if (!(v > 0)) { v = 0; tv = 0; }
            } else {
              tv *= activationDerivative(fn, v);
              v = activate(fn, v);
            }
          }
          hv[a] = v;
          ht[a] = tv;
          if (v !== hb[s * H + R[a]] || tv !== 0) any = true;
        }
        if (Cpos.length && !any) for (let e = 0; e < Cpos.length; e++) if (hv[Cpos[e]] !== 0) any = true;
        if (!any) continue;
        const row = rows++;
        if (row === rowS.length) {
          coef = grow(coef);
          tcoef = grow(tcoef);
          rowS = growInt(rowS);
          rowQ = growInt(rowQ);
        }
        for (let a = 0; a < m; a++) {
          coef[row * K + a] = hv[a] - hb[s * H + R[a]];
          tcoef[row * K + a] = ht[a];
        }
        for (let e = 0; e < Cpos.length; e++) {
          const a = Cpos[e];
          coef[row * K + m + e] = dsC[q] * hv[a];
          tcoef[row * K + m + e] = dsC[q] * ht[a] + tsC[q] * hv[a];
        }
        rowS[row] = s;
        rowQ[row] = q;
      }
    }
    macCounter.value += n * Q * m * (2 + between.length);
    Object.assign(this, { rowS, rowQ, coef, tcoef });
    return rows;
  }

  /**
   * Fact 3 with one vector g (all K parallel, g_k = λ_k·g): F of the rows that stay inside their
   * sample's kink interval into F; returns the rows that leave it.
   */
  private parallelTail(plan: Plan, lam: Float64Array, rows: number, Q: number, F: Float64Array): number[] {
    const { model } = this.f;
    const ops = this.f.ops;
    const { G, K, O } = plan;
    const tail = plan.consumer + 1;
    const st = this.stack;
    const outW = model.outputWidth;
    const { rowS, rowQ, coef, tcoef } = this;
    const direct: number[] = [];
    // fact 3 with one vector g (all K parallel): the change is γ·J_s g, and whether a row keeps
    // every ReLU of the tail on its side is an interval of γ per sample: O(1) per row
    if (this.gam.length < rows) {
      this.gam = new Float64Array(rowS.length);
      this.tgam = new Float64Array(rowS.length);
    }
    const { gam, tgam } = this;
    for (let r = 0; r < rows; r++) {
      let g = 0;
      let tg = 0;
      for (let k = 0; k < K; k++) {
        g += lam[k] * coef[r * K + k];
        tg += lam[k] * tcoef[r * K + k];
      }
      gam[r] = g;
      tgam[r] = tg;
    }
    if (this.samples.length < rows) {
      this.samples = new Int32Array(rowS.length);
      this.firstRow = new Int32Array(rowS.length + 1);
      this.lo = new Float64Array(rowS.length);
      this.hi = new Float64Array(rowS.length);
    }
    const { samples, firstRow, lo, hi } = this;
    const S = sampleRuns(rowS, rows, samples, firstRow);
    let width = O;
    let Mat = st.alloc(S * O);
    const g0 = G.subarray(0, O);
    const M0 = st.at(Mat, S * O);
    for (let a = 0; a < S; a++) M0.set(g0, a * O);
    lo.fill(-Infinity, 0, S);
    hi.fill(Infinity, 0, S);
    for (let i = tail; i < ops.length; i++) {
      const op = ops[i];
      if (op.kind === 'linear') {
        Mat = this.linear(Mat, S, op, 0);
        width = op.outFeatures;
      } else if (op.kind === 'activation' && op.fn === 'relu') {
        st.reluIntervals(this.reluInputAt.get(i)!, samples, S, Mat, width, lo, hi);
      }
    }
    // the output tangent is tg·m (m = J_s g): every head's form is quadratic, F = tg²·form(m);
    // the rows of one sample that stay inside their interval go to headForms together
    const gamAt = st.alloc(Q);
    const formAt = st.alloc(Q);
    const expoAt = st.alloc(Q);
    const scratch = st.alloc(2 * outW + 8);
    const gv = st.at(gamAt, Q);
    const fv = st.at(formAt, Q);
    const ev = st.at(expoAt, Q);
    const keep = new Int32Array(Q);
    for (let a = 0; a < S; a++) {
      let count = 0;
      for (let r = firstRow[a]; r < firstRow[a + 1]; r++) {
        const g = gam[r];
        if (!(g > lo[a] && g < hi[a])) {
          direct.push(r);
          continue;
        }
        keep[count] = r;
        gv[count++] = g;
      }
      if (count === 0) continue;
      st.headForms(this.f.head, this.outputAt + samples[a] * outW, Mat + a * outW, outW, gamAt, count, formAt, expoAt, scratch);
      for (let j = 0; j < count; j++) {
        const r = keep[j];
        const form = ev[j] === 0 ? fv[j] : fv[j] * Math.exp(ev[j]);
        F[rowQ[r]] += tgam[r] * tgam[r] * form;
      }
    }
    macCounter.value += rows * (K * 2 + outW * 2);
    return direct;
  }

  /** Fact 3: the K vectors through the tail once per active sample; F of the rows that keep every kink's side into F; returns the others. */
  private vectorTail(plan: Plan, rows: number, F: Float64Array): number[] {
    const { acts, model } = this.f;
    const ops = this.f.ops;
    const { G, K, O } = plan;
    const tail = plan.consumer + 1;
    const st = this.stack;
    const outW = model.outputWidth;
    const { rowS, rowQ, coef, tcoef } = this;
    const pbuf = new Float64Array(outW);
    const zBase = acts[ops.length];
    const direct: number[] = [];
    if (this.samples.length < rows) {
      this.samples = new Int32Array(rowS.length);
      this.firstRow = new Int32Array(rowS.length + 1);
    }
    const { samples, firstRow } = this;
    const S = sampleRuns(rowS, rows, samples, firstRow);
    let width = O;
    let Mat = st.alloc(S * K * O);
    for (let a = 0; a < S; a++) st.at(Mat + a * K * O, K * O).set(G);
    const ok = new Uint8Array(rows).fill(1);
    let widest = O;
    for (let i = tail; i < ops.length; i++) {
      const op = ops[i];
      if (op.kind === 'linear') widest = Math.max(widest, op.outFeatures);
    }
    const du = new Float64Array(widest);
    for (let i = tail; i < ops.length; i++) {
      const op = ops[i];
      if (op.kind === 'linear') {
        Mat = this.linear(Mat, S * K, op, 0);
        width = op.outFeatures;
      } else if (op.kind === 'activation' && op.fn === 'relu') {
        const u = acts[i];
        const M = st.at(Mat, S * K * width);
        for (let a = 0; a < S; a++) {
          const s = samples[a];
          const mo = a * K * width;
          // a row that moves a ReLU of the tail across its kink leaves the coefficient form
          for (let r = firstRow[a]; r < firstRow[a + 1]; r++) {
            if (!ok[r]) continue;
            du.fill(0, 0, width);
            for (let k = 0; k < K; k++) {
              const ck = coef[r * K + k];
              if (ck === 0) continue;
              for (let e = 0; e < width; e++) du[e] += ck * M[mo + k * width + e];
            }
            for (let e = 0; e < width; e++) {
              const ub = u[s * width + e];
              if ((ub > 0) !== (ub + du[e] > 0)) { ok[r] = 0; break; }
            }
          }
          macCounter.value += (firstRow[a + 1] - firstRow[a]) * K * width;
          for (let e = 0; e < width; e++) {
            if (u[s * width + e] > 0) continue;
            for (let k = 0; k < K; k++) M[mo + k * width + e] = 0;
          }
        }
      }
    }
    const zv = new Float64Array(outW);
    const jv = new Float64Array(outW);
    const M = st.at(Mat, S * K * outW);
    for (let a = 0; a < S; a++) {
      const s = samples[a];
      const mo = a * K * outW;
      for (let r = firstRow[a]; r < firstRow[a + 1]; r++) {
        if (!ok[r]) {
          direct.push(r);
          continue;
        }
        for (let e = 0; e < outW; e++) {
          zv[e] = zBase[s * outW + e];
          jv[e] = 0;
        }
        for (let k = 0; k < K; k++) {
          const ck = coef[r * K + k];
          const tk = tcoef[r * K + k];
          for (let e = 0; e < outW; e++) {
            const g = M[mo + k * outW + e];
            zv[e] += ck * g;
            jv[e] += tk * g;
          }
        }
        F[rowQ[r]] += fisherRow(this.f.head, zv, 0, jv, 0, outW, pbuf);
      }
    }
    macCounter.value += rows * K * outW * 2;
    return direct;
  }

  /** The rows themselves through the tail (value and tangent stacked as one matrix); their F into F. */
  private directRows(plan: Plan, direct: number[], F: Float64Array): void {
    const { acts, model } = this.f;
    const ops = this.f.ops;
    const { G, K, O } = plan;
    const tail = plan.consumer + 1;
    const st = this.stack;
    const outW = model.outputWidth;
    const { rowS, rowQ, coef, tcoef } = this;
    const pbuf = new Float64Array(outW);
    const D = direct.length;
    const yb = acts[plan.consumer + 1];
    let width = O;
    let Xat = st.alloc(2 * D * O);
    let X = st.at(Xat, 2 * D * O);
    direct.forEach((r, d) => {
      const s = rowS[r];
      for (let e = 0; e < O; e++) {
        let v = yb[s * O + e];
        let t = 0;
        for (let k = 0; k < K; k++) {
          v += coef[r * K + k] * G[k * O + e];
          t += tcoef[r * K + k] * G[k * O + e];
        }
        X[d * O + e] = v;
        X[(D + d) * O + e] = t;
      }
    });
    macCounter.value += D * K * O * 2;
    for (let i = tail; i < ops.length; i++) {
      const op = ops[i];
      if (op.kind === 'linear') {
        // value rows (with the bias) and tangent rows (without) in one product
        Xat = this.linear(Xat, 2 * D, op, D);
        width = op.outFeatures;
        X = st.at(Xat, 2 * D * width);
      } else if (op.kind === 'activation' && op.fn === 'relu') {
        // relu(v), and the tangent times relu'(v), without a call per element
        for (let k = 0; k < D * width; k++) {
          if (!(X[k] > 0)) {
            X[k] = 0;
            X[D * width + k] = 0;
          }
        }
      } else if (op.kind === 'activation') {
        for (let k = 0; k < D * width; k++) {
          const v = X[k];
          X[D * width + k] *= activationDerivative(op.fn, v);
          X[k] = activate(op.fn, v);
        }
      }
    }
    for (let d = 0; d < D; d++) F[rowQ[direct[d]]] += fisherRow(this.f.head, X, d * outW, X, (D + d) * outW, outW, pbuf);
  }
}

// The live probes' element loops, as functions of their own: each is optimised once and soon
// (inline in tangentOnly, whose 24 calls meet different layers, they deoptimised it repeatedly).

/** y[s, :] += b for every row s of y (rows × b.length). */
function addToRows(y: FloatArray, rows: number, b: ParamArray): void {
  const w = b.length;
  for (let s = 0; s < rows; s++) for (let o = 0; o < w; o++) y[s * w + o] += b[o];
}

/** y[k] = 0 where the ReLU's input u[k] is not positive. */
function maskByRelu(y: FloatArray, u: Float64Array): void {
  for (let k = 0; k < y.length; k++) if (!(u[k] > 0)) y[k] = 0;
}

/** (1/n) Σ_s the head's Fisher form of the output tangent y[s, :] at the outputs z[s, :]. */
function meanFisher(head: Head, z: Float64Array, y: FloatArray, n: number, outW: number): number {
  const p = new Float64Array(outW);
  let F = 0;
  for (let s = 0; s < n; s++) F += fisherRow(head, z, s * outW, y, s * outW, outW, p);
  return F / n;
}

/** λ_k with row k of G (K × O) = λ_k·row 0 to rounding, or null (row 0 must not vanish). */
function parallelTo(G: Float64Array, K: number, O: number): Float64Array | null {
  const lambda = new Float64Array(K);
  lambda[0] = 1;
  for (let k = 1; k < K; k++) {
    const l = multipleOf(G, G, k * O, O, 0);
    if (l === null) return null;
    lambda[k] = l;
  }
  return lambda;
}


function growInt(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function grow(a: Float64Array): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * The probe samples of a unit's active rows (rows are sorted by sample) into `samples`, and where
 * each sample's run of rows starts into `firstRow`, which ends with `rows` so run a spans
 * firstRow[a]..firstRow[a + 1]; returns the number of samples S (both arrays hold ≥ rows (+ 1)).
 */
function sampleRuns(rowS: ArrayLike<number>, rows: number, samples: Int32Array, firstRow: Int32Array): number {
  let S = 0;
  for (let r = 0; r < rows; r++) {
    if (r === 0 || rowS[r] !== rowS[r - 1]) {
      samples[S] = rowS[r];
      firstRow[S++] = r;
    }
  }
  firstRow[S] = rows;
  return S;
}
