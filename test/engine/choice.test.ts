/** Which engine a backend setting runs on: auto never takes a software WebGPU adapter over the CPU engine. */
import { describe, expect, it } from 'vitest';
import { chooseEngine, NoAdapterError } from '../../src/engine/select.ts';
import { isCpuAdapter } from '../../src/engine/webgpu/device.ts';

const swiftshader = 'google · swiftshader · swiftshader-device-subzero- · SwiftShader driver 5.0.0 (fallback adapter)';
const h200 = 'nvidia · hopper · NVIDIA H200';

describe('chooseEngine', () => {
  it('auto passes over a fallback adapter to the CPU engine and says why', () => {
    const c = chooseEngine('auto', { description: swiftshader, fallback: true });
    expect(c.engine).toBe('cpu');
    expect(c.why).toMatch(/fallback \(software\) adapter/);
    expect(c.why).toContain('SwiftShader');
  });

  it('auto keeps WebGPU on a hardware adapter', () => {
    const c = chooseEngine('auto', { description: h200, fallback: false });
    expect(c).toEqual({ engine: 'webgpu', why: `auto: hardware WebGPU adapter (${h200})` });
  });

  it('auto without an adapter is the CPU engine, with the search\'s reason', () => {
    expect(chooseEngine('auto', { reason: 'navigator.gpu is not available' })).toEqual({
      engine: 'cpu', why: 'auto: no WebGPU adapter (navigator.gpu is not available)',
    });
  });

  it('an explicit backend is obeyed: webgpu even on a fallback adapter, cpu without searching', () => {
    expect(chooseEngine('webgpu', { description: swiftshader, fallback: true }).engine).toBe('webgpu');
    expect(chooseEngine('cpu', null)).toEqual({ engine: 'cpu', why: 'cpu requested' });
    expect(() => chooseEngine('webgpu', { reason: 'no Vulkan loader' })).toThrow(NoAdapterError);
  });

  it('software adapters that do not flag themselves are known by name', () => {
    for (const d of [swiftshader, 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Microsoft Basic Render Driver']) expect(isCpuAdapter(d), d).toBe(true);
    expect(isCpuAdapter(h200)).toBe(false);
  });
});
