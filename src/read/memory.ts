/**
 * The working set of a read, estimated before any of it is allocated, so a read that will not
 * fit says so at once with the number instead of failing minutes later in an allocation.
 */
import { valueShapes, size, type ModelGraph } from '../model/graph.ts';

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
