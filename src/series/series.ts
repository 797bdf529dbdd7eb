/**
 * Reads across training: the step of a checkpoint from its name, one summary row per read
 * (class census, λ, alignment, numeric metadata such as accuracies) and the series CSV. Shared by
 * `deadscope read` over several files and the explorer's training-run view; pure data, no I/O.
 */
import { csvCell } from '../format/csv.ts';
import type { DirectionClass, DirectionResult, ReadResult } from '../read/schema.ts';

export const SERIES_CLASSES: readonly DirectionClass[] = ['live', 'singular', 'gauge', 'inactive', 'flat', 'pre-asymptotic'];

/**
 * The training step a checkpoint's path names: `step_1000.safetensors`, `step-1000`, `ckpt_step1000`,
 * a Hugging Face `checkpoint-1000/` folder, `global_step1000/`, or else the last number of the file
 * stem (`model_01000.safetensors`). Null when the path has no number.
 */
export function stepFromName(path: string): number | null {
  const parts = path.replace(/\\/g, '/').split('/').filter(Boolean);
  const file = parts[parts.length - 1] ?? '';
  const stem = file.replace(/\.safetensors$/i, '');
  const named = /(?:^|[^a-z])(?:global_)?step[_-]?(\d+)/i.exec(stem) ?? /(?:^|[^a-z])(?:iter|it|epoch)[_-]?(\d+)/i.exec(stem);
  if (named) return Number(named[1]);
  // a folder per checkpoint: checkpoint-1000/model.safetensors
  for (let i = parts.length - 2; i >= 0; i--) {
    const m = /^(?:checkpoint|ckpt|global_step|step)[_-]?(\d+)$/i.exec(parts[i]);
    if (m) return Number(m[1]);
  }
  const last = stem.match(/\d+/g);
  return last ? Number(last[last.length - 1]) : null;
}

/** The step from a path, else from `__metadata__.step`. */
export function checkpointStep(path: string, metadata: Record<string, string> | null | undefined): number | null {
  const fromName = stepFromName(path);
  if (fromName !== null) return fromName;
  const m = metadata?.step;
  return m !== undefined && /^\d+$/.test(m.trim()) ? Number(m) : null;
}

/**
 * Directions per class, an inactive unit once: the node-death detector and the inactive
 * detector both report a never-firing unit, keyed here by (layer, unit).
 */
export function censusCounts(ds: readonly DirectionResult[]): Record<DirectionClass, number> {
  const out = Object.fromEntries(SERIES_CLASSES.map((c) => [c, 0])) as Record<DirectionClass, number>;
  const inactive = new Set<string>();
  for (const d of ds) {
    if (d.class === 'inactive' && d.unit !== null) {
      const key = `${d.layer}\u0000${d.unit}`;
      if (inactive.has(key)) continue;
      inactive.add(key);
    }
    out[d.class]++;
  }
  return out;
}

/** Σ over the directions with an order (live and singular) of 1/(2k): the census λ. */
export function censusLambda(ds: readonly DirectionResult[]): number {
  let s = 0;
  for (const d of ds) if ((d.class === 'live' || d.class === 'singular') && d.lambda !== null) s += d.lambda;
  return s;
}

/** The read's assembled global (λ, m), when it carries one (METHOD §6). */
export function globalLambda(r: ReadResult): { lambda: number; m: number } | null {
  const g = (r as { global?: { lambda?: unknown; m?: unknown } }).global;
  return g && typeof g.lambda === 'number' && typeof g.m === 'number' ? { lambda: g.lambda, m: g.m } : null;
}

export interface SeriesRow {
  step: number | null;
  file: string;
  sha256: string;
  directions: number;
  counts: Record<DirectionClass, number>;
  censusLambda: number;
  global: { lambda: number; m: number } | null;
  /** layer → alignment value (METHOD §5) */
  alignment: Record<string, number>;
  /** numeric `__metadata__` entries (train_loss, test_acc, …) other than the step */
  metadata: Record<string, number>;
  /** the model's accuracy (classification) or R² (regression) and loss on a labelled probe, computed by the read */
  probe: { accuracy: number | null; r2: number | null; loss: number } | null;
}

export function seriesRow(r: ReadResult, metadata: Record<string, string> | null | undefined, file = r.checkpoint.path): SeriesRow {
  const numeric: Record<string, number> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (k === 'step') continue;
    const x = Number(v);
    if (v.trim() !== '' && Number.isFinite(x)) numeric[k] = x;
  }
  const alignment: Record<string, number> = {};
  for (const l of r.layers) if (l.axisAlignment) alignment[l.layer] = l.axisAlignment.value;
  const labels = r.probe?.labels;
  return {
    step: checkpointStep(file, metadata), file, sha256: r.checkpoint.sha256, directions: r.directions.length,
    counts: censusCounts(r.directions), censusLambda: censusLambda(r.directions), global: globalLambda(r), alignment, metadata: numeric,
    probe: labels ? { accuracy: labels.accuracy, r2: labels.r2, loss: labels.loss } : null,
  };
}

/** Rows by step (rows without a step last, by file name). */
export function sortSeries(rows: readonly SeriesRow[]): SeriesRow[] {
  return rows.slice().sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity) || a.file.localeCompare(b.file, 'en', { numeric: true }));
}


/** One line per checkpoint, by step: census, λ, alignment per layer, the labelled probe's accuracy and loss, numeric metadata. */
export function seriesCsv(rows: readonly SeriesRow[]): string {
  const sorted = sortSeries(rows);
  const layers = [...new Set(sorted.flatMap((r) => Object.keys(r.alignment)))];
  const meta = [...new Set(sorted.flatMap((r) => Object.keys(r.metadata)))].sort();
  const probed = sorted.some((r) => r.probe);
  const header = ['step', 'file', 'sha256', 'directions', ...SERIES_CLASSES.map((c) => `n_${c}`), 'census_lambda', 'global_lambda', 'global_m',
    ...layers.map((l) => `alignment_${l}`), ...(probed ? ['probe_accuracy', 'probe_r2', 'probe_loss'] : []), ...meta];
  const lines = [header.map(csvCell).join(',')];
  for (const r of sorted) {
    lines.push([
      r.step, r.file, r.sha256, r.directions, ...SERIES_CLASSES.map((c) => r.counts[c]), r.censusLambda, r.global?.lambda ?? null, r.global?.m ?? null,
      ...layers.map((l) => r.alignment[l] ?? null),
      ...(probed ? [r.probe?.accuracy ?? null, r.probe?.r2 ?? null, r.probe?.loss ?? null] : []), ...meta.map((k) => r.metadata[k] ?? null),
    ].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
