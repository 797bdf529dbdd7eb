/** What `prepare` leaves for the batch plans: the graph, its GPU buffers, and how to encode one node. */
import { headRows, type ModelGraph, type Op } from '../../model/graph.ts';
import type { Head, ParamSet } from '../types.ts';
import { opDef } from '../../ops/registry.ts';
import type { FlowAt, GpuContext, ParamRef, Recorder } from './context.ts';
import type { BatchBuffers, FlowSlots } from './buffers.ts';
import { blockSum, encodeFisher, fisherBlocks } from './fisher.ts';
import type { IndexBuilder, PatchBuilder } from './patches.ts';

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

/** One recorded step of a batch, over the buffers the batch uploads (its patches, index lists, flow slots). */
export type BatchStep = (rec: Recorder, bufs: { patch: GPUBuffer; idx: GPUBuffer; flows: GPUBuffer[] }) => void;

/** What a batch plan (plan-chain.ts, plan-graph.ts) built: its steps, what they read, where the output is. */
export interface BatchWork {
  patch: PatchBuilder;
  idx: IndexBuilder;
  slots: FlowSlots;
  steps: BatchStep[];
  /** the widest value a flow slot holds (elements per sample) */
  wide: number;
  /** the output's flow slot and width */
  out: { slot: number; width: number };
}

/**
 * Run a batch of G queries × M samples: upload its patches and index lists, record its steps and the
 * Fisher form of the output flow, submit (errors made one message, submitBatch) and sum each query's
 * per-block partials: F for every query of the batch.
 */
export function runBatchWork(
  p: PreparedGraph, buffers: BatchBuffers, stats: WebGpuStats, w: BatchWork, shape: WebGpuStats['shapes'][number],
): Promise<Float64Array> {
  const { G, M } = shape;
  // a multi-position output is M·rows rows of width / rows, each its own softmax / Gaussian; the
  // engine divides the sum by the samples M
  const rows = headRows(p.model);
  const nb = fisherBlocks(M * rows);
  const patchData = w.patch.finish();
  const idxData = w.idx.finish();
  const bufs = {
    patch: buffers.ensure('patch', patchData.byteLength),
    idx: buffers.ensure('idx', idxData.byteLength),
    flows: Array.from({ length: w.slots.count }, (_, k) => buffers.flow(k, 4 * 2 * G * M * w.wide)),
  };
  buffers.ensure('partial', 4 * 2 * G * nb);
  p.ctx.write(bufs.patch, 0, patchData);
  p.ctx.write(bufs.idx, 0, idxData);
  const rec = p.ctx.recorder();
  for (const st of w.steps) st(rec, bufs);
  const width = w.out.width / rows;
  encodeFisher(rec, { src: bufs.flows[w.out.slot], dst: buffers.partial() }, {
    x: { off: 0, toff: G * M * w.out.width, gs: M * w.out.width, tan: true }, G, M: M * rows, width, head: p.head, outOff: 0,
  });
  return submitBatch(p, rec, buffers, stats, shape, nb);
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
