/**
 * The pieces that differ between runtimes: WGSL loading (Vite/vitest bundle the files through
 * import.meta.glob; plain Node/tsx reads them from disk), the SwiftShader environment (one rule in
 * node-env.ts and scripts/with-swiftshader.mjs), and engine selection with and without an adapter.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { shaderSource, shaderSourceMode } from '../../src/engine/webgpu/shaderSource.ts';
import { KERNELS } from '../../src/engine/webgpu/kernels.ts';
import { swiftShaderEnv, SWIFTSHADER_ICD } from '../../src/engine/webgpu/node-env.ts';
import { createEngine, isFallbackDevice } from '../../src/engine/select.ts';
import { isCpuAdapter } from '../../src/engine/webgpu/device.ts';
import { skipNote, testGpu } from './gpu.ts';
import { existsSync } from 'node:fs';

const ROOT = resolve(import.meta.dirname, '../..');
const gpu = await testGpu();

function probe(env: NodeJS.ProcessEnv) {
  const out = execFileSync(process.execPath, [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'test/webgpu/node-probe.mts'], {
    cwd: ROOT, env, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { mode: string; hashes: Record<string, string>; engines: Record<string, string> };
}

const bare = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.VK_ICD_FILENAMES;
  delete env.VK_DRIVER_FILES;
  env.LD_LIBRARY_PATH = '';
  return env;
};

describe('WGSL loading', () => {
  it('vitest bundles the sources through import.meta.glob, includes expanded once', async () => {
    expect(shaderSourceMode()).toBe('bundled');
    for (const k of KERNELS) {
      const src = await shaderSource(k);
      expect(src).not.toMatch(/^\s*\/\/\s*@include/m);
      expect(src.match(/struct Flow \{/g)?.length, k).toBe(1);
      expect(src).toMatch(/fn main\(/);
    }
    expect(await shaderSource('activation')).toMatch(/fn act_pair/);
  });

  it('plain tsx (the CLI) reads the same text from disk', async () => {
    const r = probe(bare());
    expect(r.mode).toBe('fs');
    for (const k of KERNELS) {
      expect(r.hashes[k], k).toBe(createHash('sha256').update(await shaderSource(k)).digest('hex'));
    }
  });
});

describe('engine selection', () => {
  it('cpu is always the CPU engine; without a Vulkan driver auto falls back to it and webgpu says why', () => {
    // an ICD list naming no file: no Vulkan driver, even on a machine with a real GPU
    const r = probe({ ...bare(), VK_ICD_FILENAMES: '/nonexistent/deadscope-no-driver.json' });
    expect(r.engines.cpu).toBe('cpu');
    expect(r.engines.auto).toBe('cpu');
    expect(r.engines.webgpu).toMatch(/^NoAdapterError: no WebGPU adapter/);
  });

  it.skipIf(!existsSync(SWIFTSHADER_ICD))('under SwiftShader (a fallback adapter) auto gives the CPU engine, webgpu the WebGPU engine', () => {
    const r = probe({ ...bare(), ...swiftShaderEnv(bare()) });
    expect(r.engines).toEqual({ cpu: 'cpu', auto: 'cpu', webgpu: 'webgpu' });
  });

  it.skipIf(!gpu)(`in this process: auto takes WebGPU on a hardware adapter only${skipNote(gpu)}`, async () => {
    const e = await createEngine('auto', 'node');
    expect(e.name).toBe(isFallbackDevice(gpu!.dev) ? 'cpu' : 'webgpu');
    expect(e.choice).toMatch(/^auto: /);
    expect(e.description).toMatch(/\S/);
    e.dispose();
  });

  it('CPU adapters are recognised from their description', () => {
    expect(isCpuAdapter('google · swiftshader · swiftshader-device-subzero- · SwiftShader driver 5.0.0 (fallback adapter)')).toBe(true);
    expect(isCpuAdapter('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isCpuAdapter('nvidia · hopper · NVIDIA H200')).toBe(false);
  });
});

describe('SwiftShader environment', () => {
  it('node-env.ts and scripts/with-swiftshader.mjs apply the same rule', async () => {
    const path = '../../scripts/with-swiftshader.mjs';
    const mjs = (await import(/* @vite-ignore */ path)) as { swiftShaderEnv: typeof swiftShaderEnv };
    for (const base of [{}, { LD_LIBRARY_PATH: '/x' }, { VK_ICD_FILENAMES: '/y.json' }, { DEADSCOPE_GPU: 'system' }, { VK_DRIVER_FILES: '/z' }]) {
      expect(mjs.swiftShaderEnv(base)).toEqual(swiftShaderEnv(base));
    }
    expect(swiftShaderEnv({ VK_ICD_FILENAMES: '/y.json' })).toEqual({});
    if (existsSync(SWIFTSHADER_ICD)) expect(swiftShaderEnv({ LD_LIBRARY_PATH: '/x' }).LD_LIBRARY_PATH).toBe('/usr/lib/chromium:/x');
  });
});
