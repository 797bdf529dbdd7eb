/**
 * The f64 CPU engine: an interpreter of the graph keyed by value id. `prepare` caches every value
 * once; a query then starts at the first node its patches touch and carries only the *change*
 * from the cached values on the features where it can be non-zero (its support), node by node
 * through each op's flow rule (src/ops/<kind>/flow.ts). A node-death direction of a hidden unit
 * thus costs a row and a column of two matrices per sample, not a whole forward pass. An op
 * without a rule for the case at hand runs dense (its f64 reference) and re-expresses the
 * result as a change. Value changes and tangents share one support; null means every feature.
 */
import { graphOps, headRows, isChain, opTensors, valueShapes, size, type GraphNode, type ModelGraph, type ValueId } from '../../model/graph.ts';
import { opDef } from '../../ops/registry.ts';
import {
  pauser, type FisherEngine, type FisherQuery, type EngineProgress, type Head, type ParamSet, type ProbeSet,
  type TensorPatch, touchedTensors,
} from '../types.ts';
import { evaluateDensePausing, denseNode } from '../../ops/interpret.ts';
import { tokenInputError } from '../../ops/embedding/definition.ts';
import { paramsError } from '../../model/params-check.ts';
import { fisherPerSample } from './fisher.ts';
import { addArrays, deltaTensor, emptyFlow, isEmptyFlow, scatterAdd, tangentTensor, type Flow } from './flow.ts';
import { UnitScan, type Precision } from '../../fast/unit-scan.ts';
import { PatternScan } from './pattern-scan.ts';
import { ReadoutUnitScan } from './readout-scan.ts';
import { neededFeatures, restrictFlow } from './positions.ts';

export class CpuEngine implements FisherEngine {
  readonly name = 'cpu' as const;
  readonly description: string;
  choice?: string;
  /** unit directions go through the fast scan (src/fast, chains only) in this precision; everything else in f64 */
  readonly precision: Precision;
  private fast: UnitScan | null = null;
  /** scaled directions of conv chains, all points of a direction at once (f64) */
  pattern: PatternScan | null = null;
  /** unit directions of a transformer's last MLP, read at one position through a LayerNorm and linear readout */
  readout: ReadoutUnitScan | null = null;
  private model!: ModelGraph;
  private params!: ParamSet;
  private head!: Head;
  private n = 0;
  private shapes: number[][] = [];
  /** cached[v] = value v for all probes */
  private cached: Float64Array[] = [];
  /** sequence values of which the output sees only some positions: the features kept in their flows */
  private keep = new Map<ValueId, Int32Array>();
  /** index of the first node reading each tensor */
  private firstNodeOf = new Map<string, number>();
  /** how many queries between progress reports */
  chunk = 16;

  constructor(options: { precision?: Precision } = {}) {
    this.precision = options.precision ?? 'f32';
    this.description = this.precision === 'f64' ? 'CPU engine (TypeScript, f64)' : 'CPU engine (TypeScript; fast scans in f32, the rest in f64)';
  }

  async prepare(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head, options: { signal?: AbortSignal } = {}): Promise<void> {
    const bad = paramsError(model, params) ?? tokenInputError(model.nodes, probe.data);
    if (bad) throw new Error(bad);
    const forward = await evaluateDensePausing(model, params, probe.data, probe.count, { keepValues: true }, pauser(options.signal));
    this.adopt(model, params, probe.count, head, forward.values!);
  }

  /**
   * Prepared from values already computed (the worker pool's threads take the main thread's
   * forward pass, src/fast/pool.ts); `scans: false` leaves out the fast scans' caches for an
   * engine that only hands queries on.
   */
  adopt(model: ModelGraph, params: ParamSet, n: number, head: Head, values: Float64Array[], scans = true): void {
    this.model = model;
    this.params = params;
    this.head = head;
    this.n = n;
    this.shapes = valueShapes(model);
    this.cached = values;
    this.fast = null;
    this.pattern = null;
    this.readout = null;
    this.keep = neededFeatures(model);
    this.firstNodeOf.clear();
    model.nodes.forEach((node, i) => {
      for (const t of opTensors(node.op)) if (!this.firstNodeOf.has(t)) this.firstNodeOf.set(t, i);
    });
    if (!scans) return;
    // the fast scan walks a chain: op i reads value i
    // the fast scans read one softmax / Gaussian per sample: a multi-position output takes the general path
    this.fast = isChain(model) && headRows(model) === 1 ? new UnitScan({ model, ops: graphOps(model), params, head, n, acts: this.cached }, this.precision) : null;
    this.pattern = PatternScan.create(model, params, head, this.cached, isChain(model), this.precision);
    this.readout = ReadoutUnitScan.create(model, params, head, this.cached, this.precision);
    // the readout product of every query then runs in this precision too: say so
    if (this.readout && this.precision === 'f32' && !this.description.includes('readout')) {
      (this as { description: string }).description = this.description.replace('fast scans in f32', 'fast scans and the transformer readout in f32');
    }
  }

  /** The cached f64 values by value id, all probe samples (N × size). */
  async values(): Promise<Float64Array[]> {
    return this.cached;
  }

  async directionalFisher(
    queries: FisherQuery[],
    options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    const out = new Float64Array(queries.length);
    const answered = this.fast?.answer(queries, out) ?? new Uint8Array(queries.length);
    this.readout?.answer(queries, out, answered);
    const pause = pauser(options.signal);
    if (this.pattern) {
      let done = 0;
      await this.pattern.answer(queries, out, answered, async () => {
        await pause();
        done = answered.reduce((a, b) => a + b, 0);
        options.onProgress?.({ done, total: queries.length });
      });
    }
    for (let q = 0; q < queries.length; q++) {
      if (answered[q]) continue;
      if (q % this.chunk === 0) options.onProgress?.({ done: q, total: queries.length });
      out[q] = await this.fisherOf(queries[q], pause);
    }
    options.onProgress?.({ done: queries.length, total: queries.length });
    return out;
  }

  dispose(): void {
    this.cached = [];
  }

  /** F_v for one query; `pause` between nodes (a query through a big network takes seconds; pauser yields every 25 ms at most). */
  private async fisherOf(query: FisherQuery, pause: () => Promise<void>): Promise<number> {
    const nodes = this.model.nodes;
    let start = nodes.length;
    const touched = touchedTensors(query);
    for (const name of touched) {
      const i = this.firstNodeOf.get(name);
      if (i === undefined) throw new Error(`query touches tensor ${name}, which no op reads`);
      start = Math.min(start, i);
    }
    const n = this.n;
    // changes by value; a value without an entry is unchanged
    const flows = new Map<ValueId, Flow>();
    for (let i = start; i < nodes.length; i++) {
      await pause();
      const node = nodes[i];
      const ins = node.inputs.map((v) => flows.get(v) ?? emptyFlow());
      // a transformer's vocabulary-wide readout as one product (readout-scan.ts)
      const f = node.id === this.model.output && this.readout?.takesOutput(touched) && !isEmptyFlow(ins[0])
        ? this.readout.outputFlow(ins[0]) : this.step(node, ins, query);
      if (isEmptyFlow(f)) continue;
      const keep = this.keep.get(node.id);
      flows.set(node.id, keep ? restrictFlow(f, keep, n, size(this.shapes[node.id])) : f);
    }
    const outW = size(this.shapes[this.model.output]);
    const flow = flows.get(this.model.output) ?? emptyFlow();
    const z = this.cached[this.model.output].slice();
    const dz = new Float64Array(n * outW);
    scatterAdd(z, flow.support, flow.diff, n, outW);
    scatterAdd(dz, flow.support, flow.tan, n, outW);
    const f = fisherPerSample(this.head, z, dz, n, outW, headRows(this.model));
    let s = 0;
    for (let i = 0; i < n; i++) s += f[i];
    return s / n;
  }

  private step(node: GraphNode, flows: Flow[], q: FisherQuery): Flow {
    const tensors = opTensors(node.op);
    const moved = new Set(touchedTensors(q));
    const touched = tensors.some((t) => moved.has(t));
    if (!touched && flows.every(isEmptyFlow)) return flows.length === 1 ? flows[0] : emptyFlow();
    const rule = opDef(node.op).flow;
    const sparse = rule
      ? rule(node.op, flows, {
        n: this.n, inShapes: node.inputs.map((v) => this.shapes[v]), outShape: this.shapes[node.id],
        xBase: node.inputs.map((v) => this.cached[v]), yBase: this.cached[node.id], params: this.params, query: q, touched,
        keep: this.keep.get(node.id),
      })
      : null;
    return sparse ?? this.dense(node, flows, q);
  }

  /** A node without a sparse rule for this case: densify its inputs, run its reference, re-express as change. */
  private dense(node: GraphNode, flows: Flow[], q: FisherQuery): Flow {
    const n = this.n;
    const xs: Float64Array[] = [];
    const dxs: Float64Array[] = [];
    node.inputs.forEach((v, k) => {
      const F = size(this.shapes[v]);
      const x = this.cached[v].slice();
      const dx = new Float64Array(n * F);
      scatterAdd(x, flows[k].support, flows[k].diff, n, F);
      scatterAdd(dx, flows[k].support, flows[k].tan, n, F);
      xs.push(x);
      dxs.push(dx);
    });
    // parameters of this op at θ(t)
    let params = this.params;
    const tensors = opTensors(node.op);
    const patched = tensors.map((t) => [t, deltaTensor(q, t)] as const).filter(([, d]) => d !== null);
    if (patched.length) {
      params = new Map(params);
      for (const [t, d] of patched) params.set(t, { shape: this.params.get(t)!.shape, data: addArrays(this.params.get(t)!.data, d!) });
    }
    const tangent: TensorPatch = new Map();
    for (const t of tensors) {
      const a = tangentTensor(q, t);
      if (a) tangent.set(t, a);
    }
    const { y, dy } = denseNode(node, this.shapes, n, params, xs, dxs, tangent);
    const yb = this.cached[node.id];
    const diff = new Float64Array(y.length);
    for (let k = 0; k < y.length; k++) diff[k] = y[k] - yb[k];
    return { support: null, diff, tan: dy ?? new Float64Array(y.length) };
  }
}
