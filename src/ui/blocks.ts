/**
 * The block-by-block view's model (issue 12): one row per transformer block (its attention, MLP
 * and norms), with its directions' classes, its gauge floors by family and its MLP's alignment.
 * Pure functions of a read, shared by the block table and its tests.
 */
import type { BlockRead, DirectionClass, DirectionResult, LayerResult, ReadResult } from '../read/schema.ts';
import { blockKey, directionBlock } from '../state/block-key.ts';
import { CLASSES } from './theme.ts';

export { blockKey, directionBlock };

/**
 * The symmetry families of the gauge detectors, in the order the paper's Fig. 8 lists them, each
 * with the exact ids of the detectors it covers (test/ui/blocks.test.ts checks every detector in
 * the registry is in a family or in NO_SYMMETRY, so a renamed detector cannot drop out silently).
 * Detectors outside every family are not gauges: the charts group them after the families, by name.
 */
export const GAUGE_FAMILIES: ReadonlyArray<{ family: string; short: string; detectors: readonly string[] }> = [
  { family: 'LayerNorm', short: 'LN', detectors: ['ln-mean', 'ln-scale', 'ln-kernel', 'ln-rescaling'] },
  { family: 'RMSNorm', short: 'RMS', detectors: ['rms-rescaling'] },
  { family: 'query–key', short: 'QK', detectors: ['qk-rotation', 'qk-linear'] },
  { family: 'value–output', short: 'VO', detectors: ['vo-linear'] },
  { family: 'softmax shift', short: 'softmax', detectors: ['softmax-shift'] },
  { family: 'residual stream', short: 'resid', detectors: ['residual-mean'] },
  { family: 'ReLU rescaling', short: 'ReLU', detectors: ['relu-rescaling'] },
];

/** The detectors that propose no symmetry (dead units, K-FAC subspaces, never-firing units). */
export const NO_SYMMETRY: readonly string[] = ['node-death', 'inactive', 'bottom-subspace', 'dual-factor', 'glu-unit'];

/** The gauge family of a detector, or null when the detector proposes no symmetry. */
export function gaugeFamily(detector: string): { family: string; short: string } | null {
  const f = GAUGE_FAMILIES.find((g) => g.detectors.includes(detector));
  return f ? { family: f.family, short: f.short } : null;
}

export interface BlockPart {
  /** the read's block name (a module, or `norm → linear`) */
  name: string;
  kind: BlockRead['kind'];
  read: boolean;
  why: string;
}

export interface GaugeFloor {
  family: string;
  short: string;
  /** directions of the family's detectors in the block, and how many of them read gauge */
  n: number;
  gauge: number;
  /** the largest R = F/F_live among them (a gauge's R is already its largest along the orbit): the floor the family reaches */
  worst: number;
}

export interface BlockRow {
  key: string;
  /** the block's numbered segment (`h.3`, `layers.11`) or its whole name */
  label: string;
  parts: BlockPart[];
  directions: DirectionResult[];
  counts: Record<DirectionClass, number>;
  gauges: GaugeFloor[];
  /** the MLP layers' axis-alignment (METHOD §5) at the automatic r */
  alignment: Array<{ layer: string; value: number; baseline: number; r: number; d: number }>;
  /** heads named by the block's directions (attention detectors) */
  heads: number[];
}

/** Whether the read is organised in blocks (a transformer read, block-local or whole). */
export function hasBlocks(r: Pick<ReadResult, 'blocks' | 'directions'> | null | undefined): boolean {
  if (!r) return false;
  return (r.blocks?.length ?? 0) > 0 || r.directions.some((d) => d.block !== undefined || d.head !== undefined);
}

/** `transformer.h.3` → `h.3`; a pair `transformer.ln_f → transformer.wte` → `ln_f → wte` (the full name is the row's title). */
function label(key: string): string {
  const m = /(?:^|\.)([A-Za-z_]\w*\.\d+)$/.exec(key);
  if (m) return m[1];
  return key.split(' → ').map((part) => part.replace(/ \(.*\)$/, '').split('.').pop()).join(' → ');
}

const zeroCounts = (): Record<DirectionClass, number> => Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<DirectionClass, number>;

/**
 * The rows, in the read's order (blocks first as `blocks[]` lists them, then blocks only the
 * directions or layers name). An inactive unit reported by two detectors is counted once.
 */
export function blockRows(r: Pick<ReadResult, 'blocks' | 'directions' | 'layers'>): BlockRow[] {
  const rows = new Map<string, BlockRow>();
  const row = (key: string): BlockRow => {
    let x = rows.get(key);
    if (!x) {
      x = { key, label: label(key), parts: [], directions: [], counts: zeroCounts(), gauges: [], alignment: [], heads: [] };
      rows.set(key, x);
    }
    return x;
  };
  for (const b of r.blocks ?? []) row(blockKey(b.block)).parts.push({ name: b.block, kind: b.kind, read: b.read, why: b.why });
  const inactive = new Set<string>();
  for (const d of r.directions) {
    const x = row(directionBlock(d));
    x.directions.push(d);
    if (d.head !== undefined && d.head !== null && !x.heads.includes(d.head)) x.heads.push(d.head);
    if (d.class === 'inactive' && d.unit !== null) {
      const unit = `${d.layer}\u0000${d.unit}`;
      if (inactive.has(unit)) continue;
      inactive.add(unit);
    }
    x.counts[d.class]++;
  }
  for (const l of r.layers as LayerResult[]) {
    if (!l.axisAlignment) continue;
    const a = l.axisAlignment;
    row(blockKey(l.block ?? l.layer)).alignment.push({ layer: l.layer, value: a.value, baseline: a.baseline, r: a.r, d: a.d });
  }
  for (const x of rows.values()) {
    x.heads.sort((a, b) => a - b);
    const floors = new Map<string, GaugeFloor>();
    for (const d of x.directions) {
      const f = gaugeFamily(d.detector);
      if (!f) continue;
      const g = floors.get(f.family) ?? { ...f, n: 0, gauge: 0, worst: 0 };
      g.n++;
      if (d.class === 'gauge') g.gauge++;
      if (d.ratio > g.worst) g.worst = d.ratio;
      floors.set(f.family, g);
    }
    x.gauges = GAUGE_FAMILIES.map((f) => floors.get(f.family)).filter((g): g is GaugeFloor => g !== undefined);
  }
  return [...rows.values()];
}

/** Blocks named in a list of directions, in first-seen order (the table's block filter). */
export function blocksOf(ds: readonly DirectionResult[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const d of ds) { const b = directionBlock(d); if (!seen.has(b)) { seen.add(b); out.push(b); } }
  return out;
}
