/**
 * Asking an adapter for the device the engine wants: the adapter's own storage limits (the
 * defaults are far below what desktop GPUs and SwiftShader allow) and a readable description.
 * Works with navigator.gpu (browser, worker) and with Dawn's GPU object (Node).
 */

export interface EngineDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  description: string;
}

export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description]
    .filter((s): s is string => Boolean(s && s.trim()))
    .map((s) => s.trim());
  const uniq = parts.filter((s, i) => parts.indexOf(s) === i);
  const fallback = info && 'isFallbackAdapter' in info && (info as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  return `${uniq.join(' · ') || 'unknown adapter'}${fallback ? ' (fallback adapter)' : ''}`;
}

/**
 * Whether an adapter runs WebGPU on the CPU (SwiftShader, lavapipe/llvmpipe, WARP): kernels then
 * avoid workgroup barriers (see GpuContext.cpuLike).
 */
export function isCpuAdapter(description: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|\bwarp\b|basic render|fallback adapter/i.test(description);
}

export async function requestEngineDevice(gpu: GPU, options: GPURequestAdapterOptions = {}): Promise<EngineDevice | null> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', ...options });
  if (!adapter) return null;
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    label: 'deadscope',
    requiredLimits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(l.maxStorageBuffersPerShaderStage, 10),
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  return { device, adapter, description: describeAdapter(adapter) };
}
