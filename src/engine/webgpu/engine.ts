/**
 * The WebGPU engine: the same directional Fisher as the f64 CPU engine (METHOD §1), in f32 on
 * the GPU, many queries × probe samples per dispatch.
 *
 * prepare: uploads the checkpoint (one f32 buffer, every tensor at a fixed offset) and the probe
 * inputs, and runs the forward pass once, keeping every op's input activation on the GPU
 * (`cache[i]`, N × size). A query starts at the first op its patches touch, reading `cache`.
 *
 * directionalFisher: queries are grouped by that first op and cut into batches of G queries ×
 * M samples (G, M from the adapter's buffer limits and a work cap). A batch is one command
 * buffer and one readback of G × ⌈M/256⌉ partial sums, added up in f64 here.
 * Like the CPU engine, a batch carries only what changes while it can (a *sparse flow*: the
 * change d and tangent ṫ on a few features U, the union over the batch's queries):
 *   - first op linear/conv whose patches touch few output rows/channels R: the change of those
 *     rows is ΔW_R·x̂ + Δb_R and their tangent Ẇ_R·x̂ + ḃ_R (linear.wgsl / conv2d.wgsl with the
 *     compact patch as weights);
 *   - activations on a sparse flow: φ(x̂ + d) − ŷ and φ′(x̂ + d)·ṫ on U (activation.wgsl);
 *   - the next linear reads the sparse flow (linear-sparse.wgsl) and writes dense values;
 *   - any other op first densifies (densify.wgsl); from then on every op runs dense on full
 *     values and tangents with per-query parameters θ̂ + δ where patched.
 * The tangent is always propagated as its own quantity.
 */
import { graphOps, isChain, opTensors, valueShapes, size, type ModelGraph, type Op } from '../../model/graph.ts';
import { opDef } from '../../ops/registry.ts';
import {
  CancelledError, type EngineProgress, type FisherEngine, type FisherQuery, type Head, type ParamSet, type ProbeSet,
  type TensorPatch,
} from '../types.ts';
import { GpuContext, type FlowRef, type ParamRef, type Recorder } from './context.ts';
import { isCpuAdapter, requestEngineDevice } from './device.ts';
import { KERNELS } from './kernels.ts';
import { evaluateDense } from '../../ops/interpret.ts';
import { encodeLinear } from '../../ops/linear/gpu.ts';
import { encodeLinearSparse } from '../../ops/linear/gpu-sparse.ts';
import { encodeActivation } from '../../ops/activation/gpu.ts';
import { encodeConv2d } from '../../ops/conv2d/gpu.ts';
import { encodeConv2dSparse } from '../../ops/conv2d/gpu-sparse.ts';
import { encodeDensify, positionMap } from './densify.ts';
import { blockSum, encodeFisher, fisherBlocks } from './fisher.ts';

export interface WebGpuEngineOptions {
  /** largest single buffer the engine allocates for flows or patches (default: the device's
   * binding/buffer limits, at most 256 MiB) */
  maxBufferBytes?: number;
  /** at most this many queries per batch (default 64) */
  maxQueriesPerBatch?: number;
  /** at most this many samples per batch (default: all probe samples) */
  maxSamplesPerBatch?: number;
  /** work cap: G × M × widest activation per batch (default 2^24 elements) */
  maxBatchElements?: number;
  /** 'simple' = barrier-free kernels, 'tiled' = workgroup-tiled; 'auto' = simple on CPU adapters */
  kernels?: 'auto' | 'simple' | 'tiled';
}

/** What the last directionalFisher call did (benchmarks, tests). */
export interface WebGpuStats {
  batches: number;
  queries: number;
  /** queries × samples of each batch */
  shapes: { first: number; G: number; M: number; mode: string }[];
  dispatches: number;
}

type Flow = { buffer: GPUBuffer; ref: FlowRef };

const SPARSE_FRACTION = 0.5;

export class WebGpuEngine implements FisherEngine {
  readonly name = 'webgpu' as const;
  readonly precision = 'f32' as const;
  readonly description: string;
  readonly device: GPUDevice;
  private ctx: GpuContext | null = null;
  private opts: Required<WebGpuEngineOptions>;

  private model!: ModelGraph;
  private probe!: ProbeSet;
  private values64: Float64Array[] | null = null;
  /** the nodes' ops in order; in a chain op i reads value i and writes value i + 1 */
  private ops: Op[] = [];
  /** a chain runs the sparse plan (batch-plan below); a branching graph the dense value-keyed plan */
  private chain = true;
  private params!: ParamSet;
  private head!: Head;
  private n = 0;
  private shapes: number[][] = [];
  private widths: number[] = [];
  private paramOffset = new Map<string, number>();
  private firstOpOf = new Map<string, number>();
  private paramBuf: GPUBuffer | null = null;
  /** cache[v] = value v for all probe samples (an aliasing op such as flatten shares its input's buffer) */
  private cache: GPUBuffer[] = [];
  private owned: GPUBuffer[] = [];
  private pool: [GPUBuffer | null, GPUBuffer | null] = [null, null];
  /** flow buffers of a graph batch (runGraphBatch), reused across batches */
  private slots: GPUBuffer[] = [];
  private patchBuf: GPUBuffer | null = null;
  private idxBuf: GPUBuffer | null = null;
  private partialBuf: GPUBuffer | null = null;
  lastStats: WebGpuStats = { batches: 0, queries: 0, shapes: [], dispatches: 0 };

  constructor(device: GPUDevice, description: string, options: WebGpuEngineOptions = {}) {
    this.device = device;
    this.description = description;
    const l = device.limits;
    const limit = Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
    this.opts = {
      maxBufferBytes: Math.min(options.maxBufferBytes ?? 256 * 2 ** 20, limit),
      maxQueriesPerBatch: options.maxQueriesPerBatch ?? 64,
      maxSamplesPerBatch: options.maxSamplesPerBatch ?? Infinity,
      maxBatchElements: options.maxBatchElements ?? 2 ** 24,
      kernels: options.kernels ?? 'auto',
    };
  }

  /** An engine on the first adapter of `gpu` (navigator.gpu, or Dawn's GPU in Node); null if none. */
  static async fromGpu(gpu: GPU, options: WebGpuEngineOptions = {}): Promise<WebGpuEngine | null> {
    const dev = await requestEngineDevice(gpu);
    return dev ? new WebGpuEngine(dev.device, dev.description, options) : null;
  }

  async prepare(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head): Promise<void> {
    this.ctx ??= await GpuContext.create(this.device, KERNELS);
    const ctx = this.ctx;
    ctx.cpuLike = this.opts.kernels === 'auto' ? isCpuAdapter(this.description) : this.opts.kernels === 'simple';
    this.releaseData();
    this.model = model;
    this.ops = graphOps(model);
    this.chain = isChain(model);
    this.probe = probe;
    this.values64 = null;
    this.params = params;
    this.head = head;
    this.n = probe.count;
    this.shapes = valueShapes(model);
    this.widths = this.shapes.map(size);
    if (size(probe.shape) !== this.widths[0]) {
      throw new Error(`probe sample shape [${probe.shape}] does not match the model input [${model.inputShape}]`);
    }
    // parameters: one buffer, each tensor once
    this.paramOffset.clear();
    this.firstOpOf.clear();
    let total = 0;
    this.ops.forEach((op, i) => {
      for (const t of opTensors(op)) {
        if (!this.firstOpOf.has(t)) this.firstOpOf.set(t, i);
        if (this.paramOffset.has(t)) continue;
        const p = params.get(t);
        if (!p) throw new Error(`missing tensor ${t}`);
        this.paramOffset.set(t, total);
        total += p.data.length;
      }
    });
    const pdata = new Float32Array(Math.max(total, 4));
    for (const [t, off] of this.paramOffset) pdata.set(params.get(t)!.data, off);
    this.paramBuf = this.own(ctx.upload(pdata, 'params'));
    // activations at every op input, computed once
    const limit = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    this.cache = [this.own(ctx.upload(Float32Array.from(probe.data), 'cache 0'))];
    const rec = ctx.recorder();
    const whole = { off: 0, toff: 0, gs: 0, tan: false };
    model.nodes.forEach((node, i) => {
      if (!opDef(node.op).gpu.encode) {
        this.cache[node.id] = this.cache[node.inputs[0]];
        return;
      }
      const bytes = 4 * this.n * this.widths[node.id];
      if (bytes > limit) {
        throw new Error(`activations after op ${i} (${bytes} bytes for ${this.n} probes) exceed this GPU's buffer limit ${limit}`);
      }
      this.cache[node.id] = this.own(ctx.storage(bytes, `cache ${node.id}`));
      this.encodeDense(rec, i, 1, this.n, node.inputs.map((v) => ({ buffer: this.cache[v], ref: whole })),
        { buffer: this.cache[node.id], ref: whole }, (name) => this.base(name), () => null, null);
    });
    this.device.pushErrorScope('validation');
    await rec.submit();
    await this.device.queue.onSubmittedWorkDone();
    const err = await this.device.popErrorScope();
    if (err) throw new Error(`WebGPU prepare failed: ${err.message}`);
  }

  /**
   * The f64 values for detectors' statistics: from the f64 reference interpreter, not the f32
   * GPU cache, so a read's candidates do not depend on the engine. Computed once, on demand.
   */
  async values(): Promise<Float64Array[]> {
    this.values64 ??= evaluateDense(this.model, this.params, this.probe.data, this.probe.count, { keepValues: true }).values!;
    return this.values64;
  }

  /** Read back the cached activation at the input of op i (tests). */
  async activation(i: number): Promise<Float32Array> {
    return (await this.ctx!.recorder().submit({ buffer: this.cache[i], offset: 0, count: this.n * this.widths[i] }))!;
  }

  async directionalFisher(
    queries: FisherQuery[],
    options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    if (!this.ctx || !this.paramBuf) throw new Error('WebGpuEngine: prepare() first');
    const { signal, onProgress } = options;
    const Q = queries.length;
    const out = new Float64Array(Q);
    const L = this.ops.length;
    const dispatches0 = this.ctx.dispatches;
    this.lastStats = { batches: 0, queries: Q, shapes: [], dispatches: 0 };
    if (signal?.aborted) throw new CancelledError();
    // first op of every query
    const byFirst = new Map<number, number[]>();
    for (let q = 0; q < Q; q++) {
      let first = L;
      for (const name of touchedNames(queries[q])) {
        const i = this.firstOpOf.get(name);
        if (i === undefined) throw new Error(`query touches tensor ${name}, which no op reads`);
        first = Math.min(first, i);
      }
      if (first === L) continue; // nothing moves: F = 0
      let list = byFirst.get(first);
      if (!list) byFirst.set(first, (list = []));
      list.push(q);
    }
    let done = Q - [...byFirst.values()].reduce((a, l) => a + l.length, 0);
    onProgress?.({ done, total: Q });
    for (const [first, list] of [...byFirst].sort((a, b) => a[0] - b[0])) {
      // queries with the same rows touched at the first op share a batch's support
      const keyed = list.map((q) => ({ q, key: this.rowKey(first, queries[q]) }));
      keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.q - b.q));
      const sorted = keyed.map((k) => k.q);
      const { G, M } = this.batchShape(first, sorted.map((q) => queries[q]));
      for (let b = 0; b < sorted.length; b += G) {
        const qs = sorted.slice(b, b + G);
        const sums = new Float64Array(qs.length);
        for (let s0 = 0; s0 < this.n; s0 += M) {
          if (signal?.aborted) throw new CancelledError();
          const m = Math.min(M, this.n - s0);
          const batch = qs.map((q) => queries[q]);
          const part = this.chain ? await this.runBatch(first, batch, s0, m) : await this.runGraphBatch(first, batch, s0, m);
          for (let g = 0; g < qs.length; g++) sums[g] += part[g];
        }
        qs.forEach((q, g) => (out[q] = sums[g] / this.n));
        done += qs.length;
        onProgress?.({ done, total: Q });
      }
    }
    this.lastStats.dispatches = this.ctx.dispatches - dispatches0;
    return out;
  }

  dispose(): void {
    this.releaseData();
    for (const b of [...this.pool, ...this.slots, this.patchBuf, this.idxBuf, this.partialBuf]) b?.destroy();
    this.slots = [];
    this.pool = [null, null];
    this.patchBuf = this.idxBuf = this.partialBuf = null;
    this.ctx = null; // the compiled kernels stay with the device for the next engine
  }

  // ---------------------------------------------------------------- internals

  private own(b: GPUBuffer): GPUBuffer {
    this.owned.push(b);
    return b;
  }

  private releaseData(): void {
    for (const b of this.owned) b.destroy();
    this.owned = [];
    this.cache = [];
    this.paramBuf = null;
  }

  private base(name: string | null): ParamRef {
    return name === null ? null : { src: 'params', off: this.paramOffset.get(name)!, gs: 0 };
  }

  private rowKey(first: number, q: FisherQuery): string {
    const op = this.ops[first];
    if (op.kind !== 'linear' && op.kind !== 'conv2d') return '';
    const rows = op.kind === 'linear' ? op.outFeatures : op.outChannels;
    return Array.from(this.rowSupport(op, [q], rows)).join(',');
  }

  /** Queries per batch and samples per batch for a group starting at op `first`. */
  private batchShape(first: number, qs: FisherQuery[]): { G: number; M: number } {
    const L = this.ops.length;
    let wide = 1;
    for (let i = first; i <= L; i++) wide = Math.max(wide, this.widths[i]);
    // upper bound of the patch floats per query: values/deltas and tangents of touched tensors
    const touched = new Set<string>();
    for (const q of qs) for (const k of touchedNames(q)) touched.add(k);
    let patchPer = 0;
    for (const t of touched) patchPer += 2 * this.params.get(t)!.data.length;
    const maxFloats = Math.floor(this.opts.maxBufferBytes / 4);
    let M = Math.min(this.n, this.opts.maxSamplesPerBatch);
    M = Math.max(1, Math.min(M, Math.floor(maxFloats / (2 * wide)), Math.floor(this.opts.maxBatchElements / wide)));
    let G = Math.min(
      this.opts.maxQueriesPerBatch,
      Math.floor(maxFloats / (2 * wide * M)),
      Math.floor(this.opts.maxBatchElements / (wide * M)),
      patchPer ? Math.floor(maxFloats / patchPer) : Infinity,
      this.device.limits.maxComputeWorkgroupsPerDimension,
    );
    G = Math.max(1, Math.min(G, qs.length));
    if (patchPer > maxFloats) throw new Error(`a query's patches (${patchPer} floats) exceed the GPU buffer limit`);
    return { G, M };
  }

  /** Output rows (linear) / channels (conv) that any query's patches of this op touch. */
  private rowSupport(op: Extract<Op, { kind: 'linear' | 'conv2d' }>, qs: FisherQuery[], rows: number): Int32Array {
    const hit = new Uint8Array(rows);
    const rowLen = this.params.get(op.weight)!.data.length / rows;
    for (const q of qs) {
      for (const p of patchesOf(q)) {
        const w = p.get(op.weight);
        if (w) for (let r = 0; r < rows; r++) {
          if (hit[r]) continue;
          for (let c = r * rowLen, e = c + rowLen; c < e; c++) if (w[c] !== 0) { hit[r] = 1; break; }
        }
        const b = op.bias ? p.get(op.bias) : undefined;
        if (b) for (let r = 0; r < rows; r++) if (b[r] !== 0) hit[r] = 1;
      }
    }
    return indices(hit);
  }

  /** Columns of a linear weight that any query's patches touch. */
  private colSupport(op: Extract<Op, { kind: 'linear' }>, qs: FisherQuery[]): Int32Array {
    const hit = new Uint8Array(op.inFeatures);
    for (const q of qs) for (const p of patchesOf(q)) {
      const w = p.get(op.weight);
      if (!w) continue;
      for (let k = 0; k < w.length; k++) if (w[k] !== 0) hit[k % op.inFeatures] = 1;
    }
    return indices(hit);
  }

  /** Input channels of a conv weight that any query's patches touch. */
  private inChannelSupport(op: Extract<Op, { kind: 'conv2d' }>, qs: FisherQuery[]): Int32Array {
    const C = op.inChannels;
    const kk = op.kernel[0] * op.kernel[1];
    const hit = new Uint8Array(C);
    for (const q of qs) for (const p of patchesOf(q)) {
      const w = p.get(op.weight);
      if (!w) continue;
      for (let k = 0; k < w.length; k++) if (w[k] !== 0) hit[Math.floor(k / kk) % C] = 1;
    }
    return indices(hit);
  }

  /** The first linear/conv after op i reached through activations and flattens only. */
  private nextMixing(i: number): number {
    const ops = this.ops;
    for (let j = i + 1; j < ops.length; j++) {
      const k = ops[j].kind;
      if (k === 'activation' || k === 'flatten') continue;
      return j;
    }
    return ops.length;
  }

  private ensure(which: 'patch' | 'idx' | 'partial' | 0 | 1, bytes: number): GPUBuffer {
    const ctx = this.ctx!;
    const get = (): GPUBuffer | null =>
      which === 'patch' ? this.patchBuf : which === 'idx' ? this.idxBuf : which === 'partial' ? this.partialBuf : this.pool[which];
    const cur = get();
    if (cur && cur.size >= bytes) return cur;
    cur?.destroy();
    const buf = ctx.storage(Math.max(bytes, 1024), `${which}`);
    if (which === 'patch') this.patchBuf = buf;
    else if (which === 'idx') this.idxBuf = buf;
    else if (which === 'partial') this.partialBuf = buf;
    else this.pool[which] = buf;
    return buf;
  }

  /** One batch: G queries × M samples from s0. Returns per-query sums of the per-sample F. */
  private async runBatch(first: number, qs: FisherQuery[], s0: number, M: number): Promise<Float64Array> {
    const ctx = this.ctx!;
    const ops = this.ops;
    const L = ops.length;
    const G = qs.length;
    const W = this.widths;
    const patch = new PatchBuilder(qs, this.params);
    const idx = new IndexBuilder();
    type Step = (rec: Recorder, bufs: { patch: GPUBuffer; idx: GPUBuffer; pool: [GPUBuffer, GPUBuffer] }) => void;
    const steps: Step[] = [];
    let wide = 1;
    for (let i = first; i <= L; i++) wide = Math.max(wide, W[i]);

    // value / tangent refs of a tensor in dense mode (θ̂ + δ per query where patched)
    const denseValue = (name: string | null): ParamRef => (name === null ? null : patch.has(name, 'delta') ? patch.full(name, 'value') : this.base(name));
    const denseTangent = (name: string | null): ParamRef => (name === null ? null : patch.has(name, 'tangent') ? patch.full(name, 'tangent') : null);

    // flows alternate between pool[0] and pool[1]; `cur` is the one holding the current flow
    let cur = -1; // -1: the cache
    let width = W[first];
    let sparseU: Int32Array | null = null;
    let mode = 'dense';
    const flowRef = (w: number, tan: boolean): FlowRef => ({ off: 0, toff: G * M * w, gs: M * w, tan });
    const next = (): 0 | 1 => (cur === 0 ? 1 : 0);

    const cacheIn = (i: number): FlowRef => ({ off: s0 * W[i], toff: 0, gs: 0, tan: false });

    // ---- the first op
    const op0 = ops[first];
    let i = first;
    if (op0.kind === 'linear' || op0.kind === 'conv2d') {
      const rows = op0.kind === 'linear' ? op0.outFeatures : op0.outChannels;
      const R = this.rowSupport(op0, qs, rows);
      let U: Int32Array | null = null;
      if (R.length <= rows * SPARSE_FRACTION) {
        if (op0.kind === 'linear') {
          const g = this.nextMixing(first);
          const gop = ops[g];
          const C = gop && gop.kind === 'linear' ? this.colSupport(gop, qs) : new Int32Array(0);
          const Uu = union(R, C, rows);
          if (Uu.length <= rows * SPARSE_FRACTION) U = Uu;
        } else {
          const g = this.nextMixing(first);
          const gop = ops[g];
          const C = gop && gop.kind === 'conv2d' ? this.inChannelSupport(gop, qs) : new Int32Array(0);
          const Uu = union(R, C, rows);
          if (Uu.length <= rows * SPARSE_FRACTION) U = Uu;
        }
      }
      if (U) {
        // sparse start: the change and tangent of rows/channels U only
        const o = next();
        const rowLen = this.params.get(op0.weight)!.data.length / rows;
        const w = patch.rows(op0.weight, U, rowLen, 'delta');
        const b = op0.bias ? patch.rows(op0.bias, U, 1, 'delta') : null;
        const dw = patch.rows(op0.weight, U, rowLen, 'tangent');
        const db = op0.bias ? patch.rows(op0.bias, U, 1, 'tangent') : null;
        const plane = op0.kind === 'conv2d' ? W[first + 1] / op0.outChannels : 1;
        const nU = U.length * plane;
        const x = cacheIn(first);
        const cacheBuf = this.cache[first];
        steps.push((rec, bufs) => {
          const y = { ...flowRef(nU, true) };
          const bind = { src: cacheBuf, dst: bufs.pool[o], params: this.paramBuf!, patch: bufs.patch };
          if (op0.kind === 'linear') {
            encodeLinear(rec, bind, { x, y, w, b, dw, db, M, G, inF: op0.inFeatures, outF: U!.length });
          } else {
            const [, h, wd] = this.shapes[first];
            encodeConv2d(rec, bind, {
              x, y, w, b, dw, db, G, M, C: op0.inChannels, H: h, W: wd, O: U!.length,
              KH: op0.kernel[0], KW: op0.kernel[1], SH: op0.stride[0], SW: op0.stride[1], PH: op0.padding[0], PW: op0.padding[1],
            });
          }
        });
        sparseU = op0.kind === 'conv2d' ? expandChannels(U, plane) : U;
        width = sparseU.length;
        cur = o;
        mode = `sparse-rows(${U.length}/${rows})`;
        i = first + 1;
      } else if (op0.kind === 'linear') {
        const C = this.colSupport(op0, qs);
        if (C.length <= op0.inFeatures * SPARSE_FRACTION) {
          // few columns touched: y' = ŷ + ΔW_C·x̂_C + Δb, ẏ = Ẇ_C·x̂_C + ḃ, dense output
          const o = next();
          const idxOff = idx.add(C);
          const refs = {
            dwd: patch.cols(op0.weight, op0.outFeatures, op0.inFeatures, C, 'delta'),
            dwt: patch.cols(op0.weight, op0.outFeatures, op0.inFeatures, C, 'tangent'),
            bd: op0.bias && patch.has(op0.bias, 'delta') ? patch.full(op0.bias, 'delta') : null,
            bt: denseTangent(op0.bias),
          };
          const f = first;
          steps.push((rec, bufs) => {
            encodeLinearSparse(rec, {
              src: this.cache[f], dst: bufs.pool[o], params: this.paramBuf!, patch: bufs.patch, idx: bufs.idx,
              baseIn: this.cache[f], baseOut: this.cache[f + 1],
            }, {
              x: { off: 0, toff: 0, gs: 0, tan: false }, y: flowRef(W[f + 1], true), w: this.base(op0.weight), ...refs,
              M, G, inF: op0.inFeatures, outF: op0.outFeatures, nU: C.length, idxOff, bInOff: s0 * W[f], bOutOff: s0 * W[f + 1],
            });
          });
          cur = o;
          width = W[f + 1];
          mode = `sparse-cols(${C.length}/${op0.inFeatures})`;
          i = first + 1;
        }
      }
    }

    // ---- the rest of the chain
    for (; i <= L; i++) {
      const op = ops[i] as Op | undefined;
      if (sparseU) {
        const U = sparseU;
        if (op?.kind === 'flatten') continue;
        if (op?.kind === 'activation') {
          const o = next(), s = cur as 0 | 1, F = W[i], nU = U.length, idxOff = idx.add(U), ii = i;
          steps.push((rec, bufs) => encodeActivation(rec, {
            src: bufs.pool[s], dst: bufs.pool[o], idx: bufs.idx, baseIn: this.cache[ii], baseOut: this.cache[ii + 1],
          }, {
            x: flowRef(nU, true), y: flowRef(nU, true), fn: op.fn, G, M, F,
            sparse: { idxOff, nU, bInOff: s0 * F, bOutOff: s0 * F },
          }));
          cur = o;
          continue;
        }
        if (op?.kind === 'linear' && isSubset(this.colSupport(op, qs), U)) {
          const o = next(), s = cur as 0 | 1, nU = U.length, idxOff = idx.add(U), ii = i;
          const refs = {
            dwd: patch.cols(op.weight, op.outFeatures, op.inFeatures, U, 'delta'),
            dwt: patch.cols(op.weight, op.outFeatures, op.inFeatures, U, 'tangent'),
            bd: op.bias && patch.has(op.bias, 'delta') ? patch.full(op.bias, 'delta') : null,
            bt: denseTangent(op.bias),
          };
          steps.push((rec, bufs) => encodeLinearSparse(rec, {
            src: bufs.pool[s], dst: bufs.pool[o], params: this.paramBuf!, patch: bufs.patch, idx: bufs.idx,
            baseIn: this.cache[ii], baseOut: this.cache[ii + 1],
          }, {
            x: flowRef(nU, true), y: flowRef(W[ii + 1], true), w: this.base(op.weight), ...refs,
            M, G, inF: op.inFeatures, outF: op.outFeatures, nU, idxOff, bInOff: s0 * W[ii], bOutOff: s0 * W[ii + 1],
          }));
          cur = o;
          sparseU = null;
          width = W[i + 1];
          continue;
        }
        if (op?.kind === 'conv2d') {
          const [C, H, Wd] = this.shapes[i];
          const plane = H * Wd;
          const Cin = channelsOf(U, plane);
          if (Cin && isSubset(this.inChannelSupport(op, qs), Cin)) {
            const o = next(), s = cur as 0 | 1, nU = U.length, idxOff = idx.add(Cin), ii = i;
            const kk = op.kernel[0] * op.kernel[1];
            const refs = {
              dwd: patch.convChannels(op.weight, op.outChannels, C, kk, Cin, 'delta'),
              dwt: patch.convChannels(op.weight, op.outChannels, C, kk, Cin, 'tangent'),
              bd: op.bias && patch.has(op.bias, 'delta') ? patch.full(op.bias, 'delta') : null,
              bt: denseTangent(op.bias),
            };
            steps.push((rec, bufs) => encodeConv2dSparse(rec, {
              src: bufs.pool[s], dst: bufs.pool[o], params: this.paramBuf!, patch: bufs.patch, idx: bufs.idx,
              baseIn: this.cache[ii], baseOut: this.cache[ii + 1],
            }, {
              x: flowRef(nU, true), y: flowRef(W[ii + 1], true), w: this.base(op.weight), ...refs,
              G, M, C, H, W: Wd, O: op.outChannels, KH: op.kernel[0], KW: op.kernel[1], SH: op.stride[0], SW: op.stride[1],
              PH: op.padding[0], PW: op.padding[1], nC: Cin.length, idxOff, bInOff: s0 * W[ii], bOutOff: s0 * W[ii + 1],
            }));
            cur = o;
            sparseU = null;
            width = W[i + 1];
            continue;
          }
        }
        // anything else (or the end): x' = x̂ + scatter(d), ẋ = scatter(ṫ)
        const o = next(), s = cur as 0 | 1, nU = U.length, F = W[i], posOff = idx.add(positionMap(U, F)), ii = i;
        steps.push((rec, bufs) => encodeDensify(rec, {
          src: bufs.pool[s], dst: bufs.pool[o], idx: bufs.idx, baseIn: this.cache[ii],
        }, { x: flowRef(nU, true), y: flowRef(F, true), G, M, F, nU, posOff, bInOff: s0 * F }));
        cur = o;
        sparseU = null;
        width = F;
        if (!op) break;
      }
      if (!op) break;
      if (!opDef(op).gpu.encode) continue;
      // dense op: from the cache (first op) or the current flow
      const o = next();
      const fromCache = cur === -1;
      const s = cur, ii = i, inW = W[i];
      const vals = opTensors(op).map((t) => [t, denseValue(t), denseTangent(t)] as const);
      const value = (t: string | null): ParamRef => (t === null ? null : vals.find((v) => v[0] === t)![1]);
      const tangent = (t: string | null): ParamRef => (t === null ? null : vals.find((v) => v[0] === t)![2]);
      steps.push((rec, bufs) => this.encodeDense(rec, ii, G, M,
        [fromCache ? { buffer: this.cache[ii], ref: { off: s0 * inW, toff: 0, gs: 0, tan: false } } : { buffer: bufs.pool[s as 0 | 1], ref: flowRef(inW, true) }],
        { buffer: bufs.pool[o], ref: flowRef(W[ii + 1], true) },
        value, tangent, bufs.patch));
      cur = o;
      width = W[i + 1];
    }

    // ---- the Fisher form, summed per query on the GPU
    const nb = fisherBlocks(M);
    const outW = W[L];
    const s = cur as 0 | 1;
    steps.push((rec, bufs) => encodeFisher(rec, { src: bufs.pool[s], dst: this.partialBuf! }, {
      x: flowRef(outW, true), G, M, width: outW, head: this.head, outOff: 0,
    }));

    // ---- upload, record, submit, read back once
    const patchData = patch.finish();
    const idxData = idx.finish();
    const poolBytes = 4 * 2 * G * M * wide;
    const bufs = {
      patch: this.ensure('patch', patchData.byteLength),
      idx: this.ensure('idx', idxData.byteLength),
      pool: [this.ensure(0, poolBytes), this.ensure(1, poolBytes)] as [GPUBuffer, GPUBuffer],
    };
    this.ensure('partial', 4 * 2 * G * nb);
    ctx.write(bufs.patch, 0, patchData);
    ctx.write(bufs.idx, 0, idxData);
    const rec = ctx.recorder();
    for (const st of steps) st(rec, bufs);
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const part = (await rec.submit({ buffer: this.partialBuf!, offset: 0, count: 2 * G * nb }))!;
    const verr = await this.device.popErrorScope();
    const merr = await this.device.popErrorScope();
    if (verr || merr) throw new Error(`WebGPU batch failed: ${(verr ?? merr)!.message}`);
    this.lastStats.batches++;
    this.lastStats.shapes.push({ first, G, M, mode });
    const sums = new Float64Array(G);
    for (let g = 0; g < G; g++) sums[g] = blockSum(part, g, nb);
    void width;
    return sums;
  }

  /**
   * One batch on a branching graph: every value the batch changes is computed dense (value and
   * tangent, θ̂ + δ per query where patched) into its own buffer, keyed by value id; a value the
   * batch does not change is read from the cache. Buffers are reused once a value's last reader
   * has been recorded, so a chain stretch needs two and a residual block three.
   */
  private async runGraphBatch(first: number, qs: FisherQuery[], s0: number, M: number): Promise<Float64Array> {
    const ctx = this.ctx!;
    const nodes = this.model.nodes;
    const G = qs.length;
    const W = this.widths;
    const patch = new PatchBuilder(qs, this.params);
    const touched = new Set<string>();
    for (const q of qs) for (const n of touchedNames(q)) touched.add(n);
    // the values this batch changes, and the last node reading each
    const changed = new Set<number>();
    const lastRead = new Map<number, number>();
    for (let i = first; i < nodes.length; i++) {
      const node = nodes[i];
      if (opTensors(node.op).some((t) => touched.has(t)) || node.inputs.some((v) => changed.has(v))) changed.add(node.id);
      for (const v of node.inputs) lastRead.set(v, i);
    }
    lastRead.set(this.model.output, nodes.length);
    let wide = 1;
    for (const v of changed) wide = Math.max(wide, W[v]);
    const flowRef = (w: number): FlowRef => ({ off: 0, toff: G * M * w, gs: M * w, tan: true });
    const denseValue = (name: string | null): ParamRef => (name === null ? null : patch.has(name, 'delta') ? patch.full(name, 'value') : this.base(name));
    const denseTangent = (name: string | null): ParamRef => (name === null ? null : patch.has(name, 'tangent') ? patch.full(name, 'tangent') : null);
    // slot of each changed value; `holders` counts the values sharing a slot (aliases)
    const slotOf = new Map<number, number>();
    const holders: number[] = [];
    const alloc = (): number => {
      let k = holders.findIndex((h) => h === 0);
      if (k < 0) k = holders.push(0) - 1;
      return k;
    };
    type Step = (rec: Recorder, slots: GPUBuffer[], patchBuf: GPUBuffer) => void;
    const steps: Step[] = [];
    for (let i = first; i < nodes.length; i++) {
      const node = nodes[i];
      if (!changed.has(node.id)) continue;
      if (!opDef(node.op).gpu.encode) {
        const k = slotOf.get(node.inputs[0])!;
        slotOf.set(node.id, k);
        holders[k]++;
      } else {
        const k = alloc();
        holders[k]++;
        slotOf.set(node.id, k);
        const ins = node.inputs.map((v) => (changed.has(v) ? { slot: slotOf.get(v)!, v } : { slot: -1, v }));
        const out = node.id;
        // the patch regions are laid out now, before the patch buffer is written
        const refs = new Map(opTensors(node.op).map((t) => [t, [denseValue(t), denseTangent(t)] as const]));
        steps.push((rec, slots, patchBuf) => this.encodeDense(rec, i, G, M,
          ins.map(({ slot, v }) => (slot < 0
            ? { buffer: this.cache[v], ref: { off: s0 * W[v], toff: 0, gs: 0, tan: false } }
            : { buffer: slots[slot], ref: flowRef(W[v]) })),
          { buffer: slots[k], ref: flowRef(W[out]) },
          (t) => (t === null ? null : refs.get(t)![0]), (t) => (t === null ? null : refs.get(t)![1]), patchBuf));
      }
      // inputs whose last reader this is free their slot
      for (const v of new Set(node.inputs)) {
        if (changed.has(v) && lastRead.get(v) === i) holders[slotOf.get(v)!]--;
      }
    }
    const outW = W[this.model.output];
    const nb = fisherBlocks(M);
    this.ensure('partial', 4 * 2 * G * nb);
    if (!changed.has(this.model.output)) return new Float64Array(G);
    const outSlot = slotOf.get(this.model.output)!;
    const patchData = patch.finish();
    const patchBuf = this.ensure('patch', patchData.byteLength);
    ctx.write(patchBuf, 0, patchData);
    const slotBytes = 4 * 2 * G * M * wide;
    const slots = holders.map((_, k) => this.ensureSlot(k, slotBytes));
    const rec = ctx.recorder();
    for (const st of steps) st(rec, slots, patchBuf);
    encodeFisher(rec, { src: slots[outSlot], dst: this.partialBuf! }, { x: flowRef(outW), G, M, width: outW, head: this.head, outOff: 0 });
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const part = (await rec.submit({ buffer: this.partialBuf!, offset: 0, count: 2 * G * nb }))!;
    const verr = await this.device.popErrorScope();
    const merr = await this.device.popErrorScope();
    if (verr || merr) throw new Error(`WebGPU batch failed: ${(verr ?? merr)!.message}`);
    this.lastStats.batches++;
    this.lastStats.shapes.push({ first, G, M, mode: `graph(${slots.length} buffers)` });
    const sums = new Float64Array(G);
    for (let g = 0; g < G; g++) sums[g] = blockSum(part, g, nb);
    return sums;
  }

  /** The k-th flow buffer of a graph batch, of at least `bytes`. */
  private ensureSlot(k: number, bytes: number): GPUBuffer {
    const cur = this.slots[k];
    if (cur && cur.size >= bytes) return cur;
    cur?.destroy();
    return (this.slots[k] = this.ctx!.storage(Math.max(bytes, 1024), `flow ${k}`));
  }

  /** One op on dense flows (prepare, and every dense step of a batch), by its registry encoder. */
  private encodeDense(
    rec: Recorder, i: number, G: number, M: number, inputs: Flow[], out: Flow,
    value: (name: string | null) => ParamRef, tangent: (name: string | null) => ParamRef, patchBuf: GPUBuffer | null,
  ): void {
    const node = this.model.nodes[i];
    const encode = opDef(node.op).gpu.encode;
    if (!encode) throw new Error(`internal: ${node.op.kind} has no kernel (its output aliases its input)`);
    encode(rec, node.op, {
      G, M, inShapes: node.inputs.map((v) => this.shapes[v]), xs: inputs, y: out, params: this.paramBuf!, patch: patchBuf, value, tangent,
    });
  }
}

/** Builds the per-batch patch buffer: each region [G][per] f32, one slot per query. */
class PatchBuilder {
  private chunks: Float32Array[] = [];
  private total = 0;
  private memo = new Map<string, ParamRef>();
  constructor(private qs: FisherQuery[], private params: ParamSet) {}

  has(name: string, which: 'delta' | 'tangent'): boolean {
    return this.qs.some((_, g) => this.patchOf(g, name, which) !== null);
  }

  private region(per: number, fill: (g: number, out: Float32Array) => void): ParamRef {
    const G = this.qs.length;
    const data = new Float32Array(G * per);
    for (let g = 0; g < G; g++) fill(g, data.subarray(g * per, (g + 1) * per));
    const off = this.total;
    this.chunks.push(data);
    this.total += data.length;
    return { src: 'patch', off, gs: per };
  }

  private memoised(key: string, make: () => ParamRef): ParamRef {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key)!;
  }

  /** The patch of query g on a tensor as (array, scale): a line point's δ is t·v, never built. */
  private patchOf(g: number, name: string, which: 'delta' | 'tangent'): { a: Float64Array; k: number } | null {
    const q = this.qs[g];
    const t = lineT(q);
    if (which === 'tangent' || t !== undefined) {
      const a = q.tangent.get(name);
      if (!a) return null;
      const k = which === 'tangent' ? 1 : t!;
      return k === 0 ? null : { a, k };
    }
    const a = q.delta.get(name);
    return a ? { a, k: 1 } : null;
  }

  /** Whole tensor per query: θ̂ + δ ('value'), δ, or the tangent. */
  full(name: string, which: 'value' | 'delta' | 'tangent'): ParamRef {
    const base = this.params.get(name)!.data;
    return this.memoised(`full:${which}:${name}`, () => this.region(base.length, (g, out) => {
      const p = this.patchOf(g, name, which === 'value' ? 'delta' : which);
      if (which === 'value') {
        if (p) for (let i = 0; i < out.length; i++) out[i] = base[i] + p.k * p.a[i];
        else out.set(base);
      } else if (p) for (let i = 0; i < out.length; i++) out[i] = p.k * p.a[i];
    }));
  }

  /** Rows U (of length rowLen) of δ or the tangent; null when no query has that patch. */
  rows(name: string, U: Int32Array, rowLen: number, which: 'delta' | 'tangent'): ParamRef {
    if (!this.has(name, which)) return null;
    return this.memoised(`rows:${which}:${name}:${U.join(',')}`, () => this.region(U.length * rowLen, (g, out) => {
      const p = this.patchOf(g, name, which);
      if (!p) return;
      U.forEach((r, a) => {
        for (let c = 0; c < rowLen; c++) out[a * rowLen + c] = p.k * p.a[r * rowLen + c];
      });
    }));
  }

  /** Columns U of a [rows][cols] δ or tangent, as [rows][|U|]; null when no query has that patch. */
  cols(name: string, rows: number, cols: number, U: Int32Array, which: 'delta' | 'tangent'): ParamRef {
    if (!this.has(name, which)) return null;
    return this.memoised(`cols:${which}:${name}:${U.join(',')}`, () => this.region(rows * U.length, (g, out) => {
      const p = this.patchOf(g, name, which);
      if (!p) return;
      const n = U.length;
      for (let r = 0; r < rows; r++) for (let a = 0; a < n; a++) out[r * n + a] = p.k * p.a[r * cols + U[a]];
    }));
  }

  /** Input channels Cin of a [O][C][kk] conv δ or tangent, as [O][|Cin|][kk]; null when no query has it. */
  convChannels(name: string, O: number, C: number, kk: number, Cin: Int32Array, which: 'delta' | 'tangent'): ParamRef {
    if (!this.has(name, which)) return null;
    return this.memoised(`conv:${which}:${name}:${Cin.join(',')}`, () => this.region(O * Cin.length * kk, (g, out) => {
      const p = this.patchOf(g, name, which);
      if (!p) return;
      const n = Cin.length;
      for (let o = 0; o < O; o++) for (let a = 0; a < n; a++) {
        const from = (o * C + Cin[a]) * kk, to = (o * n + a) * kk;
        for (let k = 0; k < kk; k++) out[to + k] = p.k * p.a[from + k];
      }
    }));
  }

  finish(): Float32Array {
    const out = new Float32Array(Math.max(this.total, 4));
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Builds the per-batch index buffer (supports and position maps). */
class IndexBuilder {
  private parts: Uint32Array[] = [];
  private total = 0;
  add(a: ArrayLike<number>): number {
    const off = this.total;
    this.parts.push(Uint32Array.from(a as ArrayLike<number>));
    this.total += a.length;
    return off;
  }
  finish(): Uint32Array {
    const out = new Uint32Array(Math.max(this.total, 4));
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** t of a straight-line point (δ = t·v), when the query says so. */
function lineT(q: FisherQuery): number | undefined {
  const t = (q as { t?: number }).t;
  return typeof t === 'number' ? t : undefined;
}

/** Tensors a query moves or differentiates along (without building a line point's δ). */
function touchedNames(q: FisherQuery): string[] {
  return lineT(q) !== undefined ? [...q.tangent.keys()] : [...q.delta.keys(), ...q.tangent.keys()];
}

/** The patches whose supports matter (a line point's δ has the tangent's support). */
function patchesOf(q: FisherQuery): TensorPatch[] {
  return lineT(q) !== undefined ? [q.tangent] : [q.delta, q.tangent];
}

function indices(hit: Uint8Array): Int32Array {
  let k = 0;
  for (const h of hit) k += h;
  const out = new Int32Array(k);
  k = 0;
  for (let i = 0; i < hit.length; i++) if (hit[i]) out[k++] = i;
  return out;
}

function union(a: Int32Array, b: Int32Array, n: number): Int32Array {
  const hit = new Uint8Array(n);
  for (const i of a) hit[i] = 1;
  for (const i of b) hit[i] = 1;
  return indices(hit);
}

function isSubset(a: Int32Array, U: Int32Array): boolean {
  const s = new Set(U);
  for (const i of a) if (!s.has(i)) return false;
  return true;
}

/** The channels of a channel-aligned support (whole planes, in order), or null if it is not one. */
function channelsOf(U: Int32Array, plane: number): Int32Array | null {
  if (U.length % plane !== 0) return null;
  const n = U.length / plane;
  const ch = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    const c = U[a * plane] / plane;
    if (!Number.isInteger(c)) return null;
    for (let p = 0; p < plane; p++) if (U[a * plane + p] !== c * plane + p) return null;
    ch[a] = c;
  }
  return ch;
}

function expandChannels(ch: Int32Array, plane: number): Int32Array {
  const out = new Int32Array(ch.length * plane);
  ch.forEach((c, a) => {
    for (let p = 0; p < plane; p++) out[a * plane + p] = c * plane + p;
  });
  return out;
}

export type { TensorPatch };
