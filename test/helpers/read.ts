/** Run a whole read on a fixture file with the CPU engine (what the CLI does, in-process). */
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint, loadModel } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import type { ReadOptions } from '../../src/read/options.ts';
import type { ReadResult } from '../../src/read/schema.ts';

export const fixture = (name: string) => new URL(`../../fixtures/${name}`, import.meta.url).pathname;

export async function readFixture(name: string, options: Partial<ReadOptions> = {}, inputs?: string): Promise<ReadResult> {
  const checkpoint = await fileSource(fixture(name));
  const inputSource = inputs ? await fileSource(fixture(inputs)) : null;
  try {
    return await readCheckpoint(
      { checkpoint, checkpointName: name, inputs: inputSource, inputsName: inputs ?? null },
      options, new CpuEngine(),
    );
  } finally {
    await checkpoint.close();
    await inputSource?.close();
  }
}

export async function loadFixture(name: string, options: Partial<ReadOptions> = {}, inputs?: string) {
  const checkpoint = await fileSource(fixture(name));
  const inputSource = inputs ? await fileSource(fixture(inputs)) : null;
  try {
    return await loadModel({ checkpoint, checkpointName: name, inputs: inputSource, inputsName: inputs ?? null }, options);
  } finally {
    await checkpoint.close();
    await inputSource?.close();
  }
}
