/**
 * Shared setup of the WebGPU tests: one Dawn device per test file (SwiftShader in CI, started
 * by `node scripts/with-swiftshader.mjs npx vitest run test/webgpu`). Tests skip — saying why —
 * only when no adapter exists at all.
 */
import { KERNELS } from '../../src/engine/webgpu/kernels.ts';
import { createNodeDevice, nodeGpuError } from '../../src/engine/webgpu/node-device.ts';
import { GpuContext, readFloats, type FlowRef } from '../../src/engine/webgpu/context.ts';
import type { EngineDevice } from '../../src/engine/webgpu/device.ts';
import { createRng } from '../../src/math/random.ts';

export interface TestGpu { dev: EngineDevice; ctx: GpuContext }

let shared: Promise<TestGpu | null> | null = null;

export function testGpu(): Promise<TestGpu | null> {
  shared ??= (async () => {
    const dev = await createNodeDevice();
    if (!dev) return null;
    dev.device.onuncapturederror = (e) => {
      console.error('uncaptured WebGPU error:', (e as GPUUncapturedErrorEvent).error.message);
    };
    const ctx = await GpuContext.create(dev.device, KERNELS);
    return { dev, ctx };
  })();
  return shared;
}

export function skipNote(gpu: TestGpu | null): string {
  if (gpu) return '';
  const why = nodeGpuError()?.message ?? 'Dawn found no adapter (no Vulkan driver)';
  return ` [SKIPPED: no WebGPU adapter: ${why}; run under node scripts/with-swiftshader.mjs]`;
}

export function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const rng = createRng(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * rng.normal();
  return a;
}

/** Round to f32, as the GPU sees the data. */
export const f32 = (a: Float64Array): Float64Array => Float64Array.from(Float32Array.from(a));

/** max |a − b| / max |b|: the error relative to the tensor's scale. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** A flow buffer [value | tangent], G queries of `per` elements each. */
export function flowBuffer(
  gpu: TestGpu, G: number, per: number, value: Float64Array | null, tangent: Float64Array | null, label: string,
): { buffer: GPUBuffer; ref: FlowRef } {
  const n = G * per;
  const data = new Float32Array(2 * n);
  if (value) data.set(Float32Array.from(value), 0);
  if (tangent) data.set(Float32Array.from(tangent), n);
  return { buffer: gpu.ctx.upload(data, label), ref: { off: 0, toff: n, gs: per, tan: tangent !== null } };
}

export async function readFlow(gpu: TestGpu, buffer: GPUBuffer, G: number, per: number): Promise<{ y: Float64Array; dy: Float64Array }> {
  const all = await readFloats(gpu.ctx, buffer, 0, 2 * G * per);
  return { y: Float64Array.from(all.subarray(0, G * per)), dy: Float64Array.from(all.subarray(G * per)) };
}

/** Slice group g of a [G][per] array. */
export const group = (a: Float64Array, g: number, per: number): Float64Array => a.subarray(g * per, (g + 1) * per);

/** Errors measured by the tests, printed once at the end of a file (for BENCHMARKS.md). */
export const measured: Record<string, number> = {};
export function record(name: string, err: number): number {
  measured[name] = Math.max(measured[name] ?? 0, err);
  return err;
}
