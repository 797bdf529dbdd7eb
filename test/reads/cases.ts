/**
 * The stored-read regression cases: every model fixture, the settings it is read with, and what of
 * a read is run-dependent (timing) and therefore not compared. Shared by scripts/regen-reads.ts
 * (writes the stored copies) and reads.test.ts (compares against them).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import type { ReadOptions } from '../../src/read/options.ts';

export interface ReadCase {
  /** fixture file stem in fixtures/ */
  name: string;
  /** probe-input fixture stem */
  inputs?: string;
  /** Hugging Face config.json in fixtures/ */
  config?: string;
  options: Partial<ReadOptions>;
}

// gpt2_modadd23_s1 is read as a whole network (scope "whole") on 32 of its task's 529 inputs (a seeded
// uniform sample, fixtures/README.md); its block-local read is checked in test/read/block-local.test.ts.

/** Reduced settings for the real MNIST nets: a small probe, a coarse grid, few live probes. */
const MNIST_REDUCED: Partial<ReadOptions> = { inputCap: 8, tMin: 1e-2, perDecade: 1, liveProbes: 2 };

export const READ_CASES: readonly ReadCase[] = [
  { name: 'ts_relu_adamw_s1', options: {} },
  { name: 'ts_relu2_adamw_s1', options: {} },
  { name: 'ts_relu2_muon_s1', options: {} },
  { name: 'ts_tanh_adamw_s1', options: {} },
  { name: 'lnmlp_gelu_s1', options: {} },
  { name: 'rrr_M3H3N5r1_s1', options: {} },
  { name: 'mnist-mlp-dfdx', inputs: 'mnist-test-1000', options: { ...MNIST_REDUCED, detectors: ['inactive', 'node-death'] } },
  { name: 'gpt2_modadd23_s1', config: 'gpt2_modadd23_s1.config.json', inputs: 'gpt2_modadd23_pairs', options: { inputCap: 32 } },
  { name: 'mnist-convnet-tinygrad', inputs: 'mnist-test-1000', options: { ...MNIST_REDUCED, inputCap: 1, inputScale: 1, detectors: ['node-death'] } },
];

const fixturePath = (stem: string) => fileURLToPath(new URL(`../../fixtures/${stem}.safetensors`, import.meta.url));
export const storedReadPath = (name: string) => fileURLToPath(new URL(`./${name}.read.json`, import.meta.url));

/** A whole read of one case on the f64 CPU engine, as the CLI runs it. */
export async function readCase(c: ReadCase): Promise<Record<string, unknown>> {
  const checkpoint = await fileSource(fixturePath(c.name));
  const inputs = c.inputs ? await fileSource(fixturePath(c.inputs)) : null;
  try {
    return (await readCheckpoint(
      {
        checkpoint, checkpointName: `${c.name}.safetensors`, inputs, inputsName: c.inputs ? `${c.inputs}.safetensors` : null,
        configText: c.config ? readFileSync(fileURLToPath(new URL(`../../fixtures/${c.config}`, import.meta.url)), 'utf8') : null,
        configName: c.config ?? null,
      },
      { ...c.options, backend: 'cpu' }, new CpuEngine({ precision: 'f64' }),
    )) as unknown as Record<string, unknown>;
  } finally {
    await checkpoint.close();
    await inputs?.close();
  }
}

/** The read without its run-dependent part (wall-clock timing; the query count is kept). */
export function stableRead(read: Record<string, unknown>): Record<string, unknown> {
  const { timing, ...rest } = read as { timing?: { queries?: number } } & Record<string, unknown>;
  return { ...rest, queries: timing?.queries ?? null };
}

const REL = 1e-9;
const EXACT_KEYS = new Set(['kRounded', 'unit', 'width', 'inactiveUnits', 'r', 'd', 'm', 'queries', 'predictedK', 'params', 'bytes', 'tensors', 'probe', 'seed', 'perDecade', 'liveProbes', 'bottomK']);

/** Paths at which `got` differs from `want` (at most a few, for the message). */
export function differences(want: unknown, got: unknown, path: string, scale: number, exact: boolean, out: string[]): void {
  if (out.length >= 8) return;
  if (typeof want === 'number' && typeof got === 'number') {
    const ok = exact ? want === got : Math.abs(want - got) <= REL * Math.max(scale, Math.abs(want), Math.abs(got));
    if (!ok) out.push(`${path}: stored ${want}, now ${got}`);
    return;
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    if (want.length !== got.length) {
      out.push(`${path}: stored length ${want.length}, now ${got.length}`);
      return;
    }
    const arrayScale = Math.max(0, ...want.map((x) => (typeof x === 'number' ? Math.abs(x) : 0)));
    want.forEach((w, i) => differences(w, got[i], `${path}[${i}]`, arrayScale, exact, out));
    return;
  }
  if (want && got && typeof want === 'object' && typeof got === 'object') {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    for (const k of keys) {
      differences((want as Record<string, unknown>)[k], (got as Record<string, unknown>)[k], `${path}.${k}`, 0, EXACT_KEYS.has(k), out);
    }
    return;
  }
  if (want !== got) out.push(`${path}: stored ${JSON.stringify(want)}, now ${JSON.stringify(got)}`);
}
