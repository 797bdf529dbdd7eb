/**
 * Choosing the engine of a read.
 *
 *   createEngine('cpu', env)    → the f64 CPU engine
 *   createEngine('webgpu', env) → the WebGPU engine; throws NoAdapterError when there is no adapter
 *   createEngine('auto', env)   → WebGPU when an adapter exists, else the CPU engine
 *
 * env 'browser' (page or worker) asks navigator.gpu; env 'node' asks Dawn (the `webgpu`
 * package; on a machine without a GPU driver start the process under
 * `node scripts/with-swiftshader.mjs …`). The Node device module is loaded only on the Node path,
 * through an import the bundler does not follow, so the browser build never sees Dawn.
 */
import type { FisherEngine } from './types.ts';
import { CpuEngine } from './cpu/engine.ts';
import { WebGpuEngine, type WebGpuEngineOptions } from './webgpu/engine.ts';
import { requestEngineDevice, type EngineDevice } from './webgpu/device.ts';

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

export async function createEngine(backend: Backend, env: Runtime, options: WebGpuEngineOptions = {}): Promise<FisherEngine> {
  if (backend === 'cpu') return new CpuEngine();
  const dev = await findDevice(env);
  if ('device' in dev) return new WebGpuEngine(dev.device, dev.description, options);
  if (backend === 'webgpu') throw new NoAdapterError(dev.reason);
  return new CpuEngine();
}
