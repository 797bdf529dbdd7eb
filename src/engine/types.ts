import type { ModelGraph } from '../model/graph.ts';

/** Parameter tensors by name, f64, row-major with their shapes. */
export interface Tensor64 { shape: number[]; data: Float64Array }
export type ParamSet = Map<string, Tensor64>;

/** Probe inputs: `count` samples of per-sample `shape`, row-major. */
export interface ProbeSet { count: number; shape: number[]; data: Float64Array }

export type Head = 'regression' | 'classification';

/** A change confined to a few tensors: tensor name -> dense array of that tensor's size. */
export type TensorPatch = Map<string, Float64Array>;

/**
 * One scan point: the parameters θ(t) = θ̂ + delta on the touched tensors, and the
 * (unit) direction v along which the directional Fisher is taken there. Tensors absent
 * from `delta` keep their checkpoint values; tensors absent from `tangent` have v = 0.
 */
export interface FisherQuery {
  delta: TensorPatch;
  tangent: TensorPatch;
  /** set on straight-line points, where delta = t·tangent: engines may use it instead of `delta` */
  t?: number;
}

/**
 * The straight-line point θ̂ + t·v. `delta` is built only if an engine reads it, so a scan
 * of a direction over a large tensor does not allocate t·v at every grid point.
 */
export function linePoint(v: TensorPatch, t: number): FisherQuery {
  let delta: TensorPatch | null = null;
  return {
    tangent: v,
    t,
    get delta(): TensorPatch {
      if (!delta) {
        delta = new Map();
        for (const [n, a] of v) delta.set(n, a.map((x) => x * t));
      }
      return delta;
    },
  };
}

export interface EngineProgress { done: number; total: number }

/**
 * The one interface both engines implement. `prepare` runs the forward pass once and
 * caches the activations at every op input, so a query only recomputes downstream of
 * the first op its patches touch. `directionalFisher` takes many queries (directions ×
 * scan points) at once; every query is averaged over all probe inputs.
 */
export interface FisherEngine {
  readonly name: 'cpu' | 'webgpu';
  /** adapter / implementation description, recorded in settings */
  readonly description: string;
  prepare(model: ModelGraph, params: ParamSet, probe: ProbeSet, head: Head): Promise<void>;
  /** F_v(θ) for each query (METHOD.md §1), in query order. */
  directionalFisher(
    queries: FisherQuery[],
    options?: { signal?: AbortSignal; onProgress?: (p: EngineProgress) => void },
  ): Promise<Float64Array>;
  dispose(): void;
}

export class CancelledError extends Error {
  constructor() {
    super('read cancelled');
    this.name = 'CancelledError';
  }
}
