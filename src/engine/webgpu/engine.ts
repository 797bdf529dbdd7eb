/**
 * The WebGPU engine: the same directional Fisher as the f64 CPU engine (METHOD §1), in f32 on
 * the GPU, many queries × probe samples per dispatch. An interpreter of the graph by value id:
 *
 * prepare: uploads the checkpoint (one f32 buffer, every tensor at a fixed offset) and the probe
 * inputs, and runs the forward pass once with each node's registry encoder, keeping every value
 * on the GPU (`cache[v]`, N × size). A query starts at the first node its patches touch.
 *
 * directionalFisher: queries are grouped by that first node and cut into batches of G queries ×
 * M samples (G, M from the adapter's buffer limits and a work cap). A batch is one command
 * buffer and one readback of G × ⌈M/256⌉ partial sums, added up in f64 here. Its plan: a chain
 * runs the sparse plan (plan-chain.ts), a branching graph the dense value-keyed plan
 * (plan-graph.ts); patches.ts packs the per-query data, supports.ts finds where queries act,
 * buffers.ts holds the reused buffers.
 */
import { graphOps, isChain, opTensors, valueShapes, size, type ModelGraph, type Op } from '../../model/graph.ts';
import { opDef } from '../../ops/registry.ts';
import {
  CancelledError, type EngineProgress, type FisherEngine, type FisherQuery, type Head, type ParamSet, type ProbeSet,
  touchedTensors,
} from '../types.ts';
import { GpuContext, type ParamRef } from './context.ts';
import { elementsOf, HalfTensor, type HeldTensor } from '../../format/held-tensor.ts';
import { isCpuAdapter, requestEngineDevice } from './device.ts';
import { KERNELS } from './kernels.ts';
import { evaluateDense } from '../../ops/interpret.ts';
import { tokenInputError } from '../../ops/embedding/definition.ts';
import { paramsError } from '../../model/params-check.ts';
import { BatchBuffers } from './buffers.ts';
import { rowSupport } from './supports.ts';
import { encodeNode, type PreparedGraph, type WebGpuStats } from './prepared.ts';
import { runChainBatch } from './plan-chain.ts';
import { runGraphBatch } from './plan-graph.ts';
import { isPlainLinear } from '../../ops/linear/definition.ts';

export type { WebGpuStats };

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

export class WebGpuEngine implements FisherEngine {
  readonly name = 'webgpu' as const;
  readonly precision = 'f32' as const;
  readonly description: string;
  readonly device: GPUDevice;
  private ctx: GpuContext | null = null;
  private opts: Required<WebGpuEngineOptions>;
  private p: PreparedGraph | null = null;
  private probe!: ProbeSet;
  private values64: Float64Array[] | null = null;
  /** a chain runs the sparse plan; a branching graph the dense value-keyed plan */
  private chain = true;
  private firstOpOf = new Map<string, number>();
  private owned: GPUBuffer[] = [];
  private buffers: BatchBuffers | null = null;
  lastStats: WebGpuStats = { batches: 0, queries: 0, shapes: [], dispatches: 0 };
  /** bytes of the last prepared graph's params buffer: its tensors in their stored dtype */
  paramBufferBytes = 0;

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
    this.buffers ??= new BatchBuffers(ctx);
    this.chain = isChain(model);
    this.probe = probe;
    this.values64 = null;
    const ops = graphOps(model);
    const shapes = valueShapes(model);
    const widths = shapes.map(size);
    const n = probe.count;
    if (size(probe.shape) !== widths[0]) {
      throw new Error(`probe sample shape [${probe.shape}] does not match the model input [${model.inputShape}]`);
    }
    // token ids travel as f32 numbers (exact below 2^24); the kernels read rows by them
    // a tensor smaller than its op needs would be read past its end (into its neighbour) on the GPU
    const bad = paramsError(model, params) ?? tokenInputError(model.nodes, probe.data);
    if (bad) throw new Error(bad);
    // parameters: one buffer, each tensor once, in its stored dtype (F16/BF16 as their words,
    // two per u32; the kernels decode as they load), each at a whole u32 word
    this.firstOpOf.clear();
    // where each tensor sits in the buffer, as the kernels read it (offsets in its stored elements)
    const refOf = new Map<string, NonNullable<ParamRef>>();
    let words = 0;
    ops.forEach((op, i) => {
      for (const t of opTensors(op)) {
        if (!this.firstOpOf.has(t)) this.firstOpOf.set(t, i);
        if (refOf.has(t)) continue;
        const p = params.get(t);
        if (!p) throw new Error(`missing tensor ${t}`);
        if (p instanceof HalfTensor) {
          refOf.set(t, { src: 'params', off: 2 * words, gs: 0, half: p.dtype });
          words += Math.ceil(p.words.length / 2);
        } else {
          refOf.set(t, { src: 'params', off: words, gs: 0 });
          words += p.data.length;
        }
      }
    });
    const paramBuf = this.own(ctx.storage(4 * Math.max(words, 4), 'params'));
    this.paramBufferBytes = 4 * words;
    for (const [t, r] of refOf) ctx.write(paramBuf, r.half ? r.off / 2 : r.off, heldWords(params.get(t)!));
    // activations at every op input, computed once
    const limit = Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize);
    const cache = [this.own(ctx.upload(Float32Array.from(probe.data), 'cache 0'))];
    const p: PreparedGraph = {
      ctx, device: this.device, model, ops, params, head, n, shapes, widths, cache, paramBuf,
      base: (name) => (name === null ? null : refOf.get(name)!),
    };
    const rec = ctx.recorder();
    const whole = { off: 0, toff: 0, gs: 0, tan: false };
    model.nodes.forEach((node, i) => {
      if (!opDef(node.op).gpu.encode) {
        cache[node.id] = cache[node.inputs[0]];
        return;
      }
      const bytes = 4 * n * widths[node.id];
      if (bytes > limit) {
        throw new Error(`activations after op ${i} (${bytes} bytes for ${n} probes) exceed this GPU's buffer limit ${limit}`);
      }
      cache[node.id] = this.own(ctx.storage(bytes, `cache ${node.id}`));
      encodeNode(p, rec, i, 1, n, node.inputs.map((v) => ({ buffer: cache[v], ref: whole })),
        { buffer: cache[node.id], ref: whole }, p.base, () => null, null);
    });
    this.device.pushErrorScope('validation');
    await rec.submit();
    await this.device.queue.onSubmittedWorkDone();
    const err = await this.device.popErrorScope();
    if (err) throw new Error(`WebGPU prepare failed: ${err.message}`);
    this.p = p;
  }

  /**
   * The f64 values for detectors' statistics: from the f64 reference interpreter, not the f32
   * GPU cache, so a read's candidates do not depend on the engine. Computed once, on demand.
   */
  async values(): Promise<Float64Array[]> {
    const p = this.p!;
    this.values64 ??= evaluateDense(p.model, p.params, this.probe.data, this.probe.count, { keepValues: true }).values!;
    return this.values64;
  }

  /** Read back the cached value v (tests). */
  async activation(v: number): Promise<Float32Array> {
    const p = this.p!;
    return (await p.ctx.recorder().submit({ buffer: p.cache[v], offset: 0, count: p.n * p.widths[v] }))!;
  }

  async directionalFisher(
    queries: FisherQuery[],
    options: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void } = {},
  ): Promise<Float64Array> {
    const p = this.p;
    if (!p || !this.buffers) throw new Error('WebGpuEngine: prepare() first');
    const { signal, onProgress } = options;
    const Q = queries.length;
    const out = new Float64Array(Q);
    const L = p.ops.length;
    const dispatches0 = p.ctx.dispatches;
    this.lastStats = { batches: 0, queries: Q, shapes: [], dispatches: 0 };
    if (signal?.aborted) throw new CancelledError();
    // first op of every query
    const byFirst = new Map<number, number[]>();
    for (let q = 0; q < Q; q++) {
      let first = L;
      for (const name of touchedTensors(queries[q])) {
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
        for (let s0 = 0; s0 < p.n; s0 += M) {
          if (signal?.aborted) throw new CancelledError();
          const m = Math.min(M, p.n - s0);
          const batch = qs.map((q) => queries[q]);
          const plan = this.chain ? runChainBatch : runGraphBatch;
          const part = await plan(p, this.buffers, this.lastStats, first, batch, s0, m);
          for (let g = 0; g < qs.length; g++) sums[g] += part[g];
        }
        qs.forEach((q, g) => (out[q] = sums[g] / p.n));
        done += qs.length;
        onProgress?.({ done, total: Q });
      }
    }
    this.lastStats.dispatches = p.ctx.dispatches - dispatches0;
    return out;
  }

  dispose(): void {
    this.releaseData();
    this.buffers?.destroy();
    this.buffers = null;
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
    this.p = null;
  }

  private rowKey(first: number, q: FisherQuery): string {
    const op = this.p!.ops[first];
    if ((op.kind !== 'linear' || !isPlainLinear(op)) && op.kind !== 'conv2d') return '';
    const rows = op.kind === 'linear' ? op.outFeatures : op.outChannels;
    return Array.from(rowSupport(this.p!.params, op, [q], rows)).join(',');
  }

  /** Queries per batch and samples per batch for a group starting at op `first`. */
  private batchShape(first: number, qs: FisherQuery[]): { G: number; M: number } {
    const p = this.p!;
    const L = p.ops.length;
    let wide = 1;
    for (let i = first; i <= L; i++) wide = Math.max(wide, p.widths[i]);
    // upper bound of the patch floats per query: values/deltas and tangents of touched tensors
    const touched = new Set<string>();
    for (const q of qs) for (const k of touchedTensors(q)) touched.add(k);
    let patchPer = 0;
    for (const t of touched) patchPer += 2 * elementsOf(p.params.get(t)!);
    const maxFloats = Math.floor(this.opts.maxBufferBytes / 4);
    let M = Math.min(p.n, this.opts.maxSamplesPerBatch);
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
}

/**
 * A held tensor's bytes for the params buffer, as u32 words: F32 its own bytes, F16/BF16 its
 * words (padded to a whole u32 when odd), F64 converted to float32 (the engine computes in f32).
 */
function heldWords(t: HeldTensor): Uint32Array {
  if (t instanceof HalfTensor) {
    const w = t.words;
    if (w.length % 2 === 0 && w.byteOffset % 4 === 0) return new Uint32Array(w.buffer, w.byteOffset, w.length / 2);
    const padded = new Uint16Array(w.length + (w.length % 2));
    padded.set(w);
    return new Uint32Array(padded.buffer);
  }
  const f = t.data instanceof Float32Array ? t.data : new Float32Array(t.data);
  return new Uint32Array(f.buffer, f.byteOffset, f.length);
}
