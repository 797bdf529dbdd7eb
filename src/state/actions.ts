/** What the user can do: open files, read, cancel, compare. All side effects live here. */
import type { ReadOptions } from '../read/options.ts';
import type { DirectionResult } from '../read/schema.ts';
import { maxEigenDimProblem, settingProblems } from '../read/settings.ts';
import type { ReadFiles } from '../worker/api.ts';
import { archBlob, EDITED_ARCH_NAME, type ArchJson } from './arch.ts';
import { groupFiles, type FileJob, type PickedFile } from './files.ts';
import { reader } from './reader.ts';
import { EtaSmoother } from './eta.ts';
import { blobSource } from '../format/safetensors.ts';
import { sha256OfSource } from '../format/sha256.ts';
import { checkpointStep, stepFromName } from '../series/series.ts';
import {
  activeCheckpoint, getState, notify, setActive, setState, updateCheckpoint,
  type AppError, type LoadedCheckpoint, type ModelOverrides,
} from './store.ts';

export const EXAMPLE_FILE = 'ts_relu2_adamw_s1.safetensors';

let nextKey = 1;
let nextRun = 1;

/** A run's label: the folder its checkpoints share, else "training run". */
export function runName(paths: string[]): string {
  const dirs = paths.map((p) => p.split('/').slice(0, -1));
  const common: string[] = [];
  for (let i = 0; dirs.every((d) => i < d.length && d[i] === dirs[0][i]); i++) common.push(dirs[0][i]);
  return common[common.length - 1] ?? 'training run';
}

/** An error's class name and message (across the worker boundary an error arrives as these two). */
export function describeError(e: unknown): { name: string; message: string } {
  if (e && typeof e === 'object' && 'message' in e) {
    const name = 'name' in e && typeof e.name === 'string' && e.name ? e.name : 'Error';
    return { name, message: String((e as { message: unknown }).message) };
  }
  return { name: 'Error', message: String(e) };
}

/**
 * Errors that describe the user's file, settings or machine in words: their message is the whole
 * story. Any other error (a bug) keeps its class name in front, so a report says what it was.
 */
const USER_ERRORS: ReadonlySet<string> = new Set([
  'ArchitectureError', 'InputError', 'SafetensorsError', 'ShardIndexError', 'JsonSyntaxError', 'NoAdapterError', 'MergeError', 'DeviceLostError',
]);

/** What the explorer shows for an error: the message alone for the user's mistakes, named otherwise. */
export function plainMessage(e: unknown): string {
  const { name, message } = describeError(e);
  return USER_ERRORS.has(name) ? message : `${name}: ${message}`;
}

export function isCancelled(e: unknown): boolean {
  return describeError(e).name === 'CancelledError';
}

function showError(err: AppError): void {
  setState({ error: err });
}

export function dismissError(): void {
  setState({ error: null });
}

export function optionsFor(c: Pick<LoadedCheckpoint, 'overrides'>): Partial<ReadOptions> {
  const s = getState();
  return { ...s.settings, head: c.overrides.head, activation: c.overrides.activation, scope: c.overrides.scope, backend: s.backend, threads: s.threads, precision: s.precision, maxEigenDim: s.maxEigenDim };
}

// ---- opening files --------------------------------------------------------------------------

/** SHA-256 of a file's bytes, hex (the reader's streaming hash: the JSON's checkpoint.sha256). */
export function contentHash(blob: Blob): Promise<string> {
  return sha256OfSource(blobSource(blob));
}

/** An open checkpoint with the same bytes (compared by size, then SHA-256), or null. */
async function sameContent(file: Blob): Promise<LoadedCheckpoint | null> {
  const sized = getState().checkpoints.filter((c) => c.files.checkpoint.size === file.size);
  if (!sized.length) return null;
  const hash = await contentHash(file);
  for (const c of sized) {
    const h = c.sha256 ?? await contentHash(c.files.checkpoint);
    if (!c.sha256) updateCheckpoint(c.key, { sha256: h });
    if (h === hash) return c;
  }
  return null;
}

async function openJob(job: FileJob, example: boolean, run: string | null = null): Promise<string | null> {
  const overrides: ModelOverrides = { head: 'auto', activation: null, scope: 'auto' };
  const name = job.files.checkpointName;
  setState({ busy: `Opening ${name}…` });
  try {
    const twin = example ? null : await sameContent(job.files.checkpoint);
    if (twin) {
      notify(`${name} has the same content (SHA-256) as ${twin.name}, which is already open; not opened twice`);
      return null;
    }
    const summary = await reader().inspect(job.files, optionsFor({ overrides }));
    const key = `ck${nextKey++}`;
    const entry: LoadedCheckpoint = {
      key, name, files: job.files, originalFiles: job.files, stale: false, companions: job.companions, summary, overrides,
      status: 'inspected', partial: [], result: null, readError: null, example,
      step: checkpointStep(job.path || name, summary.metadata), run,
    };
    setState((s) => {
      // a file of the same name replaces the loaded one (re-dropped after an edit)
      const i = s.checkpoints.findIndex((c) => c.name === name && !c.example);
      const checkpoints = s.checkpoints.slice();
      if (i >= 0 && !example) checkpoints[i] = entry; else checkpoints.push(entry);
      return { checkpoints, error: null };
    });
    setActive(key);
    return key;
  } catch (e) {
    showError({ title: `Could not open ${name}`, message: plainMessage(e) });
    return null;
  } finally {
    setState({ busy: null });
  }
}

/** Open dropped or picked files: each checkpoint becomes a loaded model and is read. */
export async function openFiles(picked: PickedFile[], opts: { example?: boolean } = {}): Promise<void> {
  if (picked.length === 0) return;
  const g = await groupFiles(picked);
  for (const n of g.notices) notify(n);
  if (g.jobs.length === 0) {
    const active = activeCheckpoint(getState());
    if ((g.looseInputs || g.looseConfig) && active) {
      const files: ReadFiles = {
        ...active.files,
        ...(g.looseInputs ? { inputs: g.looseInputs, inputsName: g.looseInputs.name } : {}),
        ...(g.looseConfig ? { config: g.looseConfig } : {}),
      };
      const extra = [g.looseInputs?.name, g.looseConfig?.name].filter((x): x is string => !!x);
      notify(`${extra.join(', ')} attached to ${active.name}; reading again`);
      await reinspect(active.key, { files, companions: [...new Set([...active.companions, ...extra])] });
      enqueueRead(active.key);
    } else if (!g.notices.length) {
      showError({ title: 'Nothing to read', message: 'Drop a .safetensors checkpoint (optionally with config.json and probe inputs).' });
    }
    return;
  }
  // several checkpoints with steps in their names: one training run, read with the same settings and probe
  const stepped = g.jobs.filter((j) => stepFromName(j.path || j.files.checkpointName) !== null);
  const run = stepped.length >= 2 ? `run${nextRun++}:${runName(g.jobs.map((j) => j.path || j.files.checkpointName))}` : null;
  for (const job of g.jobs) {
    const key = await openJob(job, !!opts.example, run && stepped.includes(job) ? run : null);
    if (!key) continue;
    const c = getState().checkpoints.find((x) => x.key === key);
    // a recognised transformer is read block by block even though no chain fits
    if (c && !c.summary.architecture && !c.summary.transformer) {
      // nothing to read until the layers are known: say why, keep the tensors on show
      showError({
        title: `${c.name}: the layers could not be inferred`,
        message: `ArchitectureError: ${c.summary.architectureError ?? 'unknown layout'} — edit the layers (architecture JSON) in the Model panel, or drop an architecture JSON with the checkpoint.`,
      });
      continue;
    }
    enqueueRead(key);
  }
}

/** The built-in example, fetched from the page's own origin. */
export async function loadExample(): Promise<void> {
  try {
    const res = await fetch(`${import.meta.env.BASE_URL}examples/${EXAMPLE_FILE}`);
    if (!res.ok) throw new Error(`HTTP ${res.status} fetching the example`);
    const file = new File([await res.blob()], EXAMPLE_FILE, { type: 'application/octet-stream' });
    await openFiles([{ file, path: '' }], { example: true });
  } catch (e) {
    showError({ title: 'Could not load the example', message: plainMessage(e) });
  }
}

/** Inspect again after an override or companion change (the architecture list follows). */
export async function reinspect(key: string, patch: Partial<Pick<LoadedCheckpoint, 'files' | 'companions' | 'overrides'>>): Promise<boolean> {
  const c = getState().checkpoints.find((x) => x.key === key);
  if (!c) return false;
  const next = { ...c, ...patch };
  // the change holds at once, so a read started before the inspection answers (the worker may be
  // busy) reads with it, not with the settings it replaced; a failed inspection puts them back
  const before = Object.fromEntries(Object.keys(patch).map((k) => [k, c[k as keyof typeof patch]])) as typeof patch;
  updateCheckpoint(key, { ...patch });
  try {
    const summary = await reader().inspect(next.files, optionsFor(next));
    updateCheckpoint(key, (cur) => ({ summary, stale: !!cur.result }));
    return true;
  } catch (e) {
    updateCheckpoint(key, before);
    showError({ title: `Could not apply that to ${c.name}`, message: plainMessage(e) });
    return false;
  }
}

export async function setOverrides(key: string, overrides: Partial<ModelOverrides>): Promise<void> {
  const c = getState().checkpoints.find((x) => x.key === key);
  if (!c) return;
  await reinspect(key, { overrides: { ...c.overrides, ...overrides } });
}

/** Read with an edited architecture JSON (the layer kinds), or back to the file's own (null). */
export async function setArchitecture(key: string, arch: ArchJson | string | null): Promise<boolean> {
  const c = getState().checkpoints.find((x) => x.key === key);
  if (!c) return false;
  const files: ReadFiles = arch === null ? { ...c.originalFiles } : { ...c.files, arch: archBlob(arch) };
  const companions = c.companions.filter((n) => n !== EDITED_ARCH_NAME).concat(arch === null ? [] : [EDITED_ARCH_NAME]);
  return reinspect(key, { files, companions });
}

export const EDITED_CONFIG_NAME = 'config.json (edited here)';

/** Read with a config.json written here: a transformer's hyperparameters nothing else gave. */
export async function setConfig(key: string, text: string): Promise<boolean> {
  const c = getState().checkpoints.find((x) => x.key === key);
  if (!c) return false;
  const files: ReadFiles = { ...c.files, config: new Blob([text], { type: 'application/json' }) };
  const companions = c.companions.filter((n) => n !== EDITED_CONFIG_NAME).concat([EDITED_CONFIG_NAME]);
  return reinspect(key, { files, companions });
}

export function removeCheckpoint(key: string): void {
  const s = getState();
  if (s.progress?.key === key) void cancelRead();
  const rest = s.checkpoints.filter((c) => c.key !== key);
  setState({ checkpoints: rest });
  if (s.activeKey === key) {
    const last = rest[rest.length - 1];
    setState({ activeKey: last ? last.key : null, hovered: null, pinned: null });
  }
}

// ---- reading --------------------------------------------------------------------------------

let chain: Promise<void> = Promise.resolve();
let generation = 0;

export function enqueueRead(key: string): void {
  // settings out of range never start a read (the settings panel shows why beside each field)
  const eigen = maxEigenDimProblem(getState().maxEigenDim);
  const problems = [...settingProblems(getState().settings), ...(eigen ? [{ key: 'maxEigenDim', message: eigen }] : [])];
  if (problems.length) {
    updateCheckpoint(key, { readError: `Not read: ${problems.map((p) => `${p.key} ${p.message}`).join('; ')}.` });
    return;
  }
  updateCheckpoint(key, { status: 'queued', readError: null });
  const gen = generation;
  chain = chain.then(() => (gen === generation ? runRead(key) : undefined));
}

/** Run the checkpoint's read now; directions stream into `partial` as they finish. */
export async function runRead(key: string): Promise<void> {
  const c = getState().checkpoints.find((x) => x.key === key);
  if (!c) return;
  // the last good read comes back if this one fails (a failed re-read never costs a result)
  const previous = c.result;
  updateCheckpoint(key, { status: 'reading', partial: [], result: null, readError: null, stale: false });
  setState({ progress: { key, fraction: 0, etaSeconds: null, stage: 'starting', startedAt: Date.now() } });

  const smoother = new EtaSmoother();
  let buffer: DirectionResult[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    timer = null;
    if (!buffer.length) return;
    const add = buffer;
    buffer = [];
    updateCheckpoint(key, (cur) => ({ partial: [...cur.partial, ...add] }));
  };

  try {
    const result = await reader().read(c.files, optionsFor(c), (e) => {
      if (e.type === 'progress') {
        const eta = e.stage === 'scanning' ? smoother.update(e.fraction, Date.now() / 1000) : null;
        setState((s) => ({ progress: s.progress && s.progress.key === key
          ? { ...s.progress, fraction: e.fraction, etaSeconds: eta ?? s.progress.etaSeconds, stage: e.stage }
          : s.progress }));
      } else if (e.type === 'direction') {
        buffer.push(e.direction);
        timer ??= setTimeout(flush, 80);
      } else if (e.type === 'notice') {
        notify(`${c.name}: ${e.message}`);
      }
    });
    if (timer) clearTimeout(timer);
    flush();
    updateCheckpoint(key, { status: 'done', result, partial: [] });
  } catch (e) {
    if (timer) clearTimeout(timer);
    flush();
    if (isCancelled(e)) {
      // a cancelled re-read never costs the completed read either: it comes back (its settings were the earlier ones)
      updateCheckpoint(key, previous
        ? { status: 'cancelled', result: previous, partial: [], stale: true, readError: 'Read cancelled; the previous read is shown.' }
        : { status: 'cancelled', readError: 'Read cancelled; the directions read so far are shown.' });
    } else {
      const message = plainMessage(e);
      updateCheckpoint(key, previous
        ? { status: 'failed', result: previous, partial: [], stale: true, readError: `${message} — the previous read is shown.` }
        : { status: 'failed', readError: message });
      showError({ title: `Read of ${c.name} failed`, message });
    }
  } finally {
    setState((s) => ({ progress: s.progress?.key === key ? null : s.progress }));
  }
}

/** Stop the running read and drop the queued ones. */
export async function cancelRead(): Promise<void> {
  generation++;
  setState((s) => ({
    checkpoints: s.checkpoints.map((c) => (c.status === 'queued' ? { ...c, status: 'cancelled', readError: 'Not read (cancelled).' } : c)),
  }));
  try { await reader().cancel(); } catch { /* the read ends on its own */ }
}

export async function loadBackendInfo(): Promise<void> {
  try { setState({ backendInfo: await reader().backend() }); } catch { /* shown as unknown */ }
}
