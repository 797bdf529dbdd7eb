/** Everything a read can be told: the METHOD settings plus the model/probe choices. */
import type { Activation } from '../model/graph.ts';
import type { Head } from '../engine/types.ts';
import { DEFAULT_SETTINGS, type Positions, type ReadSettings } from './settings.ts';
import { EIGEN_DIM_LIMIT } from './memory.ts';

export interface ReadOptions extends ReadSettings {
  /**
   * output head; auto = `__metadata__.head`, else regression for width 1, else classification;
   * logits = a Gaussian on the centred logits, which does not saturate (METHOD notes)
   */
  head: 'auto' | Head;
  /** hidden activation override (else `__metadata__.activation`, else ReLU with a warning) */
  activation: Activation | null;
  /** U8 probe inputs are multiplied by this (default 1/255) */
  inputScale: number;
  /** detector ids to run; null = every detector that applies */
  detectors: string[] | null;
  backend: 'auto' | 'cpu' | 'webgpu';
  /** arithmetic of the CPU engine's fast unit-direction and live-probe scans; f64 is the reference */
  precision: 'f32' | 'f64';
  /** threads of the CPU engine (Node worker threads; in the browser Web Workers, on a cross-origin isolated page): 1 = this thread only */
  threads: number;
  /** read only the directions of these layers (a shard; `deadscope merge` joins shards); null = all */
  layers: string[] | null;
  /**
   * transformers: `whole` reads the assembled network (an error naming what is missing when it
   * cannot be assembled), `block-local` each block alone, `auto` the whole network where it
   * assembles and block-local reads where not
   */
  scope: 'auto' | 'whole' | 'block-local';
  /** synthetic token probes: at most this many positions (the model's context length when shorter) */
  contextCap: number;
  /**
   * largest d × d matrix a read decomposes densely (O(d³)); a detector over it refuses the read,
   * a layer's axis alignment over it is skipped with a warning (src/read/memory.ts)
   */
  maxEigenDim: number;
  /** token transformers (whole network): the Fisher of the last position, or summed over all positions */
  positions: Positions;
}

/** The head choices with what each reads (CLI help, the explorer's head control). */
export const HEAD_CHOICES: readonly { value: ReadOptions['head']; label: string }[] = [
  { value: 'auto', label: 'auto' },
  { value: 'regression', label: 'regression (Gaussian)' },
  { value: 'classification', label: 'classification (softmax)' },
  { value: 'logits', label: 'logits (Gaussian on centred logits; does not saturate)' },
];

/** The scope choices (the explorer's scope control for transformers). */
export const SCOPE_CHOICES: readonly { value: ReadOptions['scope']; label: string }[] = [
  { value: 'auto', label: 'auto (whole where it assembles)' },
  { value: 'whole', label: 'whole network' },
  { value: 'block-local', label: 'block-local (each block alone)' },
];

export const DEFAULT_OPTIONS: ReadOptions = {
  ...DEFAULT_SETTINGS,
  head: 'auto',
  activation: null,
  inputScale: 1 / 255,
  detectors: null,
  backend: 'auto',
  precision: 'f32',
  layers: null,
  threads: 1,
  scope: 'auto',
  contextCap: 32,
  maxEigenDim: EIGEN_DIM_LIMIT,
  positions: 'last',
};
