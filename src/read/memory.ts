/**
 * The working set of a read, estimated before any of it is allocated, so a read that will not
 * fit says so at once with the number instead of failing minutes later in an allocation.
 */
import { valueShapes, size, type ModelGraph } from '../model/graph.ts';
import { unitLayers } from '../detectors/units.ts';

/** Largest working set a read starts with (bytes). A browser tab's ArrayBuffers and Node's heap both fail near here. */
export const WORKING_SET_LIMIT_BYTES = 4 * 2 ** 30;

/**
 * f64 bytes a read holds at once: the parameters, the probe inputs, every layer's activations
 * on the probe (kept for the detectors; twice when the GPU engine runs, which the dense CPU pass
 * mirrors), and one difference + tangent pair of the widest layer per query in flight.
 */
export function workingSetBytes(graph: Pick<ModelGraph, 'inputShape' | 'nodes'>, params: number, probe: number): number {
  const widths = valueShapes(graph).map(size);
  const activations = widths.reduce((a, b) => a + b, 0);
  const widest = Math.max(...widths);
  return 8 * (params + probe * (2 * activations + 2 * widest));
}

export const formatBytes = (b: number): string =>
  b >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : b >= 2 ** 20 ? `${(b / 2 ** 20).toFixed(1)} MiB` : `${(b / 2 ** 10).toFixed(1)} KiB`;

/**
 * Largest matrix a read decomposes densely (symmetricEigen, O(d³) in plain JS; an 801 × 801
 * takes 4.5–9.7 s on the project's 2-core machine, so 2048 is about 1–3 min per decomposition).
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

/**
 * The parts of a read over the memory or the eigen-dimension limit: the K-FAC output-side
 * factors (bottom-subspace, dual-factor: one reverse pass holds an outputWidth × width cotangent
 * per value, and every factor is d × d), and the per-layer axis alignment (d × d activation
 * covariance, decomposed). Shapes only: nothing is allocated.
 */
export function densePartsOverLimit(
  graph: ModelGraph, detectorIds: readonly string[], maxEigenDim: number, limitBytes = WORKING_SET_LIMIT_BYTES,
): DensePart[] {
  const shapes = valueShapes(graph);
  const outW = size(shapes[graph.output]);
  const widest = Math.max(...shapes.map(size));
  const units = unitLayers(graph);
  const parts: DensePart[] = [];
  const usesFactors = detectorIds.includes('bottom-subspace') || detectorIds.includes('dual-factor');
  if (usesFactors) {
    // every factor of every layer is computed in one pass (output-factors.ts), so their bytes add up
    let factorBytes = 0;
    for (const node of graph.nodes) {
      if (node.op.kind === 'linear') factorBytes += 8 * node.op.outFeatures ** 2;
      if (node.op.kind === 'conv2d') factorBytes += 8 * node.op.outChannels ** 2;
    }
    for (const L of units) factorBytes += 8 * L.units ** 2;
    const passBytes = 8 * outW * 2 * widest + factorBytes;
    for (const id of ['bottom-subspace', 'dual-factor']) {
      if (!detectorIds.includes(id)) continue;
      if (passBytes > limitBytes) parts.push({ part: `detector ${id}`, layer: 'all layers', bytes: passBytes, eigenDim: 0 });
    }
  }
  if (detectorIds.includes('bottom-subspace')) {
    for (const node of graph.nodes) {
      const op = node.op;
      const dims = op.kind === 'linear' ? [op.inFeatures + (op.bias ? 1 : 0), op.outFeatures]
        : op.kind === 'conv2d' ? [op.inChannels * op.kernel[0] * op.kernel[1] + (op.bias ? 1 : 0), op.outChannels] : null;
      if (!dims || !('layer' in op)) continue;
      const d = Math.max(...dims);
      if (d > maxEigenDim) parts.push({ part: 'detector bottom-subspace', layer: op.layer, bytes: 8 * d * d, eigenDim: d });
    }
  }
  for (const L of units) {
    if (L.units <= maxEigenDim) continue;
    if (detectorIds.includes('dual-factor')) parts.push({ part: 'detector dual-factor', layer: L.layer, bytes: 8 * L.units ** 2, eigenDim: L.units });
    parts.push({ part: 'layer statistics', layer: L.layer, bytes: 8 * L.units ** 2, eigenDim: L.units });
  }
  return parts;
}

/** One plain line for a part over a limit. */
export function densePartProblem(p: DensePart, maxEigenDim: number, limitBytes = WORKING_SET_LIMIT_BYTES): string {
  return p.eigenDim > maxEigenDim
    ? `${p.part} on layer ${p.layer} decomposes a ${p.eigenDim} × ${p.eigenDim} matrix (${formatBytes(p.bytes)}; O(d³), minutes to hours in plain JS), above the ${maxEigenDim} limit (maxEigenDim)`
    : `${p.part} needs about ${formatBytes(p.bytes)} of memory (${p.layer}), more than the ${formatBytes(limitBytes)} a read may use`;
}
