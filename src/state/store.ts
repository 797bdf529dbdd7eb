/**
 * The explorer's one store: loaded checkpoints (each with its files, summary and read), the
 * read settings, the run in progress, and the shared hovered/pinned direction every figure
 * and table follows.
 */
import { create } from 'zustand';
import type { Activation } from '../model/graph.ts';
import type { CheckpointSummary } from '../model/inspect.ts';
import type { DirectionClass, DirectionResult, ReadResult } from '../read/schema.ts';
import { DEFAULT_SETTINGS, type ReadSettings } from '../read/settings.ts';
import { EIGEN_DIM_LIMIT } from '../read/memory.ts';
import { directionBlock } from './block-key.ts';
import type { ReadFiles } from '../worker/api.ts';
import { DEFAULT_OPTIONS, type ReadOptions } from '../read/options.ts';

export type Head = ReadOptions['head'];
export type Backend = 'auto' | 'cpu' | 'webgpu';

export interface ModelOverrides {
  head: Head;
  activation: Activation | null;
  /** transformers: the whole network, each block alone, or auto (whole where it assembles) */
  scope: ReadOptions['scope'];
}

export type ReadStatus = 'inspected' | 'queued' | 'reading' | 'done' | 'cancelled' | 'failed';

export interface LoadedCheckpoint {
  key: string;
  /** display name (file name) */
  name: string;
  files: ReadFiles;
  /** the files as opened (before any architecture edit here) */
  originalFiles: ReadFiles;
  /** model overrides or the architecture changed since the last read */
  stale: boolean;
  /** names of the companion files, for display */
  companions: string[];
  summary: CheckpointSummary;
  overrides: ModelOverrides;
  status: ReadStatus;
  /** directions streamed in while the read runs */
  partial: DirectionResult[];
  result: ReadResult | null;
  /** why the last read failed or stopped */
  readError: string | null;
  example: boolean;
  /** the training step its path or __metadata__ names (series/series.ts), else null */
  step?: number | null;
  /** the training run it was opened with (several checkpoints with steps dropped together) */
  run?: string | null;
  /** SHA-256 of the file, computed when another open file has the same size (duplicates open once) */
  sha256?: string;
}

export interface Progress { key: string; fraction: number; etaSeconds: number | null; stage: string; startedAt: number }

export interface AppError { title: string; message: string }

/** 'order' = the order the read produced (detector by detector, layer by layer) */
export type SortKey = 'order' | 'id' | 'layer' | 'detector' | 'class' | 'k' | 'kRounded' | 'lambda' | 'nu' | 'ratio' | 'predictedK';

export interface DirectionFilter {
  /** classes shown (empty = all) */
  classes: DirectionClass[];
  /** detectors shown (empty = all) */
  detectors: string[];
  /** layers shown (empty = all) */
  layers: string[];
  /** transformer blocks shown (state/block-key.ts; empty = all) */
  blocks: string[];
  /** attention heads shown (empty = all; a direction with no head is hidden when any is chosen) */
  heads: number[];
  text: string;
}

export const NO_FILTER: DirectionFilter = { classes: [], detectors: [], layers: [], blocks: [], heads: [], text: '' };

export function filterActive(f: DirectionFilter): boolean {
  return f.classes.length > 0 || f.detectors.length > 0 || f.layers.length > 0 || f.blocks.length > 0 || f.heads.length > 0 || f.text.trim() !== '';
}

/** The directions the table's filter keeps: the table lists them and every figure draws them. */
export function filterDirections(all: readonly DirectionResult[], f: DirectionFilter): DirectionResult[] {
  const q = f.text.trim().toLowerCase();
  return all.filter((d) => (f.classes.length === 0 || f.classes.includes(d.class))
    && (f.detectors.length === 0 || f.detectors.includes(d.detector))
    && (f.layers.length === 0 || f.layers.includes(d.layer))
    && (f.blocks.length === 0 || f.blocks.includes(directionBlock(d)))
    && (f.heads.length === 0 || (d.head !== undefined && f.heads.includes(d.head)))
    && (!q || `${d.id} ${d.layer} ${d.detector} ${d.tensors.join(' ')} ${d.reason}`.toLowerCase().includes(q)));
}

export interface State {
  checkpoints: LoadedCheckpoint[];
  activeKey: string | null;
  settings: ReadSettings;
  /** largest d × d matrix a read decomposes densely (ReadOptions.maxEigenDim); NaN while the field holds no number */
  maxEigenDim: number;
  backend: Backend;
  /** threads of the CPU engine (ReadOptions.threads): Web Workers beside the read worker on a cross-origin isolated page */
  threads: number;
  /** arithmetic of the CPU engine's fast scans (ReadOptions.precision); the WebGPU engine computes in f32 */
  precision: ReadOptions['precision'];
  progress: Progress | null;
  hovered: string | null;
  /** where the tooltip for the hovered direction goes (viewport px) */
  anchor: { x: number; y: number } | null;
  pinned: string | null;
  error: AppError | null;
  notices: string[];
  filter: DirectionFilter;
  sort: { key: SortKey; dir: 1 | -1 };
  backendInfo: { name: string; description: string } | null;
  /** a file read is being inspected (before it joins the list) */
  busy: string | null;
}

export const initialState = (): State => ({
  checkpoints: [],
  activeKey: null,
  settings: { ...DEFAULT_SETTINGS },
  maxEigenDim: EIGEN_DIM_LIMIT,
  backend: 'auto',
  threads: 1,
  precision: DEFAULT_OPTIONS.precision,
  progress: null,
  hovered: null,
  anchor: null,
  pinned: null,
  error: null,
  notices: [],
  filter: { ...NO_FILTER },
  sort: { key: 'order', dir: 1 },
  backendInfo: null,
  busy: null,
});

export const useStore = create<State>()(() => initialState());

export const getState = useStore.getState;
export const setState = useStore.setState;

// ---- selectors ------------------------------------------------------------------------------

export function activeCheckpoint(s: State): LoadedCheckpoint | null {
  return s.checkpoints.find((c) => c.key === s.activeKey) ?? null;
}

/** The directions to draw: the finished read, else what has streamed in so far. */
export function directionsOf(c: LoadedCheckpoint | null): DirectionResult[] {
  if (!c) return [];
  return c.result ? c.result.directions : c.partial;
}

/** The checkpoints of the active checkpoint's training run, by step (empty when it is not part of one). */
export function runOf(s: Pick<State, 'checkpoints' | 'activeKey'>): LoadedCheckpoint[] {
  const a = s.checkpoints.find((c) => c.key === s.activeKey);
  if (!a?.run) return [];
  return s.checkpoints.filter((c) => c.run === a.run).sort((x, y) => (x.step ?? Infinity) - (y.step ?? Infinity));
}

/** The direction every figure highlights: the hovered one, else the pinned one. */
export function focusId(s: Pick<State, 'hovered' | 'pinned'>): string | null {
  return s.hovered ?? s.pinned;
}

// ---- small mutations used by components ------------------------------------------------------

export function updateCheckpoint(key: string, patch: Partial<LoadedCheckpoint> | ((c: LoadedCheckpoint) => Partial<LoadedCheckpoint>)): void {
  setState((s) => ({
    checkpoints: s.checkpoints.map((c) => (c.key === key ? { ...c, ...(typeof patch === 'function' ? patch(c) : patch) } : c)),
  }));
}

let anchoredAt = 0;

export function setHovered(id: string | null, anchor: { x: number; y: number } | null = null): void {
  const s = getState();
  if (s.hovered === id && (!anchor || (s.anchor && Math.abs(s.anchor.x - anchor.x) + Math.abs(s.anchor.y - anchor.y) < 2))) return;
  if (anchor) anchoredAt = Date.now();
  setState({ hovered: id, anchor: id ? anchor : null });
}

/** The page scrolled: a tooltip anchored a while ago no longer points at its row, so hide it (the highlight stays). */
export function scrolled(): void {
  if (getState().anchor && Date.now() - anchoredAt > 300) setState({ anchor: null });
}

export function togglePinned(id: string): void {
  setState((s) => ({ pinned: s.pinned === id ? null : id }));
}

export function unpin(): void {
  setState({ pinned: null, hovered: null });
}

export function setActive(key: string): void {
  setState({ activeKey: key, hovered: null, pinned: null });
}

export function notify(message: string): void {
  // the same notice can arrive twice (worker-level and inside the running read)
  setState((s) => (s.notices.includes(message) ? {} : { notices: [...s.notices.slice(-4), message] }));
}

export function dismissNotice(i: number): void {
  setState((s) => ({ notices: s.notices.filter((_, j) => j !== i) }));
}
