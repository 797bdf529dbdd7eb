/** What `prepare` leaves for the batch plans: the graph, its GPU buffers, and how to encode one node. */
import type { ModelGraph, Op } from '../../model/graph.ts';
import type { Head, ParamSet } from '../types.ts';
import { opDef } from '../../ops/registry.ts';
import type { FlowAt, GpuContext, ParamRef, Recorder } from './context.ts';
import type { BatchBuffers } from './buffers.ts';
import { blockSum } from './fisher.ts';

export interface PreparedGraph {
  ctx: GpuContext;
  device: GPUDevice;
  model: ModelGraph;
  /** the nodes' ops in order; in a chain op i reads value i and writes value i + 1 */
  ops: Op[];
  params: ParamSet;
  head: Head;
  /** probe samples */
  n: number;
  /** per-sample shapes and sizes by value id */
  shapes: number[][];
  widths: number[];
  /** cache[v] = value v for all probe samples (an aliasing op shares its input's buffer) */
  cache: GPUBuffer[];
  /** every checkpoint tensor, f32 */
  paramBuf: GPUBuffer;
  /** where a checkpoint tensor sits in paramBuf (null name = absent tensor) */
  base(name: string | null): ParamRef;
}

/** What the last directionalFisher call did (benchmarks, tests). */
export interface WebGpuStats {
  batches: number;
  queries: number;
  /** queries × samples of each batch */
  shapes: { first: number; G: number; M: number; mode: string }[];
  dispatches: number;
}

/** Node i on dense flows (prepare, and every dense step of a batch), by its registry encoder. */
export function encodeNode(
  p: PreparedGraph, rec: Recorder, i: number, G: number, M: number, inputs: FlowAt[], out: FlowAt,
  value: (name: string | null) => ParamRef, tangent: (name: string | null) => ParamRef, patchBuf: GPUBuffer | null,
): void {
  const node = p.model.nodes[i];
  const encode = opDef(node.op).gpu.encode;
  if (!encode) throw new Error(`internal: ${node.op.kind} has no kernel (its output aliases its input)`);
  encode(rec, node.op, {
    G, M, inShapes: node.inputs.map((v) => p.shapes[v]), xs: inputs, y: out, params: p.paramBuf, patch: patchBuf, value, tangent,
  });
}

/**
 * Submit a batch's recorded dispatches, turn a GPU validation or out-of-memory error into one
 * message, and sum each query's per-block partials: F for every query of the batch.
 */
export async function submitBatch(
  p: PreparedGraph, rec: Recorder, buffers: BatchBuffers, stats: WebGpuStats,
  shape: WebGpuStats['shapes'][number], nb: number,
): Promise<Float64Array> {
  const G = shape.G;
  p.device.pushErrorScope('out-of-memory');
  p.device.pushErrorScope('validation');
  const part = (await rec.submit({ buffer: buffers.partial(), offset: 0, count: 2 * G * nb }))!;
  const verr = await p.device.popErrorScope();
  const merr = await p.device.popErrorScope();
  if (verr || merr) throw new Error(`WebGPU batch failed: ${(verr ?? merr)!.message}`);
  stats.batches++;
  stats.shapes.push(shape);
  const sums = new Float64Array(G);
  for (let g = 0; g < G; g++) sums[g] = blockSum(part, g, nb);
  return sums;
}
