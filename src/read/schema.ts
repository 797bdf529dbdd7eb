/** The `deadscope.read/1` JSON: what the CLI prints, the explorer exports and every later tool consumes. */
import type { Positions, ReadSettings } from './settings.ts';
import type { Head } from '../engine/types.ts';
import type { LinearChainInput } from './assembly.ts';
import type { ProbeReport } from './probe-check.ts';
import type { AlignmentAtRank } from './alignment.ts';
import type { NuHatSummary } from './fluctuation-estimate.ts';

export type DirectionClass = 'live' | 'singular' | 'gauge' | 'inactive' | 'flat' | 'pre-asymptotic';

export interface Scan { t: number[]; F: number[]; slope: number[] }

export interface DirectionResult {
  id: string;
  detector: string;
  layer: string;
  unit: number | null;
  tensors: string[];
  predictedK: number | null;
  class: DirectionClass;
  /** how the class was decided: along the straight line, or along the detector's symmetry orbit */
  path: 'line' | 'orbit';
  k: number | null;
  kRounded: number | null;
  lambda: number | null;
  /** singular fluctuation ν(kRounded) of the order-k cell (METHOD §7) for singular and live
   *  directions; null otherwise */
  nu: number | null;
  /** F/F_live: at t_min of the straight line; for gauge directions the largest along the symmetry path */
  ratio: number;
  window: [number, number] | null;
  /** straight-line scan θ̂ + t·v; slope[i] is the local slope between t[i] and t[i+1] */
  scan: Scan;
  /** the scan along the exact symmetry path, for gauge detectors whose path is curved */
  orbitScan?: { t: number[]; F: number[] };
  /** F_live of the direction's block */
  fLive: number;
  /** short human-readable reason for the class */
  reason: string;
  /** set when the direction was read on one block alone, on synthetic inputs of its width */
  scope?: 'block-local';
  /** the block it was read in (block-local reads), or the transformer block it lies in (whole reads;
   *  the explorer's block view groups by it, else by the layer name's numbered segment) */
  block?: string;
  /** the attention head (or key/value group) a per-head detector's direction belongs to */
  head?: number;
}

export interface LayerResult {
  layer: string;
  width: number;
  inactiveUnits: number | null;
  /** METHOD §5; null where the layer has no activation-side subspace */
  /** METHOD §5 at the automatic r, and `sweep`: the same at r = 1 … min(8, d) (the optimiser
   *  contrast lives at small r). `undetermined` (here and per sweep entry): r cuts a cluster of
   *  tied eigenvalues from … to, so value and baseline are those of r = to (docs/METHOD.md notes) */
  axisAlignment: { r: number; d: number; value: number; baseline: number; undetermined?: { from: number; to: number }; sweep: AlignmentAtRank[] } | null;
  scope?: 'block-local';
  block?: string;
}

/** One recognised block of a model read block-locally: what was read, or why not. */
export interface BlockRead {
  block: string;
  kind: 'attention' | 'mlp' | 'head';
  /** the chain read (absent when the block was not read) */
  architecture: { inputShape: number[]; nodes: unknown[]; outputWidth: number } | null;
  read: boolean;
  why: string;
}

export interface AssemblyGroup {
  rule: 'separable' | 'transversal' | 'determinantal';
  lambda: number;
  m: number;
  why: string;
  directions: string[];
  /** chains: the closed form (null where METHOD has none), the λ assembled from the chain's
   *  bottom-subspace reads, their difference, and how many of its parameter directions were read */
  closedForm?: number | null;
  assembled?: number;
  difference?: number | null;
  enumerated?: number;
  params?: number;
  /** a direction not separable from the others (not one unit's coordinates, or a second on its unit) */
  alone?: boolean;
}

/** The whole model's (λ, m) (METHOD §6): the blocks' groups summed as separable blocks. */
export interface GlobalCoefficient {
  lambda: number;
  m: number;
  /** indices into `assembly` of the groups summed */
  groups: number[];
  /** directions with no place in the sum, and why */
  notEnumerable: { id: string; why: string }[];
  why: string;
  /** only where a summed group has a closed form (a chain): λ with each such group's value assembled
   *  from its own reads in place of its closed form, and that minus `lambda` (METHOD §6, notes) */
  assembled?: number;
  difference?: number;
}

/**
 * What a partial read (`--layers`) adds so that `deadscope merge` can join shards into the read of
 * the whole network: where its directions stand in the whole read's order, and the inputs of the
 * global assembly (METHOD §6), which needs every layer.
 */
export interface ShardInfo {
  layers: string[];
  /** order[i] = index of directions[i] among all the whole read's directions */
  order: number[];
  /** number of directions of the whole read */
  total: number;
  /** every unit layer of the network, in network order (the order of `layers[]`) */
  layerOrder: string[];
  chains: LinearChainInput[];
}

export interface ReadResult {
  schema: 'deadscope.read/1';
  checkpoint: {
    path: string;
    bytes: number;
    sha256: string;
    params: number;
    tensors: number;
    architecture: unknown;
  };
  settings: ReadSettings & {
    head: Head;
    activation: string;
    inputs: string;
    inputScale: number;
    detectors: string[];
    backend: string;
    adapter?: string;
    /** which engine ran the read and why (e.g. auto passing over a software WebGPU adapter) */
    engineChoice?: string;
    /** arithmetic asked of the CPU engine's fast scans (the WebGPU engine computes in f32) */
    precision?: 'f32' | 'f64';
    /** `all`: a token transformer's Fisher summed over every position; absent: one output a sample (the last position) */
    positions?: Positions;
  };
  backend: 'cpu' | 'webgpu';
  directions: DirectionResult[];
  layers: LayerResult[];
  assembly?: AssemblyGroup[];
  /** the whole model's (λ, m) from `assembly` (METHOD §6) */
  global?: GlobalCoefficient;
  /** ν(k) and the ν̂-vs-n data (WAIC functional variance on the order-k cell, METHOD §7) for
   *  every order k read on a singular direction */
  fluctuation?: { orders: { k: number; nu: number; nuHat: NuHatSummary[] }[] };
  /** classification head only: probe inputs on which the softmax is saturated (read/saturation.ts) */
  saturation?: { saturated: number; of: number; share: number; threshold: number; medianComplement: number };
  /** the probe used: what it was, its input scale and, when labelled, the model's accuracy and loss on it */
  probe?: ProbeReport;
  /** 'block-local' when the whole network could not be assembled and each block was read alone */
  scope?: 'whole' | 'block-local';
  blocks?: BlockRead[];
  /** present on a partial read (`--layers`) only */
  shard?: ShardInfo;
  warnings: string[];
  timing: { totalMs: number; prepareMs: number; scanMs: number; queries: number };
}
