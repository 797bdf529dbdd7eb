/**
 * A WebGPU device in Node through Dawn (the `webgpu` package). The GPU object returned by
 * `create()` is kept referenced for the life of the process: Dawn crashes later if it is
 * collected. Returns null when Dawn finds no adapter (e.g. no Vulkan driver: run under
 * `node scripts/with-swiftshader.mjs …`, see node-env.ts).
 */
import { requestEngineDevice, type EngineDevice } from './device.ts';

let gpuInstance: GPU | null = null;
let loadError: Error | null = null;

/** Dawn's GPU object, created once (with WebGPU's globals installed on globalThis). */
export async function nodeGpu(): Promise<GPU | null> {
  if (gpuInstance) return gpuInstance;
  if (loadError) return null;
  try {
    const pkg = 'webgpu'; // a Node-only package: hidden from the browser bundler
    const mod = (await import(/* @vite-ignore */ pkg)) as { create: (o: string[]) => GPU; globals: object };
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    gpuInstance = mod.create([]);
    (globalThis as { __deadscopeDawn?: GPU }).__deadscopeDawn = gpuInstance; // never collected
    return gpuInstance;
  } catch (e) {
    loadError = e as Error;
    return null;
  }
}

/** Why nodeGpu() returned null, if it did. */
export function nodeGpuError(): Error | null {
  return loadError;
}

export async function createNodeDevice(): Promise<EngineDevice | null> {
  const gpu = await nodeGpu();
  if (!gpu) return null;
  return requestEngineDevice(gpu);
}
