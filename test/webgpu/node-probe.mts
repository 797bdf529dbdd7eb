/**
 * Run by test/webgpu/runtime.test.ts under plain tsx (as the CLI runs), not vitest: reports how
 * shader sources load there (fs, not Vite's import.meta.glob), their hashes, and which engines
 * createEngine gives in this process's environment.
 */
import { createHash } from 'node:crypto';
import { shaderSource, shaderSourceMode } from '../../src/engine/webgpu/shaderSource.ts';
import { KERNELS } from '../../src/engine/webgpu/kernels.ts';
import { createEngine } from '../../src/engine/select.ts';

const hashes: Record<string, string> = {};
for (const k of KERNELS) hashes[k] = createHash('sha256').update(await shaderSource(k)).digest('hex');
const engines: Record<string, string> = {};
for (const b of ['cpu', 'auto', 'webgpu'] as const) {
  try {
    const e = await createEngine(b, 'node');
    engines[b] = e.name;
    e.dispose();
  } catch (err) {
    engines[b] = `${(err as Error).name}: ${(err as Error).message}`;
  }
}
process.stdout.write(`${JSON.stringify({ mode: shaderSourceMode(), hashes, engines })}\n`);
process.exit(0);
