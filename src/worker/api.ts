/**
 * The contract between the explorer and the read worker (reached through comlink).
 * Files travel as Blobs (structured-cloned by reference, not copied); results come back as
 * plain JSON in the `deadscope.read/1` schema.
 */
import type { DirectionResult, ReadResult } from '../read/schema.ts';
import type { ReadOptions } from '../read/options.ts';
import type { CheckpointSummary } from '../model/inspect.ts';

export interface ReadFiles {
  checkpoint: Blob;
  checkpointName: string;
  /** Hugging Face config.json */
  config?: Blob | null;
  /** explicit architecture JSON (see README "Architecture JSON") */
  arch?: Blob | null;
  /** probe inputs safetensors */
  inputs?: Blob | null;
  inputsName?: string | null;
}

export type ReadEvent =
  | { type: 'progress'; fraction: number; etaSeconds: number | null; stage: string }
  | { type: 'direction'; direction: DirectionResult }
  | { type: 'notice'; message: string };

/** The engine of the worker's last read (or the one it would use). */
export interface EngineInfo {
  name: 'cpu' | 'webgpu';
  description: string;
  /** the CPU engine's thread pool: directions each thread answered in the last read (read worker first) */
  chunksPerThread?: number[];
}

export interface ReaderApi {
  /** Header, tensor table and inferred architecture; throws a typed error for a bad file. */
  inspect(files: ReadFiles, options: Partial<ReadOptions>): Promise<CheckpointSummary>;
  /** Run a whole read. `onEvent` must be wrapped with comlink.proxy by the caller. */
  read(files: ReadFiles, options: Partial<ReadOptions>, onEvent: (e: ReadEvent) => void): Promise<ReadResult>;
  /** Cancel the running read; it stops within one scan batch and rejects with CancelledError. */
  cancel(): void;
  /** Which engine runs reads in this worker. */
  backend(): Promise<EngineInfo>;
}
