#!/usr/bin/env node
// Run a command with Vulkan pointed at Chromium's SwiftShader, so Dawn (the `webgpu` package)
// finds an adapter on a machine without a GPU driver. The variables must exist when the Node
// process starts (the dynamic loader reads LD_LIBRARY_PATH only then), hence a launcher.
//
//   node scripts/with-swiftshader.mjs npx vitest run test/webgpu
//
// Same rule as src/engine/webgpu/node-env.ts (kept in step by test/webgpu/env.test.ts): nothing
// is changed when VK_ICD_FILENAMES / VK_DRIVER_FILES is already set, when DEADSCOPE_GPU=system,
// or when SwiftShader is not installed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SWIFTSHADER_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${SWIFTSHADER_DIR}/vk_swiftshader_icd.json`;

export function swiftShaderEnv(base = process.env) {
  if (base.VK_ICD_FILENAMES || base.VK_DRIVER_FILES || base.DEADSCOPE_GPU === 'system') return {};
  if (!existsSync(SWIFTSHADER_ICD)) return {};
  const ld = base.LD_LIBRARY_PATH ? `${SWIFTSHADER_DIR}:${base.LD_LIBRARY_PATH}` : SWIFTSHADER_DIR;
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD, LD_LIBRARY_PATH: ld };
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    console.error('usage: node scripts/with-swiftshader.mjs <command> [args...]');
    process.exit(2);
  }
  const env = { ...process.env, ...swiftShaderEnv() };
  const child = spawn(cmd, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
