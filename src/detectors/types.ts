/** The detector plug-in contract (METHOD §4): graph + weights + probe activations → candidate directions. */
import type { ModelGraph } from '../model/graph.ts';
import type { FisherQuery, Head, ParamSet, ProbeSet, TensorPatch } from '../engine/types.ts';
import type { ReadSettings } from '../read/settings.ts';
import type { Rng } from '../math/random.ts';

export interface DetectorContext {
  model: ModelGraph;
  params: ParamSet;
  probe: ProbeSet;
  head: Head;
  /** values[v] = value v of the graph over all probes (f64), by value id (0 = input) */
  values: Float64Array[];
  settings: ReadSettings;
  /** seeded, shared by all detectors in registry order (deterministic for a seed) */
  rng: Rng;
  /**
   * `detector:layer` keys (src/read/memory.ts `denseKey`) of dense work over the read's limits:
   * that detector leaves that layer out (the read warns), and its factors are not computed
   */
  skipDense?: ReadonlySet<string>;
  /**
   * Awaited between the steps of long work (layers, probe samples of a dense pass): lets a cancel
   * land and throws CancelledError once the read is cancelled (src/engine/types.ts pauser)
   */
  pause?: () => Promise<void>;
}

/** The `DetectorContext.skipDense` key of a detector's dense work on one layer. */
export const denseKey = (detector: string, layer: string): string => `${detector}:${layer}`;

/** Whether the read left this detector's dense work on this layer out (over a limit). */
export const skipsDense = (ctx: DetectorContext, detector: string, layer: string): boolean => ctx.skipDense?.has(denseKey(detector, layer)) ?? false;

export interface Candidate {
  id: string;
  detector: string;
  /** tensor-name prefix of the layer whose units index the direction */
  layer: string;
  unit: number | null;
  /** the attention head, or key/value group under GQA, of a per-head detector's direction */
  head?: number;
  /** the tensors of the direction's block: those it touches (the live reference of METHOD §3 is drawn over them) */
  tensors: string[];
  /** builds the unit-norm direction v (lazily: a read holds only the batch being scanned) */
  direction: () => TensorPatch;
  /** the order the architecture predicts (null: none predicted, e.g. a gauge or a basis-free probe) */
  predictedK: number | null;
  /** a symmetry detector's direction: classified along its exact path (METHOD §3) */
  gauge: boolean;
  /**
   * The exact one-parameter symmetry path when it is curved: θ(t) − θ̂ and the unit tangent
   * there. Absent for additive gauges, whose path is the straight line itself.
   */
  orbit?: (t: number) => FisherQuery;
  /** a caveat the read appends to the direction's reason (e.g. a random fallback for zero weights) */
  note?: string;
}

export interface Detector {
  id: string;
  /** one line for help texts */
  summary: string;
  /** a detector with long dense work is async and awaits `ctx.pause` between its steps */
  detect(ctx: DetectorContext): Candidate[] | Promise<Candidate[]>;
}

/** A detector with a dense pass: it awaits `ctx.pause` between layers and probe samples. */
export interface PausingDetector extends Detector {
  detect(ctx: DetectorContext): Promise<Candidate[]>;
}

/** A detector whose work is short (no dense pass): it answers at once. */
export interface ImmediateDetector extends Detector {
  detect(ctx: DetectorContext): Candidate[];
}

/** Scale a patch so that its total Euclidean norm is 1 (a zero patch is returned unchanged). */
export function normalizePatch(p: TensorPatch): TensorPatch {
  let s = 0;
  for (const a of p.values()) for (const x of a) s += x * x;
  const k = s > 0 ? 1 / Math.sqrt(s) : 1;
  const out: TensorPatch = new Map();
  for (const [n, a] of p) out.set(n, a.map((x) => x * k));
  return out;
}

