/**
 * The one place the explorer touches the read worker (through src/worker/client.ts). Everything
 * else calls `reader()`; a change in the worker client's shape is absorbed here.
 */
import type { CheckpointSummary } from '../model/inspect.ts';
import type { ReadOptions } from '../read/options.ts';
import type { ReadResult } from '../read/schema.ts';
import type { ReadEvent, ReadFiles } from '../worker/api.ts';
import { createReader } from '../worker/client.ts';
import { notify } from './store.ts';

export interface Reader {
  inspect(files: ReadFiles, options: Partial<ReadOptions>): Promise<CheckpointSummary>;
  read(files: ReadFiles, options: Partial<ReadOptions>, onEvent: (e: ReadEvent) => void): Promise<ReadResult>;
  cancel(): Promise<void>;
  backend(): Promise<{ name: 'cpu' | 'webgpu'; description: string }>;
}

let instance: Reader | null = null;

function connect(): Reader {
  const handle = createReader();
  // worker-level notices (e.g. a lost WebGPU device, continuing on the CPU engine)
  handle.onNotice((message) => notify(message));
  return {
    inspect: (files, options) => handle.inspect(files, options),
    read: (files, options, onEvent) => handle.read(files, options, onEvent),
    cancel: async () => handle.cancel(),
    backend: () => handle.backend(),
  };
}

export function reader(): Reader {
  instance ??= connect();
  return instance;
}

/** For tests: put a fake reader in place of the worker. */
export function setReader(r: Reader | null): void {
  instance = r;
}
