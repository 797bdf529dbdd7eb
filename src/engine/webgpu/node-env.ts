/**
 * The environment Dawn (the `webgpu` package) needs in Node on a machine without a GPU driver:
 * Vulkan pointed at Chromium's SwiftShader. The dynamic loader reads LD_LIBRARY_PATH only when a
 * process starts, so these variables must be set *before* the Node process that creates the
 * device: `scripts/with-swiftshader.mjs` (a launcher) and a vitest config's `test.env` use this.
 *
 * Nothing is changed when the caller already chose a Vulkan driver (VK_ICD_FILENAMES or
 * VK_DRIVER_FILES set), when DEADSCOPE_GPU=system asks for the system's own driver, or when
 * SwiftShader is not installed.
 */
import { existsSync } from 'node:fs';

/** Where Debian's chromium package puts SwiftShader and its Vulkan loader. */
export const SWIFTSHADER_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${SWIFTSHADER_DIR}/vk_swiftshader_icd.json`;

export function swiftShaderEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (base.VK_ICD_FILENAMES || base.VK_DRIVER_FILES || base.DEADSCOPE_GPU === 'system') return {};
  if (!existsSync(SWIFTSHADER_ICD)) return {};
  const ld = base.LD_LIBRARY_PATH ? `${SWIFTSHADER_DIR}:${base.LD_LIBRARY_PATH}` : SWIFTSHADER_DIR;
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD, LD_LIBRARY_PATH: ld };
}

/** True when this process was started with a Vulkan driver chosen (SwiftShader or explicit). */
export function vulkanConfigured(base: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(base.VK_ICD_FILENAMES || base.VK_DRIVER_FILES || base.DEADSCOPE_GPU === 'system');
}
