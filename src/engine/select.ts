/**
 * Choosing the engine of a read.
 *
 *   createEngine('cpu', env)    → the f64 CPU engine
 *   createEngine('webgpu', env) → the WebGPU engine; throws NoAdapterError when there is no adapter
 *   createEngine('auto', env)   → WebGPU on a hardware adapter; the CPU engine when there is none
 *                                 or when the only one is a fallback (software) adapter such as
 *                                 SwiftShader, which runs the same work 8–14× slower (BENCHMARKS.md)
 *
 * env 'browser' (page or worker) asks navigator.gpu; env 'node' asks Dawn (the `webgpu`
 * package; on a machine without a GPU driver start the process under
 * `node scripts/with-swiftshader.mjs …`). The Node device module is loaded only on the Node path,
 * through an import the bundler does not follow, so the browser build never sees Dawn.
 */
import type { FisherEngine } from './types.ts';
import { CpuEngine } from './cpu/engine.ts';
import type { Precision } from '../fast/unit-scan.ts';
import { WebGpuEngine, type WebGpuEngineOptions } from './webgpu/engine.ts';
import { isCpuAdapter, requestEngineDevice, type EngineDevice } from './webgpu/device.ts';

export type Backend = 'auto' | 'cpu' | 'webgpu';
export type Runtime = 'node' | 'browser';

export class NoAdapterError extends Error {
  constructor(reason: string) {
    super(`no WebGPU adapter: ${reason}`);
    this.name = 'NoAdapterError';
  }
}

const NODE_DEVICE = './webgpu/node-device.ts';

/** A WebGPU device for this runtime, or the reason there is none. */
export async function findDevice(env: Runtime): Promise<EngineDevice | { reason: string }> {
  try {
    if (env === 'browser') {
      const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
      if (!gpu) return { reason: 'navigator.gpu is not available (WebGPU disabled or unsupported)' };
      return (await requestEngineDevice(gpu)) ?? { reason: 'navigator.gpu.requestAdapter() returned null' };
    }
    const mod = (await import(/* @vite-ignore */ NODE_DEVICE)) as typeof import('./webgpu/node-device.ts');
    const dev = await mod.createNodeDevice();
    if (dev) return dev;
    const err = mod.nodeGpuError();
    return { reason: err ? `Dawn failed to load (${err.message})` : 'Dawn found no adapter (no Vulkan driver: run under scripts/with-swiftshader.mjs)' };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/** What an adapter search found: an adapter (described, and whether it is a software one) or why none. */
export type AdapterFound = { description: string; fallback: boolean } | { reason: string };

/** Which engine a backend setting runs on, given what the adapter search found, and why. */
export function chooseEngine(backend: Backend, found: AdapterFound | null): { engine: 'cpu' | 'webgpu'; why: string } {
  if (backend === 'cpu') return { engine: 'cpu', why: 'cpu requested' };
  if (found === null || 'reason' in found) {
    const reason = found?.reason ?? 'not searched';
    if (backend === 'webgpu') throw new NoAdapterError(reason);
    return { engine: 'cpu', why: `auto: no WebGPU adapter (${reason})` };
  }
  if (backend === 'webgpu') return { engine: 'webgpu', why: `webgpu requested (${found.description})` };
  if (found.fallback) {
    return { engine: 'cpu', why: `auto: the WebGPU adapter is a fallback (software) adapter, slower than the CPU engine (${found.description})` };
  }
  return { engine: 'webgpu', why: `auto: hardware WebGPU adapter (${found.description})` };
}

/** Whether an adapter is a software one: it says so (isFallbackAdapter) or its name is a known CPU rasteriser. */
export function isFallbackDevice(dev: EngineDevice): boolean {
  const info = dev.adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (dev.adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return Boolean(info?.isFallbackAdapter || legacy) || isCpuAdapter(dev.description);
}

export async function createEngine(
  backend: Backend, env: Runtime, options: WebGpuEngineOptions = {}, precision: Precision = 'f32',
): Promise<FisherEngine> {
  const dev = backend === 'cpu' ? null : await findDevice(env);
  const found: AdapterFound | null = dev === null ? null : 'device' in dev ? { description: dev.description, fallback: isFallbackDevice(dev) } : dev;
  const choice = chooseEngine(backend, found);
  let engine: FisherEngine;
  if (choice.engine === 'webgpu' && dev && 'device' in dev) engine = new WebGpuEngine(dev.device, dev.description, options);
  else {
    if (dev && 'device' in dev) dev.device.destroy(); // a software adapter left unused
    engine = new CpuEngine({ precision });
  }
  engine.choice = choice.why;
  return engine;
}
