/**
 * The read worker: runs inspections and whole reads off the UI thread behind comlink,
 * implementing `ReaderApi` (src/worker/api.ts) plus two calls the client uses to manage it
 * (`configure`, `subscribe`). Files arrive as Blobs (passed by reference, never copied) and are
 * read lazily through `blobSource`; results go back as plain `deadscope.read/1` JSON.
 *
 * - progress: every pipeline progress event is forwarded with a fraction and an ETA (computed
 *   here from the scan's elapsed time when the pipeline has none);
 * - cancel(): aborts the running read's AbortController; long work on this thread (the forward
 *   pass, the detectors' dense passes, the CPU engine's queries) yields to the event loop every
 *   25 ms (pauser, src/engine/types.ts), so the message lands and the read rejects with name
 *   'CancelledError' at the next step;
 * - device loss: a WebGPU device that is lost is reported to subscribers ({type: 'device-lost'})
 *   and a read it breaks rejects with name 'DeviceLostError'; the client then moves to a CPU
 *   worker (client.ts).
 *
 * `ReaderService` is exported so it can run in Node too (tests, through a MessageChannel);
 * `Comlink.expose` runs only inside a dedicated worker.
 */
import * as Comlink from 'comlink';
import type { EngineInfo, ReadEvent, ReaderApi, ReadFiles } from './api.ts';
import { DEFAULT_OPTIONS, type ReadOptions } from '../read/options.ts';
import type { ReadResult } from '../read/schema.ts';
import { tensorTable, type CheckpointSummary } from '../model/inspect.ts';
import { blobSource, openSafetensors } from '../format/safetensors.ts';
import { recognizeTransformer } from '../model/families.ts';
import { loadGraph, readCheckpoint, WholeNetworkUnavailable, type ReadSources } from '../read/pipeline.ts';
import { configTemplate } from '../model/transformer-graph.ts';
import { createEngine, type Backend, type Runtime } from '../engine/select.ts';
import { CancelledError, type FisherEngine } from '../engine/types.ts';
import { WebGpuEngine } from '../engine/webgpu/engine.ts';
import { CpuEngine } from '../engine/cpu/engine.ts';
import { browserThreads, WebWorkerPoolEngine } from '../fast/pool-browser.ts';
import { SharedMemoryPoolEngine } from '../fast/pool-core.ts';
import type { Precision } from '../fast/unit-scan.ts';

/** Worker-level events (not tied to a read). */
export type WorkerNotice = { type: 'device-lost'; message: string };

/** What the worker exposes: the ReaderApi contract plus the client's management calls. */
export interface WorkerApi extends ReaderApi {
  /**
   * Force a backend for every later read ('cpu' after a fallback); null = the read options decide.
   * `why`: the reason for forcing it (a lost device, a crash), written as the engine choice of each read.
   */
  configure(backend: Backend | null, why?: string | null): void;
  /** Receive worker-level notices (wrap the callback with Comlink.proxy). */
  subscribe(cb: (n: WorkerNotice) => void): void;
}

export class DeviceLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceLostError';
  }
}

export class ReaderService implements WorkerApi {
  private forced: Backend | null = null;
  private forcedWhy: string | null = null;
  /** by backend, precision and threads of the CPU engine */
  private engines = new Map<string, Promise<FisherEngine>>();
  private running: AbortController | null = null;
  private listeners: ((n: WorkerNotice) => void)[] = [];
  private lost: string | null = null;
  private last: FisherEngine | null = null;

  constructor(private readonly runtime: Runtime = 'browser') {}

  configure(backend: Backend | null, why: string | null = null): void {
    this.forced = backend;
    this.forcedWhy = why;
  }

  subscribe(cb: (n: WorkerNotice) => void): void {
    this.listeners.push(cb);
  }

  /**
   * The engine of a backend setting. Where the CPU engine runs with `threads` > 1 (only on a
   * cross-origin isolated page: browserThreads), it is the pool of nested Web Workers.
   */
  private engineFor(backend: Backend, precision: Precision = 'f32', threads = 1): Promise<FisherEngine> {
    const key = `${backend}/${precision}/${threads}`;
    let p = this.engines.get(key);
    if (!p) {
      // one thread pool at a time: a pool kept for other settings would hold its workers and their memory
      for (const [k, other] of this.engines) {
        void other.then((e) => {
          if (!(e instanceof SharedMemoryPoolEngine)) return;
          this.engines.delete(k);
          e.dispose();
        }, () => {});
      }
      p = createEngine(backend, this.runtime, {}, precision).then((chosen) => {
        let e = chosen;
        if (e instanceof CpuEngine && threads > 1) {
          e = new WebWorkerPoolEngine({ precision, threads });
          e.choice = chosen.choice;
        }
        // the engine was forced on this worker (after a fallback): say why, not "cpu requested"
        if (this.forcedWhy && backend === this.forced) e.choice = `${this.forcedWhy} — continuing on the CPU engine`;
        if (e instanceof WebGpuEngine) {
          void e.device.lost.then((info) => {
            if (info.reason === 'destroyed') return;
            this.lost = `WebGPU device lost (${info.message || info.reason})`;
            this.engines.clear();
            for (const l of this.listeners) l({ type: 'device-lost', message: this.lost });
          });
        }
        return e;
      });
      p.catch(() => this.engines.delete(key));
      this.engines.set(key, p);
    }
    return p;
  }

  async backend(): Promise<EngineInfo> {
    const e = this.last ?? (await this.engineFor(this.forced ?? 'auto'));
    return { name: e.name, description: e.description, ...(e instanceof SharedMemoryPoolEngine ? { chunksPerThread: [...e.chunksPerThread] } : {}) };
  }

  async inspect(files: ReadFiles, options: Partial<ReadOptions> = {}): Promise<CheckpointSummary> {
    const file = await openSafetensors(blobSource(files.checkpoint), files.checkpointName);
    const tensors = await tensorTable(file);
    const descs = file.tensors.map((t) => ({ name: t.name, shape: t.shape }));
    let architecture: CheckpointSummary['architecture'] = null;
    let architectureError: string | null = null;
    let ask: NonNullable<CheckpointSummary['transformer']>['ask'] = null;
    const configText = await files.config?.text();
    try {
      architecture = (await loadGraph(sourcesOf(files, configText, await files.arch?.text()), { activation: options.activation ?? null })).graph;
    } catch (e) {
      architectureError = (e as Error).message;
      // a hyperparameter nothing gave: the explorer asks for it in a config.json to complete
      if (e instanceof WholeNetworkUnavailable && e.reason.missing && e.reason.keys) {
        ask = { missing: e.reason.missing, configTemplate: configTemplate(configText ? (JSON.parse(configText) as Record<string, unknown>) : null, e.reason.keys) };
      }
    }
    const recognised = files.arch ? null : safeRecognize(descs, files.config ? await files.config.text() : null);
    return {
      transformer: recognised && {
        family: recognised.family, label: recognised.label, notes: recognised.notes,
        blocks: recognised.blocks.map((b) => ({ name: b.name, kind: b.kind })), ask,
      },
      fileName: files.checkpointName,
      bytes: file.byteSize,
      metadata: file.metadata,
      tensors,
      params: file.tensors.reduce((s, t) => s + t.elements, 0),
      architecture,
      architectureError,
      warnings: architecture?.warnings ?? [],
    };
  }

  async read(files: ReadFiles, options: Partial<ReadOptions>, onEvent: (e: ReadEvent) => void): Promise<ReadResult> {
    this.running?.abort();
    const ac = new AbortController();
    this.running = ac;
    const backend = this.forced ?? options.backend ?? 'auto';
    let scanStart: number | null = null;
    // over comlink each event is a round trip: wait for the last ones before answering, so the
    // caller has every event when the read resolves
    const inFlight = new Set<Promise<unknown>>();
    const emit = (e: ReadEvent) => {
      const r = onEvent(e) as unknown;
      if (r instanceof Promise) {
        const p = r.catch(() => {}).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    };
    try {
      const engine = await this.engineFor(backend, options.precision ?? 'f32', browserThreads(options.threads ?? DEFAULT_OPTIONS.threads));
      this.last = engine;
      if (ac.signal.aborted) throw new CancelledError();
      const result = await readCheckpoint(
        sourcesOf(files, await files.config?.text(), await files.arch?.text()),
        { ...options, backend },
        engine,
        {
          signal: ac.signal,
          onProgress: (p) => {
            let eta = p.etaSeconds;
            if (p.stage === 'scanning') {
              scanStart ??= Date.now();
              if (eta === null && p.fraction > 0) eta = (((Date.now() - scanStart) / 1000) * (1 - p.fraction)) / p.fraction;
            }
            emit({ type: 'progress', fraction: p.fraction, etaSeconds: eta, stage: p.stage });
          },
          onDirection: (direction) => emit({ type: 'direction', direction }),
        },
      );
      await Promise.all([...inFlight]);
      return result;
    } catch (e) {
      if (this.lost && (e as Error).name !== 'CancelledError') throw new DeviceLostError(`${this.lost}: ${(e as Error).message}`);
      throw e;
    } finally {
      if (this.running === ac) this.running = null;
    }
  }

  cancel(): void {
    this.running?.abort();
  }
}

/** The pipeline's sources of the explorer's files (one way for inspect and read). */
function sourcesOf(files: ReadFiles, configText: string | undefined, archText: string | undefined): ReadSources {
  return {
    checkpoint: blobSource(files.checkpoint),
    checkpointName: files.checkpointName,
    configText: configText ?? null,
    configName: files.config ? 'config.json' : null,
    archText: archText ?? null,
    archName: files.arch ? 'arch.json' : null,
    inputs: files.inputs ? blobSource(files.inputs) : null,
    inputsName: files.inputsName ?? (files.inputs ? 'inputs.safetensors' : null),
  };
}

/** Recognition for the summary only: a failure is already reported as the architecture error. */
function safeRecognize(descs: { name: string; shape: number[] }[], configText: string | null) {
  try {
    return recognizeTransformer(descs, configText ? (JSON.parse(configText) as Record<string, unknown>) : null);
  } catch {
    return null;
  }
}

// Inside a dedicated worker (not in Node tests): serve the API.
const scope = globalThis as unknown as { WorkerGlobalScope?: unknown; postMessage?: unknown };
if (typeof scope.WorkerGlobalScope !== 'undefined' && typeof scope.postMessage === 'function') {
  Comlink.expose(new ReaderService('browser'));
}
