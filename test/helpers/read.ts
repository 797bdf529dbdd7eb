/** Run a whole read on a fixture file with the CPU engine (what the CLI does, in-process). */
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint, loadModel, type ReadSources } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import type { ReadOptions } from '../../src/read/options.ts';
import type { ReadResult } from '../../src/read/schema.ts';

export const fixture = (name: string) => new URL(`../../fixtures/${name}`, import.meta.url).pathname;

/** Open a fixture (and its probe inputs), run `use` on the sources, close the files. */
async function withFixture<T>(name: string, inputs: string | undefined, use: (s: ReadSources) => Promise<T>): Promise<T> {
  const checkpoint = await fileSource(fixture(name));
  const inputSource = inputs ? await fileSource(fixture(inputs)) : null;
  try {
    return await use({ checkpoint, checkpointName: name, inputs: inputSource, inputsName: inputs ?? null });
  } finally {
    await checkpoint.close();
    await inputSource?.close();
  }
}

export function readFixture(name: string, options: Partial<ReadOptions> = {}, inputs?: string): Promise<ReadResult> {
  return withFixture(name, inputs, (s) => readCheckpoint(s, options, new CpuEngine()));
}

export function loadFixture(name: string, options: Partial<ReadOptions> = {}, inputs?: string) {
  return withFixture(name, inputs, (s) => loadModel(s, options));
}
