/**
 * The scan of a transformer's last MLP units, exact: every point of a direction that moves a few
 * units of the last block's MLP (producer rows with their bias, consumer columns of those units:
 * node death) when everything after the MLP is the residual add, `take` of one position, a
 * LayerNorm and a linear readout (the unembedding) — a pre-norm decoder read at its last position.
 *
 * Three facts make it cheap; the maths is the sparse engine's (flow.ts), in another order:
 *  1. Only the taken position reaches the output (the MLP and the add act per position, and nothing
 *     after the add mixes positions), so a point needs the units' pre-activations there alone.
 *  2. The consumer's change there is Σ_k c_k·g_k over K fixed vectors (the consumer's columns of
 *     the touched units and its patch columns; one vector when they are parallel, as in node death),
 *     with scalar coefficients per (sample, point), so it stays in span{ĥ_c, g_kc} through the
 *     LayerNorm (x_c = ĥ_c + Σ c_k g_kc is centred; its scale is a scalar), value and tangent alike.
 *  3. The readout is linear: z − ẑ = (ι − ι̂)·P + ι·Σ c_k Q_k and ż = ι·Σ τ_k Q_k − κ·(P + Σ c_k Q_k)
 *     with P = W(γ⊙ĥ_c) per sample and Q_k = W(γ⊙g_kc) per direction (ι = 1/√(σ² + ε), κ from
 *     the LayerNorm's tangent). Two products with the readout's weight per sample, one per
 *     direction and vector (batched as one GEMM-shaped product over the directions of a call),
 *     instead of two per sample and point; each point is then O(outputs) for the head's form.
 *
 * `precision` sets where the products run (src/fast/wasm.ts): f32 in WebAssembly SIMD, f64 in
 * JavaScript (the reference mode). The head's form is summed in f64 either way.
 */
import { consumersOf, headRows, valueShapes, type GraphNode, type ModelGraph, type ValueId } from '../../model/graph.ts';
import { nonZerosOf, sharedBasis, type FisherQuery, type ScaledPoint, type Head, type ParamArray, type ParamSet, type TensorPatch } from '../types.ts';
import { activate, activationDerivative, type Activation } from '../../ops/activation/functions.ts';
import { linearWeightAt, type LinearOp, type LinearWeightAt } from '../../ops/linear/definition.ts';
import { takePosition } from '../../ops/take/definition.ts';
import type { LayerNormOp } from '../../ops/layernorm/definition.ts';
import { headFisherRow } from './fisher.ts';
import type { Flow } from './flow.ts';
import { JsRows, WasmRows, type RowStack } from '../../fast/wasm.ts';
import type { Precision } from '../../fast/unit-scan.ts';
import { indicesOf } from '../index-sets.ts';
import { READOUT_KERNELS_WASM_BASE64 } from '../../fast/readout-kernels-wasm.ts';
import { macCounter } from '../../fast/gemm.ts';
import { ensureBytes, wasmModule } from '../../fast/kernel-module.ts';
import { multipleOf } from '../../math/linalg.ts';

type Arr = Float64Array;

/** An MLP of the last block: producer → activations → consumer, whose output the residual add reads. */
interface Mlp {
  producer: GraphNode<LinearOp>;
  consumer: GraphNode<LinearOp>;
  between: Activation[];
  pAt: LinearWeightAt;
  cAt: LinearWeightAt;
  /** flat stored index → producer row (unit) / consumer column (unit) */
  rowOf: Int32Array;
  colOf: Int32Array;
}

/** A direction's plan: the units it moves and the fixed vectors of fact 2 with their products. */
interface Plan {
  mlp: Mlp;
  R: Int32Array;
  /** consumer patch columns as positions in R */
  Cpos: Int32Array;
  /** |R| × inF: the producer patch's rows */
  rowsW: Arr;
  /** |R|: producer bias patch */
  Bb: Arr;
  /** K × D vectors g_k (consumer columns, then patch columns), and the λ that merge them when parallel */
  G: Arr;
  K: number;
  /** coefficient k goes to vector merged[k] times lambda[k] */
  merged: Int32Array;
  lambda: Arr;
  /** the distinct vectors after merging */
  J: number;
  /** per sample: |R| dots B_P[r]·x_s at the taken position */
  dot: Arr;
  /** J × D centred vectors, their Gram (J × J), and per sample ĥ_c·g_jc (n × J) */
  gc: Arr;
  gram: Arr;
  hg: Arr;
  /** J × V products W(γ⊙g_jc), filled per call */
  Q: Arr | null;
}

/** Most units one direction may move for this path. */
const MAX_UNITS = 8;

export class ReadoutUnitScan {
  /** directions and queries answered: for tests and benchmarks */
  readonly stats = { directions: 0, queries: 0 };
  private readonly n: number;
  private readonly D: number;
  private readonly V: number;
  private readonly pos: number;
  private readonly T: number;
  private readonly mlps = new Map<string, Mlp | null>();
  private readonly plans = new WeakMap<TensorPatch, Plan | null>();
  /** per sample: ẑ (n × V), P = W(γ⊙ĥ_c) (n × V), ĥ_c at the taken position (n × D), |ĥ_c|², ι̂ */
  private readonly zHat: Arr;
  /** made on first use (a read without these directions, or in f64 without them, does not hold them) */
  private P: Arr = new Float64Array(0);
  private readonly hc: Arr;
  private readonly hh: Arr;
  private readonly iota: Arr;
  private readonly stack: RowStack;
  /** offset of Wᵀ (D × V) on the stack, −1 until first used */
  private WTAt = -1;
  private readonly readoutWeight: { W: ParamArray; at: LinearWeightAt };
  private readonly gamma: ParamArray | null;
  private readonly eps: number;
  /** the readout linear's weight and bias */
  private readonly readoutTensors: [string, string | null];
  /** f32 mode, classification: the head form in WebAssembly */
  private kernel: ReadoutKernel | null = null;
  private ready = false;
  /** scratch of V for the f64 form */
  private readonly z: Arr;
  private readonly dz: Arr;
  private readonly pbuf: Arr;

  private constructor(
    private readonly model: ModelGraph, private readonly params: ParamSet, private readonly head: Head,
    private readonly cached: Arr[], private readonly precision: Precision, readout: { add: GraphNode; take: GraphNode; norm: GraphNode<LayerNormOp>; linear: GraphNode<LinearOp> },
  ) {
    const shapes = valueShapes(model);
    const [T, D] = shapes[readout.add.id];
    this.T = T;
    this.D = D;
    this.pos = takePosition(readout.take.op as Extract<GraphNode['op'], { kind: 'take' }>, T);
    const lin = readout.linear.op;
    this.readoutTensors = [lin.weight, lin.bias];
    const V = lin.outFeatures;
    this.V = V;
    this.n = cached[0].length / shapes[0].reduce((a, b) => a * b, 1);
    const n = this.n;
    this.gamma = readout.norm.op.weight ? params.get(readout.norm.op.weight)!.data : null;
    this.eps = readout.norm.op.eps;
    this.stack = (precision === 'f32' ? WasmRows.create() : null) ?? new JsRows();
    this.readoutWeight = { W: params.get(lin.weight)!.data, at: linearWeightAt(lin) };
    // the taken position's residual, centred as the LayerNorm's reference centres it
    const h = cached[readout.add.id];
    this.hc = new Float64Array(n * D);
    this.hh = new Float64Array(n);
    this.iota = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      const off = (s * T + this.pos) * D;
      let mu = 0;
      for (let i = 0; i < D; i++) mu += h[off + i];
      mu /= D;
      let v = 0;
      for (let i = 0; i < D; i++) {
        const c = h[off + i] - mu;
        this.hc[s * D + i] = c;
        v += c * c;
      }
      this.hh[s] = v;
      this.iota[s] = 1 / Math.sqrt(v / D + this.eps);
    }
    this.zHat = cached[readout.linear.id];
    this.z = new Float64Array(V);
    this.dz = new Float64Array(V);
    this.pbuf = new Float64Array(V);
  }

  /**
   * W at the bottom of the stack, made on first use (before any step's operands): Wᵀ (D × V) for
   * the row kernel (f64), packed in panels of eight outputs for the dense kernel (f32, WasmRows).
   */
  private weightT(): number {
    if (this.WTAt < 0) {
      const { D, V } = this;
      const { W, at } = this.readoutWeight;
      const st = this.stack;
      if (st instanceof WasmRows) this.WTAt = st.packPanels(D, V, (i, o) => W[at.rowStart[o] + i * at.inStride]);
      else {
        this.WTAt = st.alloc(D * V);
        const wt = st.at(this.WTAt, D * V);
        for (let o = 0; o < V; o++) for (let i = 0; i < D; i++) wt[i * V + o] = W[at.rowStart[o] + i * at.inStride];
      }
    }
    return this.WTAt;
  }

  /** W·a for the `rows` rows of D at A on the stack: rows × V in f64 (the stack rewound to where it was). */
  private product(A: number, rows: number): Arr {
    const { D, V } = this;
    const st = this.stack;
    const WT = this.weightT();
    if (!(st instanceof WasmRows)) {
      const C = st.alloc(rows * V);
      st.at(C, rows * V).fill(0);
      st.rowsTimes(A, rows, D, WT, V, C);
      return Float64Array.from(st.at(C, rows * V));
    }
    const panels = Math.ceil(V / 8), width = 8 * panels;
    const C = st.alloc(rows * width);
    st.at(C, rows * width).fill(0);
    st.denseTimes(A, rows, D, WT, panels, C);
    const c = st.at(C, rows * width);
    const out = new Float64Array(rows * V);
    for (let r = 0; r < rows; r++) for (let o = 0; o < V; o++) out[r * V + o] = c[r * width + o];
    return out;
  }

  /** P of every sample and the f32 kernel, made when the first direction is answered. */
  private prepareScan(): void {
    if (this.ready) return;
    this.ready = true;
    this.P = this.times(this.hc, this.n);
    this.kernel = this.precision === 'f32' && this.head === 'classification' ? ReadoutKernel.create(this.zHat, this.P, this.n, this.V) : null;
  }

  /**
   * Whether `outputFlow` stands for the readout's own flow rule: in f32 mode (f64 keeps the
   * reference's sums), for a query that moves none of the readout's tensors.
   */
  takesOutput(touched: string[]): boolean {
    return this.precision === 'f32' && !touched.some((t) => t === this.readoutTensors[0] || t === this.readoutTensors[1]);
  }

  /**
   * The readout linear's flow for any query that does not move it (the engine's other queries):
   * W·diff and W·tan of every sample as one product in f32 WebAssembly SIMD, instead of 2·n
   * vocabulary-wide products in JavaScript.
   */
  outputFlow(flow: Flow): Flow {
    const { D, V, n } = this;
    const st = this.stack;
    this.weightT();
    const mark = st.mark();
    const A = st.alloc(2 * n * D);
    const a = st.at(A, 2 * n * D);
    a.fill(0);
    const S = flow.support;
    const m = S === null ? D : S.length;
    for (let s = 0; s < n; s++) for (let k = 0; k < m; k++) {
      const f = S === null ? k : S[k];
      a[s * D + f] = flow.diff[s * m + k];
      a[(n + s) * D + f] = flow.tan[s * m + k];
    }
    const y = this.product(A, 2 * n);
    st.rewind(mark);
    return { support: null, diff: y.subarray(0, n * V), tan: y.subarray(n * V) };
  }

  /** W(γ⊙x) for `rows` rows x of D: rows × V (f64 copy of the stack's product). */
  private times(x: Arr, rows: number): Arr {
    const { D, V } = this;
    const st = this.stack;
    this.weightT();
    const mark = st.mark();
    const A = st.alloc(rows * D);
    const a = st.at(A, rows * D);
    for (let r = 0; r < rows; r++) for (let i = 0; i < D; i++) a[r * D + i] = (this.gamma ? this.gamma[i] : 1) * x[r * D + i];
    const out = this.product(A, rows);
    st.rewind(mark);
    return out;
  }

  /**
   * The scan for a graph that ends add → take → LayerNorm → linear (one output row per sample),
   * else null. Which directions it takes is decided per direction (`answer`).
   */
  static create(model: ModelGraph, params: ParamSet, head: Head, cached: Arr[], precision: Precision): ReadoutUnitScan | null {
    if (headRows(model) !== 1) return null;
    const byId = new Map(model.nodes.map((nd) => [nd.id, nd]));
    const readers = consumersOf(model);
    const linear = byId.get(model.output);
    if (!linear || linear.op.kind !== 'linear' || linear.op.positionwise) return null;
    const norm = byId.get(linear.inputs[0]);
    if (!norm || norm.op.kind !== 'layernorm' || readers.get(norm.id)?.length !== 1) return null;
    const take = byId.get(norm.inputs[0]);
    if (!take || take.op.kind !== 'take' || readers.get(take.id)?.length !== 1) return null;
    const add = byId.get(take.inputs[0]);
    if (!add || add.op.kind !== 'add' || readers.get(add.id)?.length !== 1) return null;
    return new ReadoutUnitScan(model, params, head, cached, precision, { add, take, norm: norm as GraphNode<LayerNormOp>, linear: linear as GraphNode<LinearOp> });
  }

  /** The MLP whose consumer the add reads and whose producer reads `tensor`, or null. */
  private mlpOf(tensor: string): Mlp | null {
    if (this.mlps.has(tensor)) return this.mlps.get(tensor)!;
    const found = this.findMlp(tensor);
    this.mlps.set(tensor, found);
    return found;
  }

  private findMlp(tensor: string): Mlp | null {
    const nodes = this.model.nodes;
    const byId = new Map(nodes.map((nd) => [nd.id, nd]));
    const index = new Map(nodes.map((nd, i) => [nd.id, i]));
    const readers = consumersOf(this.model);
    const take = nodes.find((nd) => nd.op.kind === 'take' && readers.get(nd.id)?.length === 1 && byId.get(nd.inputs[0])?.op.kind === 'add');
    const add = byId.get(take!.inputs[0])!;
    for (const [k, c] of add.inputs.entries()) {
      const consumer = byId.get(c);
      if (!consumer || consumer.op.kind !== 'linear' || !consumer.op.positionwise || readers.get(c)?.length !== 1) continue;
      const between: Activation[] = [];
      let v = consumer.inputs[0];
      let node = byId.get(v);
      while (node && node.op.kind === 'activation' && readers.get(node.id)?.length === 1) {
        between.unshift(node.op.fn);
        v = node.inputs[0];
        node = byId.get(v);
      }
      if (!node || node.op.kind !== 'linear' || !node.op.positionwise || readers.get(node.id)?.length !== 1 || !between.length) continue;
      const producer = node as GraphNode<LinearOp>;
      if (producer.op.weight !== tensor && producer.op.bias !== tensor && consumer.op.weight !== tensor) continue;
      // the add's other input is computed before the producer, so the direction leaves it alone
      const other = add.inputs[1 - k];
      if ((index.get(other) ?? -1) >= index.get(producer.id)!) continue;
      const cons = consumer as GraphNode<LinearOp>;
      // tensors read once only (a tied weight is read elsewhere too)
      const uses = (t: string | null) => t === null ? 0 : nodes.filter((nd) => 'weight' in nd.op && (nd.op as { weight?: string | null }).weight === t || 'bias' in nd.op && (nd.op as { bias?: string | null }).bias === t).length;
      if (uses(producer.op.weight) !== 1 || uses(cons.op.weight) !== 1 || (producer.op.bias && uses(producer.op.bias) !== 1)) continue;
      const pAt = linearWeightAt(producer.op);
      const cAt = linearWeightAt(cons.op);
      return { producer, consumer: cons, between, pAt, cAt, rowOf: ownerOf(producer.op, pAt, 'row'), colOf: ownerOf(cons.op, cAt, 'col') };
    }
    return null;
  }

  /** Marks and answers the scaled queries whose direction moves a few units of the last MLP. */
  answer(queries: FisherQuery[], out: Float64Array, done: Uint8Array): void {
    const groups = new Map<TensorPatch, number[]>();
    queries.forEach((q, i) => {
      const s = sharedBasis(q);
      if (done[i] || !s) return;
      let g = groups.get(s.basis);
      if (!g) groups.set(s.basis, (g = []));
      g.push(i);
    });
    const todo: [Plan, number[]][] = [];
    for (const [basis, idx] of groups) {
      const plan = this.planFor(basis);
      if (plan) todo.push([plan, idx]);
    }
    if (!todo.length) return;
    this.prepareScan();
    // the directions' vectors through the readout as one product
    const fresh = todo.filter(([p]) => p.Q === null).map(([p]) => p);
    const rows = fresh.reduce((a, p) => a + p.J, 0);
    if (rows) {
      const X = new Float64Array(rows * this.D);
      let r = 0;
      for (const p of fresh) {
        X.set(p.gc, r * this.D);
        r += p.J;
      }
      const Y = this.times(X, rows);
      r = 0;
      for (const p of fresh) {
        p.Q = Y.slice(r * this.V, (r + p.J) * this.V);
        r += p.J;
      }
    }
    for (const [plan, idx] of todo) {
      const F = this.run(plan, idx.map((i) => sharedBasis(queries[i])!));
      idx.forEach((q, a) => {
        out[q] = F[a];
        done[q] = 1;
      });
      // Q is kept only while the direction's queries are being answered
      plan.Q = null;
      this.stats.directions++;
      this.stats.queries += idx.length;
    }
  }

  private planFor(basis: TensorPatch): Plan | null {
    if (!this.plans.has(basis)) this.plans.set(basis, this.makePlan(basis));
    return this.plans.get(basis)!;
  }

  private makePlan(basis: TensorPatch): Plan | null {
    const names = [...basis.keys()];
    if (!names.length) return null;
    const mlp = this.mlpOf(names[0]);
    if (!mlp) return null;
    const p = mlp.producer.op, c = mlp.consumer.op;
    for (const name of names) if (name !== p.weight && name !== p.bias && name !== c.weight) return null;
    const H = p.outFeatures, inF = p.inFeatures, D = this.D;
    if (c.inFeatures !== H || c.outFeatures !== D) return null;
    const BW = nonZerosOf(basis, p.weight);
    const Bbias = p.bias ? (basis.get(p.bias) ?? null) : null;
    const BC = nonZerosOf(basis, c.weight);
    const hit = new Uint8Array(H);
    if (Bbias) for (let r = 0; r < H; r++) if (Bbias[r] !== 0) hit[r] = 1;
    if (BW) BW.index.forEach((i, e) => { if (BW.values[e] !== 0 || Object.is(BW.values[e], -0)) hit[mlp.rowOf[i]] = 1; });
    const R = indicesOf(hit);
    if (R.length === 0 || R.length > MAX_UNITS) return null;
    const posOf = new Int32Array(H).fill(-1);
    R.forEach((r, a) => (posOf[r] = a));
    const cols: number[] = [];
    if (BC) {
      const colHit = new Uint8Array(H);
      BC.index.forEach((i, e) => { if (BC.values[e] !== 0) colHit[mlp.colOf[i]] = 1; });
      for (const col of indicesOf(colHit)) {
        if (posOf[col] < 0) return null; // the consumer patch reads a unit whose value does not change
        cols.push(col);
      }
    }
    const m = R.length;
    const rowsW = new Float64Array(m * inF);
    // input i of row o sits at rowStart[o] + i·inStride
    if (BW) BW.index.forEach((flat, e) => {
      const a = posOf[mlp.rowOf[flat]];
      if (a < 0) return;
      rowsW[a * inF + (flat - mlp.pAt.rowStart[R[a]]) / mlp.pAt.inStride] = BW.values[e];
    });
    const Bb = Float64Array.from(R, (r) => (Bbias ? Bbias[r] : 0));
    // dots at the taken position, from the producer's cached input
    const n = this.n;
    const x = this.cached[mlp.producer.inputs[0]];
    const dot = new Float64Array(n * m);
    for (let s = 0; s < n; s++) {
      const xo = (s * this.T + this.pos) * inF;
      for (let a = 0; a < m; a++) {
        let acc = 0;
        for (let i = 0; i < inF; i++) acc += rowsW[a * inF + i] * x[xo + i];
        dot[s * m + a] = acc;
      }
    }
    const K = m + cols.length;
    const G = new Float64Array(K * D);
    const Wc = this.params.get(c.weight)!.data;
    for (let a = 0; a < m; a++) for (let o = 0; o < D; o++) G[a * D + o] = Wc[mlp.cAt.rowStart[o] + R[a] * mlp.cAt.inStride];
    const colAt = new Int32Array(H).fill(-1);
    cols.forEach((col, e) => (colAt[col] = e));
    if (BC) {
      // stored index → output row o: the one whose row holds it at column colOf
      BC.index.forEach((flat, e) => {
        const col = mlp.colOf[flat];
        const at = colAt[col];
        if (at < 0) return;
        const o = outputOf(mlp.cAt, flat, col, D);
        G[(m + at) * D + o] = BC.values[e];
      });
    }
    // merge parallel vectors (node death: the consumer column and its patch column)
    const merged = new Int32Array(K);
    const lambda = new Float64Array(K);
    const kept: number[] = [];
    for (let k = 0; k < K; k++) {
      let into = -1;
      for (let j = 0; j < kept.length && into < 0; j++) {
        const l = multipleOf(G, G, k * D, D, kept[j] * D);
        if (l !== null) {
          into = j;
          lambda[k] = l;
        }
      }
      if (into < 0) {
        into = kept.length;
        kept.push(k);
        lambda[k] = 1;
      }
      merged[k] = into;
    }
    const J = kept.length;
    const gc = new Float64Array(J * D);
    kept.forEach((k, j) => {
      let mu = 0;
      for (let o = 0; o < D; o++) mu += G[k * D + o];
      mu /= D;
      for (let o = 0; o < D; o++) gc[j * D + o] = G[k * D + o] - mu;
    });
    const gram = new Float64Array(J * J);
    for (let i = 0; i < J; i++) for (let j = 0; j < J; j++) {
      let acc = 0;
      for (let o = 0; o < D; o++) acc += gc[i * D + o] * gc[j * D + o];
      gram[i * J + j] = acc;
    }
    const hg = new Float64Array(n * J);
    for (let s = 0; s < n; s++) for (let j = 0; j < J; j++) {
      let acc = 0;
      for (let o = 0; o < D; o++) acc += this.hc[s * D + o] * gc[j * D + o];
      hg[s * J + j] = acc;
    }
    return {
      mlp, R, Cpos: Int32Array.from(cols, (col) => posOf[col]), rowsW, Bb, G, K, merged, lambda, J, dot, gc, gram, hg, Q: null,
    };
  }

  private run(plan: Plan, points: ScaledPoint[]): Float64Array {
    const { n, D, V, T, pos } = this;
    const { R, Cpos, Bb, dot, J, merged, lambda, gram, hg } = plan;
    const Q = plan.Q!;
    const m = R.length;
    const p = plan.mlp.producer.op, c = plan.mlp.consumer.op;
    const H = p.outFeatures;
    const count = points.length;
    const sc = (map: Map<string, number>, name: string | null) => (name === null ? 0 : (map.get(name) ?? 0));
    const dsW = points.map((pt) => sc(pt.delta, p.weight)), dsb = points.map((pt) => sc(pt.delta, p.bias));
    const tsW = points.map((pt) => sc(pt.tangent, p.weight)), tsb = points.map((pt) => sc(pt.tangent, p.bias));
    const dsC = points.map((pt) => sc(pt.delta, c.weight)), tsC = points.map((pt) => sc(pt.tangent, c.weight));
    const zpre = this.cached[plan.mlp.producer.id];
    const hb = this.cached[plan.mlp.consumer.inputs[0]];
    const F = new Float64Array(count);
    const hv = new Float64Array(m), ht = new Float64Array(m);
    const cj = new Float64Array(J), tj = new Float64Array(J);
    // per point of one sample: [α, α', −, −, β_1 … β_J, β'_1 … β'_J] with z = ẑ + α·P + Σ β_j·Q_j,
    // ż = α'·P + Σ β'_j·Q_j (slots 2 and 3: the kernel's shift and δref)
    const width = 4 + 2 * J;
    const coef = new Float64Array(count * width);
    const kernel = this.kernel?.load(Q, J);
    for (let s = 0; s < n; s++) {
      const row = (s * T + pos) * H;
      for (let q = 0; q < count; q++) {
        for (let a = 0; a < m; a++) {
          const d = dot[s * m + a];
          let v = zpre[row + R[a]] + (dsW[q] * d + dsb[q] * Bb[a]);
          let tv = tsW[q] * d + tsb[q] * Bb[a];
          for (const fn of plan.mlp.between) {
            tv *= activationDerivative(fn, v);
            v = activate(fn, v);
          }
          hv[a] = v;
          ht[a] = tv;
        }
        // coefficients of the K vectors, merged onto the J distinct ones
        cj.fill(0);
        tj.fill(0);
        for (let a = 0; a < m; a++) {
          cj[merged[a]] += lambda[a] * (hv[a] - hb[row + R[a]]);
          tj[merged[a]] += lambda[a] * ht[a];
        }
        for (let e = 0; e < Cpos.length; e++) {
          const a = Cpos[e], k = m + e;
          cj[merged[k]] += lambda[k] * dsC[q] * hv[a];
          tj[merged[k]] += lambda[k] * (dsC[q] * ht[a] + tsC[q] * hv[a]);
        }
        // the LayerNorm: |x_c|² − |ĥ_c|² and x_c·ẋ_c from the Gram of the centred vectors
        let dxx = 0;
        let xt = 0;
        for (let i = 0; i < J; i++) {
          let gi = 0;
          for (let j = 0; j < J; j++) gi += gram[i * J + j] * cj[j];
          dxx += cj[i] * (2 * hg[s * J + i] + gi);
          xt += tj[i] * (hg[s * J + i] + gi);
        }
        const a0 = this.hh[s] / D + this.eps;
        const a1 = a0 + dxx / D;
        const r0 = Math.sqrt(a0), r1 = Math.sqrt(a1);
        const iota = 1 / r1;
        const kappa = (iota * iota * iota * xt) / D;
        const at = q * width;
        // ι − ι̂ without cancellation: (a0 − a1)/(√a0·√a1·(√a0 + √a1))
        coef[at] = -dxx / D / (r0 * r1 * (r0 + r1));
        coef[at + 1] = -kappa;
        for (let j = 0; j < J; j++) {
          coef[at + 4 + j] = iota * cj[j];
          coef[at + 4 + J + j] = iota * tj[j] - kappa * cj[j];
        }
      }
      const forms = kernel ? kernel.forms(s, coef, count) : null;
      for (let q = 0; q < count; q++) {
        // the f32 kernel marks a row whose softmax leaves its range (−1): read in f64
        F[q] += forms && forms[q] >= 0 ? forms[q] : this.formF64(s, Q, J, coef, q * width);
      }
    }
    for (let q = 0; q < count; q++) F[q] /= n;
    return F;
  }

  /** The head's form of one point of sample s in f64 (coefficients at coef[at …]). */
  private formF64(s: number, Q: Arr, J: number, coef: Arr, at: number): number {
    const V = this.V;
    const z = this.z, dz = this.dz;
    const zo = s * V;
    const Ps = this.P;
    const alpha = coef[at], alphaT = coef[at + 1];
    for (let o = 0; o < V; o++) {
      const pv = Ps[zo + o];
      let cz = this.zHat[zo + o] + alpha * pv;
      let ct = alphaT * pv;
      for (let j = 0; j < J; j++) {
        const g = Q[j * V + o];
        cz += coef[at + 4 + j] * g;
        ct += coef[at + 4 + J + j] * g;
      }
      z[o] = cz;
      dz[o] = ct;
    }
    return headFisherRow(this.head, z, 0, dz, 0, V, this.pbuf);
  }
}

/**
 * The f32 head form in WebAssembly (src/fast/readout-kernels.wat), classification only: ẑ and P of
 * every sample copied in once (outputs padded to a multiple of 4), a direction's Q per call.
 */
class ReadoutKernel {
  private readonly x: {
    memory: WebAssembly.Memory;
    readoutForms(zh: number, P: number, Q: number, J: number, Vp: number, coef: number, count: number, out: number, scratch: number): void;
    readoutFormsShifted(zh: number, P: number, Q: number, J: number, Vp: number, coef: number, count: number, out: number): void;
  };
  private readonly Vp: number;
  /** byte offsets: ẑ and P of all samples, then the per-call region */
  private readonly zhAt = 0;
  private readonly PAt: number;
  private readonly callAt: number;
  private J = 0;
  /** per sample: max ẑ, its output i0, max |P|, P[i0], and the base softmax p̂ (f32, n × V) with E_p̂[P] */
  private readonly zMax: Arr;
  private readonly top: Int32Array;
  private readonly pMax: Arr;
  private readonly pTop: Arr;
  private readonly pHat: Float32Array;
  private readonly pMean: Arr;
  /** per call: max |Q_j|, and per sample Q_j[i0] and E_p̂[Q_j] (n × J) */
  private qMax = new Float64Array(0);
  private qTop = new Float64Array(0);
  private qMean = new Float64Array(0);

  static create(zHat: Arr, P: Arr, n: number, V: number): ReadoutKernel | null {
    const m = wasmModule(READOUT_KERNELS_WASM_BASE64);
    return m ? new ReadoutKernel(m, zHat, P, n, V) : null;
  }

  private constructor(m: WebAssembly.Module, zHat: Arr, P: Arr, private readonly n: number, private readonly V: number) {
    this.x = new WebAssembly.Instance(m, {}).exports as unknown as ReadoutKernel['x'];
    const Vp = (this.Vp = (V + 3) & ~3);
    this.PAt = n * Vp * 4;
    this.callAt = 2 * n * Vp * 4;
    ensureBytes(this.x.memory, this.callAt);
    const f = new Float32Array(this.x.memory.buffer);
    this.zMax = new Float64Array(n);
    this.top = new Int32Array(n);
    this.pMax = new Float64Array(n);
    this.pTop = new Float64Array(n);
    this.pMean = new Float64Array(n);
    this.pHat = new Float32Array(n * V);
    for (let s = 0; s < n; s++) {
      const zo = s * Vp, po = this.PAt / 4 + s * Vp;
      let mx = -Infinity, i0 = 0, pm = 0;
      for (let o = 0; o < V; o++) {
        const z = zHat[s * V + o];
        f[zo + o] = z;
        f[po + o] = P[s * V + o];
        if (z > mx) { mx = z; i0 = o; }
        pm = Math.max(pm, Math.abs(P[s * V + o]));
      }
      for (let o = V; o < Vp; o++) {
        f[zo + o] = -Infinity;
        f[po + o] = 0;
      }
      this.zMax[s] = mx;
      this.top[s] = i0;
      this.pMax[s] = pm;
      this.pTop[s] = P[s * V + i0];
      let sum = 0;
      for (let o = 0; o < V; o++) sum += Math.exp(zHat[s * V + o] - mx);
      let mean = 0;
      for (let o = 0; o < V; o++) {
        const p = Math.exp(zHat[s * V + o] - mx) / sum;
        this.pHat[s * V + o] = p;
        mean += p * P[s * V + o];
      }
      this.pMean[s] = mean;
    }
  }

  /** A direction's J vectors Q (J × V) for the next calls. */
  load(Q: Arr, J: number): this {
    const { Vp, V, n } = this;
    ensureBytes(this.x.memory, this.callAt + J * Vp * 4);
    const f = new Float32Array(this.x.memory.buffer, this.callAt, J * Vp);
    this.qMax = new Float64Array(J);
    this.qTop = new Float64Array(n * J);
    this.qMean = new Float64Array(n * J);
    for (let j = 0; j < J; j++) {
      let qm = 0;
      for (let o = 0; o < V; o++) {
        const q = Q[j * V + o];
        f[j * Vp + o] = q;
        qm = Math.max(qm, Math.abs(q));
      }
      f.fill(0, j * Vp + V, (j + 1) * Vp);
      this.qMax[j] = qm;
      for (let s = 0; s < n; s++) {
        let mean = 0;
        const po = s * V;
        for (let o = 0; o < V; o++) mean += this.pHat[po + o] * Q[j * V + o];
        this.qMean[s * J + j] = mean;
        this.qTop[s * J + j] = Q[j * V + this.top[s]];
      }
    }
    macCounter.value += n * J * V;
    this.J = J;
    return this;
  }

  /**
   * The forms of `count` points of sample s (−1 where the f32 softmax cannot hold the row). A point
   * whose shift bound is within 60 of the largest logit takes the one-pass kernel, the others the exact-max one.
   */
  forms(s: number, coef: Arr, count: number): Float64Array {
    const { Vp, J } = this;
    const width = 4 + 2 * J;
    const coefAt = this.callAt + J * Vp * 4;
    const outAt = (coefAt + count * width * 4 + 7) & ~7;
    const scratchAt = (outAt + count * 8 + 15) & ~15;
    ensureBytes(this.x.memory, scratchAt + 2 * Vp * 4);
    const shifted: number[] = [];
    const exact: number[] = [];
    for (let q = 0; q < count; q++) {
      const at = q * width;
      let bound = this.zMax[s] + Math.abs(coef[at]) * this.pMax[s];
      let atTop = this.zMax[s] + coef[at] * this.pTop[s];
      let ref = coef[at + 1] * this.pMean[s];
      for (let j = 0; j < J; j++) {
        bound += Math.abs(coef[at + 4 + j]) * this.qMax[j];
        atTop += coef[at + 4 + j] * this.qTop[s * J + j];
        ref += coef[at + 4 + J + j] * this.qMean[s * J + j];
      }
      coef[at + 2] = bound;
      coef[at + 3] = ref;
      (bound - atTop <= 60 ? shifted : exact).push(q);
    }
    const out = new Float64Array(count);
    const run = (which: number[], shiftedKernel: boolean) => {
      if (!which.length) return;
      const c = new Float32Array(this.x.memory.buffer, coefAt, which.length * width);
      which.forEach((q, k) => c.set(coef.subarray(q * width, (q + 1) * width), k * width));
      const zh = this.zhAt + s * Vp * 4, P = this.PAt + s * Vp * 4;
      if (shiftedKernel) this.x.readoutFormsShifted(zh, P, this.callAt, J, Vp, coefAt, which.length, outAt);
      else this.x.readoutForms(zh, P, this.callAt, J, Vp, coefAt, which.length, outAt, scratchAt);
      const r = new Float64Array(this.x.memory.buffer, outAt, which.length);
      which.forEach((q, k) => (out[q] = r[k]));
    };
    run(shifted, true);
    run(exact, false);
    macCounter.value += count * Vp * (2 + 2 * J);
    return out;
  }
}

/** For every stored element of a linear's weight, its output row (`row`) or input column (`col`). */
function ownerOf(op: LinearOp, at: LinearWeightAt, which: 'row' | 'col'): Int32Array {
  const owner = new Int32Array(op.inFeatures * op.outFeatures);
  for (let o = 0; o < op.outFeatures; o++) for (let i = 0; i < op.inFeatures; i++) owner[at.rowStart[o] + i * at.inStride] = which === 'row' ? o : i;
  return owner;
}

/** The output row o of a stored index whose column is `col`: rowStart[o] = flat − col·inStride. */
function outputOf(at: LinearWeightAt, flat: number, col: number, outF: number): number {
  const start = flat - col * at.inStride;
  for (let o = 0; o < outF; o++) if (at.rowStart[o] === start) return o;
  throw new Error('internal: a patch index outside its weight');
}

