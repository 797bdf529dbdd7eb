/**
 * The one place the explorer touches the read worker. Everything else calls `reader()`; a
 * change in the worker client's shape is absorbed here.
 */
import * as Comlink from 'comlink';
import type { CheckpointSummary } from '../model/inspect.ts';
import type { ReadOptions } from '../read/options.ts';
import type { ReadResult } from '../read/schema.ts';
import type { ReadEvent, ReadFiles, ReaderApi } from '../worker/api.ts';

export interface Reader {
  inspect(files: ReadFiles, options: Partial<ReadOptions>): Promise<CheckpointSummary>;
  read(files: ReadFiles, options: Partial<ReadOptions>, onEvent: (e: ReadEvent) => void): Promise<ReadResult>;
  cancel(): Promise<void>;
  backend(): Promise<{ name: 'cpu' | 'webgpu'; description: string }>;
}

let instance: Reader | null = null;

function connect(): Reader {
  const worker = new Worker(new URL('../worker/read.worker.ts', import.meta.url), { type: 'module', name: 'deadscope-read' });
  const api = Comlink.wrap<ReaderApi>(worker);
  return {
    inspect: (files, options) => api.inspect(files, options),
    read: (files, options, onEvent) => api.read(files, options, Comlink.proxy(onEvent)),
    cancel: async () => { await api.cancel(); },
    backend: () => api.backend(),
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
