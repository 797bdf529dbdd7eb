/**
 * The working set of a read, estimated before any of it is allocated, so a read that will not
 * fit says so at once with the number instead of failing minutes later in an allocation.
 */
import { valueShapes, size, type ModelGraph } from '../model/graph.ts';
import { activationLayers, unitLayers } from '../detectors/units.ts';
import { denseKey } from '../detectors/types.ts';
import { heldBytesPerElement } from '../format/safetensors.ts';
import { decodedBudgetBytes } from '../format/held-tensor.ts';
import type { DType } from '../format/dtype.ts';

/** Largest working set a read starts with (bytes). A browser tab's ArrayBuffers and Node's heap both fail near here. */
export const WORKING_SET_LIMIT_BYTES = 4 * 2 ** 30;

/**
 * Bytes a read holds at once: the parameters as held (`paramBytes`), the probe inputs, every
 * layer's activations on the probe in f64 (kept for the detectors; twice when the GPU engine runs,
 * which the dense CPU pass mirrors), and one difference + tangent pair of the widest layer per query
 * in flight.
 */
export function workingSetBytes(graph: Pick<ModelGraph, 'inputShape' | 'nodes'>, paramBytes: number, probe: number): number {
  const widths = valueShapes(graph).map(size);
  const activations = widths.reduce((a, b) => a + b, 0);
  const widest = Math.max(...widths);
  return paramBytes + 8 * probe * (2 * activations + 2 * widest);
}

/**
 * Bytes of a read's parameters: as held, in their stored dtype (F16/BF16 words 2 B, F32 4 B, the rest
 * f64), plus the decoded float32 copies of 16-bit tensors the decode cache keeps (at most its budget,
 * or the largest such tensor). The WebGPU engine writes each tensor's held bytes to the GPU as they
 * are (F64 ones converted one tensor at a time): no staging copy of the whole set.
 */
export function parameterBytes(tensors: readonly { dtype: DType; elements: number }[]): number {
  const half = tensors.filter((t) => heldBytesPerElement(t.dtype) === 2).map((t) => 4 * t.elements);
  const decoded = Math.min(half.reduce((a, b) => a + b, 0), Math.max(decodedBudgetBytes(), ...half, 0));
  return tensors.reduce((s, t) => s + t.elements * heldBytesPerElement(t.dtype), 0) + decoded;
}

export const formatBytes = (b: number): string =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 2 ** 10).toFixed(1)} KiB`;

/**
 * Largest matrix a read decomposes densely (symmetricEigen, O(d³); its loops in WebAssembly f64: an
 * 801 × 801 random matrix takes 0.6 s CPU on the project's 2-core machine, 3.2 s in plain JS, so
 * 2048 is about 10 s per decomposition, a few minutes without WebAssembly SIMD).
 * The `maxEigenDim` option (CLI `--max-eigen-dim`) overrides it; docs/METHOD.md notes.
 */
export const EIGEN_DIM_LIMIT = 2048;

/** The dense work of one part of a read, estimated from the shapes alone. */
export interface DensePart {
  /** `detector <id>` or `layer statistics` */
  part: string;
  layer: string;
  /** f64 bytes the part holds at once */
  bytes: number;
  /** the largest matrix it decomposes (d of a d × d) */
  eigenDim: number;
}

/** The dense work of a read fitted to the limits, layer by layer (see `planDenseWork`). */
export interface DensePlan {
  /**
   * `detector:layer` keys of the per-layer dense work left out: a detector skips those layers
   * and the factor pass does not compute their factors (DetectorContext.skipDense)
   */
  skip: Set<string>;
  /** the per-layer parts over a limit, left out of the read with a warning each */
  skipped: DensePart[];
  /** a part that no per-layer skipping brings under the limit: the read refuses with it */
  refused: DensePart | null;
}

/**
 * The dense work of a read checked against the limits from the shapes alone (nothing is
 * allocated), layer by layer, so a read leaves out only the layers over a limit instead of
 * refusing the whole model:
 *  - a layer's K-FAC factor (bottom-subspace: the linear or conv output side; dual-factor: the
 *    unit layer's consumer side) or axis alignment (layer statistics) wider than maxEigenDim;
 *  - the K-FAC output-side pass: every factor is accumulated at once (output-factors.ts), so their
 *    bytes add up with the per-sample cotangent (outputWidth × 2 × the widest value); the widest
 *    factors are left out until the pass fits. Only a cotangent over the limit by itself refuses.
 */
export function planDenseWork(
  graph: ModelGraph, detectorIds: readonly string[], maxEigenDim: number, limitBytes = WORKING_SET_LIMIT_BYTES,
): DensePlan {
  const shapes = valueShapes(graph);
  const outW = size(shapes[graph.output]);
  const widest = Math.max(...shapes.map(size));
  const units = unitLayers(graph);
  const on = (id: string) => detectorIds.includes(id);
  const skip = new Set<string>();
  const skipped: DensePart[] = [];
  // every factor the pass may compute: a disabled detector's are left out without a word
  const factors: { detector: string; layer: string; bytes: number; eigenDim: number }[] = [];
  for (const node of graph.nodes) {
    const op = node.op;
    if (op.kind !== 'linear' && op.kind !== 'conv2d') continue;
    const out = op.kind === 'linear' ? op.outFeatures : op.outChannels;
    // the input-side factor is decomposed too: the larger side is the one that counts
    const inSide = op.kind === 'linear' ? op.inFeatures + (op.bias ? 1 : 0) : op.inChannels * op.kernel[0] * op.kernel[1] + (op.bias ? 1 : 0);
    factors.push({ detector: 'bottom-subspace', layer: op.layer, bytes: 8 * out ** 2, eigenDim: Math.max(inSide, out) });
  }
  for (const L of units) factors.push({ detector: 'dual-factor', layer: L.layer, bytes: 8 * L.units ** 2, eigenDim: L.units });
  const needed = factors.filter((f) => {
    const key = denseKey(f.detector, f.layer);
    if (!on(f.detector)) {
      skip.add(key);
      return false;
    }
    if (f.eigenDim <= maxEigenDim) return true;
    skip.add(key);
    skipped.push({ part: `detector ${f.detector}`, layer: f.layer, bytes: 8 * f.eigenDim ** 2, eigenDim: f.eigenDim });
    return false;
  });
  let refused: DensePart | null = null;
  if (needed.length) {
    const cotangent = 8 * outW * 2 * widest;
    let total = cotangent + needed.reduce((s, f) => s + f.bytes, 0);
    if (cotangent > limitBytes) {
      refused = { part: `detector ${needed[0].detector}`, layer: 'all layers', bytes: total, eigenDim: 0 };
    } else {
      // the widest first (the first in graph order among equals), until the pass fits
      for (const f of [...needed].sort((a, b) => b.bytes - a.bytes)) {
        if (total <= limitBytes) break;
        total -= f.bytes;
        skip.add(denseKey(f.detector, f.layer));
        skipped.push({ part: `detector ${f.detector}`, layer: f.layer, bytes: f.bytes, eigenDim: 0 });
      }
    }
  }
  for (const L of activationLayers(graph)) {
    if (L.units <= maxEigenDim) continue;
    skip.add(denseKey('layer statistics', L.layer));
    skipped.push({ part: 'layer statistics', layer: L.layer, bytes: 8 * L.units ** 2, eigenDim: L.units });
  }
  return { skip, skipped, refused };
}

/** One plain line for a part over a limit. */
export function densePartProblem(p: DensePart, maxEigenDim: number, limitBytes = WORKING_SET_LIMIT_BYTES): string {
  if (p.eigenDim > maxEigenDim) {
    return `${p.part} on layer ${p.layer} decomposes a ${p.eigenDim} × ${p.eigenDim} matrix (${formatBytes(p.bytes)}; O(d³), minutes to hours in plain JS), above the ${maxEigenDim} limit (maxEigenDim)`;
  }
  return p.layer === 'all layers'
    ? `${p.part} needs about ${formatBytes(p.bytes)} of memory (${p.layer}), more than the ${formatBytes(limitBytes)} a read may use`
    : `${p.part}'s factor on layer ${p.layer} (${formatBytes(p.bytes)}) takes the K-FAC pass, which holds every layer's factor at once, over the ${formatBytes(limitBytes)} a read may use`;
}

/** The warning for a part left out: what, why, and the setting that would include it. */
export function densePartSkipped(p: DensePart, maxEigenDim: number, limitBytes = WORKING_SET_LIMIT_BYTES): string {
  const what = p.part === 'layer statistics' ? 'axis alignment' : p.part.replace(/^detector /, '');
  const include = p.eigenDim > maxEigenDim
    ? `--max-eigen-dim ${p.eigenDim} (maxEigenDim) includes it`
    : 'a read of fewer layers or detectors includes it (--detectors, or --scope block-local for transformers)';
  return `layer ${p.layer}: ${what} skipped: ${densePartProblem(p, maxEigenDim, limitBytes)}; ${include}`;
}
