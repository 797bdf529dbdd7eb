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

/**
 * Dawn reaches GPUs through Vulkan on Linux. Without a Vulkan loader it can only fail, after
 * printing a warning on stderr; checking first keeps `--backend auto` quiet on such machines.
 * An explicit ICD list (VK_ICD_FILENAMES / VK_DRIVER_FILES) is always handed to Dawn as it is.
 */
async function vulkanLoaderMissing(): Promise<boolean> {
  if (process.platform !== 'linux' || process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES) return false;
  const { existsSync } = await import('node:fs');
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/lib',
  ];
  return !dirs.some((d) => existsSync(`${d}/libvulkan.so.1`));
}

export async function createNodeDevice(): Promise<EngineDevice | null> {
  if (!gpuInstance && !loadError && (await vulkanLoaderMissing())) {
    loadError = new Error('no Vulkan loader (libvulkan.so.1) on this machine; for a software adapter run under scripts/with-swiftshader.mjs');
  }
  const gpu = await nodeGpu();
  if (!gpu) return null;
  return requestEngineDevice(gpu);
}
