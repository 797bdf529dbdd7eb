/** Helpers every op's f64 reference shares: its tensors' values and tangents by name. */
import type { ParamArray, ParamSet, TensorPatch } from '../engine/types.ts';

/** Parameter value of tensor `name`, or null when the op has no such tensor. */
export function param(params: ParamSet, name: string | null): ParamArray | null {
  if (name === null) return null;
  const t = params.get(name);
  if (!t) throw new Error(`missing tensor ${name}`);
  return t.data;
}

/** The tangent of tensor `name` (null = 0). */
export const patchOf = (p: TensorPatch | null, name: string | null): Float64Array | null =>
  p && name !== null ? (p.get(name) ?? null) : null;

/** Reverse mode through an op (or op configuration) it is not written for. */
export class UnsupportedBackwardError extends Error {}
