/**
 * The GPU plumbing every dispatcher shares: the one bind-group layout of
 * shaders/common/bindings.wgsl, the compiled pipelines, a uniform arena, and a recorder that
 * turns a list of dispatches into one command buffer (one compute pass) plus an optional
 * readback.
 */
import { shaderSource } from './shaderSource.ts';

/** A kernel: the stem of its .wgsl file (kernels.ts lists them all). */
export type KernelName = string;

/** A flow region: value at `off`, tangent at `toff`, queries `gs` apart (f32 elements). */
export interface FlowRef { off: number; toff: number; gs: number; tan: boolean }
/** A parameter tensor: in the checkpoint buffer or this batch's patch buffer; null = absent. */
/**
 * Where a kernel reads a tensor: a checkpoint tensor in the params buffer in its stored dtype
 * (`half` for F16/BF16, whose offset counts 16-bit elements; see shaders/common/bindings.wgsl),
 * or an f32 region of the patch buffer.
 */
export type ParamRef = { src: 'params' | 'patch'; off: number; gs: number; half?: 'F16' | 'BF16' } | null;

/** Ref.src of bindings.wgsl. */
const REF_SOURCE = { f32: 0, patch: 1, F16: 2, BF16: 3 } as const;

/** A flow in a buffer: the buffer and the region of it. */
export interface FlowAt { buffer: GPUBuffer; ref: FlowRef }

/** What an op's encoder gets for a dense batch of G queries × M samples (src/ops/<kind>/gpu.ts). */
export interface GpuEncodeArgs {
  G: number;
  M: number;
  /** per-sample input shapes */
  inShapes: number[][];
  xs: FlowAt[];
  y: FlowAt;
  params: GPUBuffer;
  patch: GPUBuffer | null;
  /** where the value θ̂ + δ of a tensor is for this batch (null name = absent tensor) */
  value(name: string | null): ParamRef;
  /** where the tangent of a tensor is (null = zero) */
  tangent(name: string | null): ParamRef;
}

/** The bindings of a one-input op's dispatch. */
export const singleInputBindings = (a: GpuEncodeArgs): Bindings => ({ src: a.xs[0].buffer, dst: a.y.buffer, params: a.params, patch: a.patch ?? undefined });

/** The buffers of one dispatch (absent read-only ones are bound to a dummy). */
export interface Bindings {
  src: GPUBuffer;
  dst: GPUBuffer;
  params?: GPUBuffer;
  patch?: GPUBuffer;
  baseIn?: GPUBuffer;
  baseOut?: GPUBuffer;
  idx?: GPUBuffer;
}

/** Builds a kernel's uniform struct word by word, in its WGSL field order. */
export class UniformWords {
  private words: number[] = [];
  private static f = new Float32Array(1);
  private static u = new Uint32Array(UniformWords.f.buffer);
  flow(f: FlowRef): this {
    this.words.push(f.off, f.toff, f.gs, f.tan ? 1 : 0);
    return this;
  }
  ref(r: ParamRef): this {
    if (r) this.words.push(r.src === 'patch' ? REF_SOURCE.patch : REF_SOURCE[r.half ?? 'f32'], r.off, r.gs, 1);
    else this.words.push(0, 0, 0, 0);
    return this;
  }
  u32(...v: number[]): this {
    for (const x of v) {
      if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`uniform u32 out of range: ${x}`);
      this.words.push(x);
    }
    return this;
  }
  f32(v: number): this {
    UniformWords.f[0] = v;
    this.words.push(UniformWords.u[0]);
    return this;
  }
  finish(): Uint32Array {
    const n = Math.ceil(this.words.length / 4) * 4;
    const out = new Uint32Array(Math.max(n, 4));
    out.set(this.words);
    return out;
  }
}

const contexts = new WeakMap<GPUDevice, Promise<GpuContext>>();

const SLOT = 256; // minUniformBufferOffsetAlignment is at most 256

interface Pending { kernel: string; words: Uint32Array; bind: Bindings; groups: [number, number, number] }

export class GpuContext {
  readonly device: GPUDevice;
  readonly layout: GPUBindGroupLayout;
  private pipelineLayout: GPUPipelineLayout;
  private pipelines = new Map<string, GPUComputePipeline>();
  /**
   * A CPU implementation of WebGPU (SwiftShader): there every invocation of a workgroup that uses
   * a barrier runs as a coroutine, so kernels pick their barrier-free entry points (`main_simple`).
   * Set by the engine from the adapter description; tests set it to cover both paths.
   */
  cpuLike = false;
  private dummy: GPUBuffer;
  private arena: GPUBuffer | null = null;
  private readbacks: GPUBuffer[] = [];
  /** dispatches recorded since the context was created (for tests and benchmarks) */
  dispatches = 0;

  private constructor(device: GPUDevice) {
    this.device = device;
    const ro = (binding: number): GPUBindGroupLayoutEntry => ({
      binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' },
    });
    this.layout = device.createBindGroupLayout({
      label: 'deadscope kernels',
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        ro(1),
        { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
        ro(3), ro(4), ro(5), ro(6), ro(7),
      ],
    });
    this.pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
    this.dummy = device.createBuffer({ label: 'dummy', size: 16, usage: GPUBufferUsage.STORAGE });
  }

  /** Compile the kernels (once per device: the context is shared by every engine on it). */
  static create(device: GPUDevice, kernels: readonly KernelName[]): Promise<GpuContext> {
    let p = contexts.get(device);
    if (!p) {
      p = (async () => {
        const ctx = new GpuContext(device);
        await Promise.all(kernels.map((k) => ctx.compile(k)));
        return ctx;
      })();
      contexts.set(device, p);
      p.catch(() => contexts.delete(device));
    }
    return p;
  }

  private async compile(name: KernelName): Promise<void> {
    const code = await shaderSource(name);
    const module = this.device.createShaderModule({ label: name, code });
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) {
      throw new Error(`WGSL ${name}: ${errors.map((e) => `${e.lineNum}:${e.linePos} ${e.message}`).join('; ')}`);
    }
    const entries = ['main', ...[...code.matchAll(/fn\s+(main_\w+)\s*\(/g)].map((m) => m[1])];
    await Promise.all(entries.map(async (entryPoint) => {
      const pipeline = await this.device.createComputePipelineAsync({
        label: `${name}:${entryPoint}`, layout: this.pipelineLayout, compute: { module, entryPoint },
      });
      this.pipelines.set(entryPoint === 'main' ? name : `${name}:${entryPoint}`, pipeline);
    }));
  }

  /** A storage buffer of at least `bytes` (STORAGE | COPY_SRC | COPY_DST). */
  storage(bytes: number, label: string): GPUBuffer {
    return this.device.createBuffer({
      label, size: Math.max(16, Math.ceil(bytes / 16) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** Upload numbers as f32 (or u32 for an Uint32Array) into a new storage buffer. */
  upload(data: ArrayLike<number> | Float32Array | Uint32Array, label: string): GPUBuffer {
    const arr = data instanceof Float32Array || data instanceof Uint32Array ? data : Float32Array.from(data);
    const buf = this.storage(arr.byteLength, label);
    if (arr.byteLength) this.device.queue.writeBuffer(buf, 0, arr.buffer, arr.byteOffset, arr.byteLength);
    return buf;
  }

  /** Write f32/u32 data at an element offset. */
  write(buf: GPUBuffer, elementOffset: number, arr: Float32Array | Uint32Array): void {
    if (arr.byteLength) this.device.queue.writeBuffer(buf, elementOffset * 4, arr.buffer, arr.byteOffset, arr.byteLength);
  }

  recorder(): Recorder {
    return new Recorder(this);
  }

  /** @internal used by Recorder */
  submit(list: Pending[], copies: { from: GPUBuffer; offset: number; bytes: number; to: GPUBuffer }[]): void {
    const { device } = this;
    const need = list.length * SLOT;
    if (need && (!this.arena || this.arena.size < need)) {
      this.arena?.destroy();
      this.arena = device.createBuffer({
        label: 'uniform arena', size: Math.max(need, 64 * SLOT), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
    }
    if (need) {
      const staging = new Uint8Array(need);
      list.forEach((p, i) => staging.set(new Uint8Array(p.words.buffer, p.words.byteOffset, p.words.byteLength), i * SLOT));
      device.queue.writeBuffer(this.arena!, 0, staging);
    }
    const encoder = device.createCommandEncoder();
    if (list.length) {
      const pass = encoder.beginComputePass();
      list.forEach((p, i) => {
        const b = p.bind;
        const group = device.createBindGroup({
          layout: this.layout,
          entries: [
            { binding: 0, resource: { buffer: this.arena!, offset: i * SLOT, size: p.words.byteLength } },
            { binding: 1, resource: { buffer: b.src } },
            { binding: 2, resource: { buffer: b.dst } },
            { binding: 3, resource: { buffer: b.params ?? this.dummy } },
            { binding: 4, resource: { buffer: b.patch ?? this.dummy } },
            { binding: 5, resource: { buffer: b.baseIn ?? this.dummy } },
            { binding: 6, resource: { buffer: b.baseOut ?? this.dummy } },
            { binding: 7, resource: { buffer: b.idx ?? this.dummy } },
          ],
        });
        pass.setPipeline(this.pipelines.get(p.kernel)!);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(p.groups[0], p.groups[1], p.groups[2]);
      });
      pass.end();
      this.dispatches += list.length;
    }
    for (const c of copies) encoder.copyBufferToBuffer(c.from, c.offset, c.to, 0, c.bytes);
    device.queue.submit([encoder.finish()]);
  }

  /** A MAP_READ buffer of at least `bytes`, reused (one per concurrent readback slot). */
  readback(bytes: number, slot = 0): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const cur = this.readbacks[slot];
    if (cur && cur.size >= size) return cur;
    cur?.destroy();
    const buf = this.device.createBuffer({ label: `readback ${slot}`, size: Math.max(size, 4096), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.readbacks[slot] = buf;
    return buf;
  }

  /** Free the context's own buffers (the device's other users keep working; it is rebuilt on demand). */
  destroy(): void {
    contexts.delete(this.device);
    this.arena?.destroy();
    this.arena = null;
    this.dummy.destroy();
    for (const r of this.readbacks) r?.destroy();
    this.readbacks = [];
  }
}

/** Collects dispatches; `submit` encodes them into one compute pass and one command buffer. */
export class Recorder {
  private list: Pending[] = [];
  private copies: { from: GPUBuffer; offset: number; bytes: number; to: GPUBuffer }[] = [];
  constructor(readonly ctx: GpuContext) {}

  /** `kernel` is a KernelName (entry point main) or `name:entryPoint`. */
  dispatch(kernel: KernelName | `${KernelName}:${string}`, words: Uint32Array, bind: Bindings, groups: [number, number, number]): void {
    const lim = this.ctx.device.limits.maxComputeWorkgroupsPerDimension;
    if (groups.some((g) => g > lim)) throw new Error(`${kernel}: dispatch ${groups.join('×')} exceeds ${lim} per dimension`);
    if (groups.some((g) => g === 0)) return;
    this.list.push({ kernel, words, bind, groups });
  }

  /** A 1-D job of `total` invocations in workgroups of 256, laid over a 2-D grid. */
  dispatch1D(kernel: KernelName | `${KernelName}:${string}`, words: Uint32Array, bind: Bindings, total: number): void {
    const wgs = Math.ceil(total / 256);
    if (wgs === 0) return;
    const lim = this.ctx.device.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.min(wgs, lim);
    const y = Math.ceil(wgs / x);
    this.dispatch(kernel, words, bind, [x, y, 1]);
  }

  get length(): number {
    return this.list.length;
  }

  /** Submit; when `read` is given, copy that range into a readback buffer and return its contents. */
  async submit(read?: { buffer: GPUBuffer; offset: number; count: number; slot?: number }): Promise<Float32Array | null> {
    if (!read) {
      this.ctx.submit(this.list, []);
      this.list = [];
      return null;
    }
    const bytes = read.count * 4;
    const rb = this.ctx.readback(bytes, read.slot ?? 0);
    this.copies.push({ from: read.buffer, offset: read.offset * 4, bytes: Math.ceil(bytes / 4) * 4, to: rb });
    this.ctx.submit(this.list, this.copies);
    this.list = [];
    this.copies = [];
    await rb.mapAsync(GPUMapMode.READ, 0, Math.ceil(bytes / 16) * 16 || 16);
    const out = new Float32Array(read.count);
    out.set(new Float32Array(rb.getMappedRange(0, Math.ceil(bytes / 16) * 16 || 16), 0, read.count));
    rb.unmap();
    return out;
  }
}

/** Read `count` f32 from a storage buffer (tests, debugging). */
export async function readFloats(ctx: GpuContext, buffer: GPUBuffer, offset: number, count: number): Promise<Float32Array> {
  return (await ctx.recorder().submit({ buffer, offset, count }))!;
}
