/** The dense, value-keyed batch plan of a branching graph (WebGPU). */
import { consumersOf, opTensors } from '../../model/graph.ts';
import type { FisherQuery } from '../types.ts';
import { touchedTensors } from '../types.ts';
import type { FlowRef } from './context.ts';
import { opDef } from '../../ops/registry.ts';
import { FlowSlots, type BatchBuffers } from './buffers.ts';
import { IndexBuilder, PatchBuilder } from './patches.ts';
import { denseRefs, planStretch } from './plan-chain.ts';
import { isPlainLinear } from '../../ops/linear/definition.ts';
import { encodeNode, runBatchWork, type BatchStep, type PreparedGraph, type WebGpuStats } from './prepared.ts';

/**
 * Where the sparse start of a chain applies inside a graph: node `first` is a plain linear or a
 * conv and nodes first … end − 1 each read the previous value alone (no other reader, not the
 * output), e.g. up → activation → down of an MLP inside a residual block. Returns end (= first
 * when there is no such stretch).
 */
export function sparseStretchEnd(p: PreparedGraph, first: number): number {
  const nodes = p.model.nodes;
  const op0 = nodes[first].op;
  if (!((op0.kind === 'linear' && isPlainLinear(op0)) || op0.kind === 'conv2d')) return first;
  const readers = consumersOf(p.model);
  let e = first;
  for (; e < nodes.length; e++) {
    const n = nodes[e];
    if (n.id !== e + 1 || n.inputs.length !== 1 || n.inputs[0] !== e) break;
    if (e > first && (readers.get(e)?.length !== 1 || p.model.output === e)) break;
  }
  return e;
}

/**
 * One batch on a branching graph: every value the batch changes is computed dense (value and
 * tangent, θ̂ + δ per query where patched) into its own buffer, keyed by value id; a value the
 * batch does not change is read from the cache. Buffers are reused once a value's last reader
 * has been recorded, so a chain stretch needs two and a residual block three. A query whose first
 * node heads a chain piece (sparseStretchEnd) starts with the chain's sparse plan over that piece.
 */
export async function runGraphBatch(
  p: PreparedGraph, buffers: BatchBuffers, stats: WebGpuStats, first: number, qs: FisherQuery[], s0: number, M: number,
): Promise<Float64Array> {
  const nodes = p.model.nodes;
  const G = qs.length;
  const W = p.widths;
  const patch = new PatchBuilder(qs, p.params);
  const touched = new Set<string>();
  for (const q of qs) for (const n of touchedTensors(q)) touched.add(n);
  // the values this batch changes, and the last node reading each
  const changed = new Set<number>();
  const lastRead = new Map<number, number>();
  for (let i = first; i < nodes.length; i++) {
    const node = nodes[i];
    if (opTensors(node.op).some((t) => touched.has(t)) || node.inputs.some((v) => changed.has(v))) changed.add(node.id);
    for (const v of node.inputs) lastRead.set(v, i);
  }
  lastRead.set(p.model.output, nodes.length);
  let wide = 1;
  for (const v of changed) wide = Math.max(wide, W[v]);
  const flowRef = (w: number): FlowRef => ({ off: 0, toff: G * M * w, gs: M * w, tan: true });
  const { value: denseValue, tangent: denseTangent } = denseRefs(p, patch);
  // the flow slot of each changed value (an aliasing op shares its input's)
  const slotOf = new Map<number, number>();
  const slots = new FlowSlots();
  const idx = new IndexBuilder();
  const steps: BatchStep[] = [];
  // a chain piece at the start: sparse plan up to value `end`, left dense in its slot
  const end = sparseStretchEnd(p, first);
  let stretchMode = '';
  if (end > first) {
    const r = planStretch({ p, qs, s0, M, patch, idx, slots, steps }, first, end);
    slotOf.set(end, r.slot);
    stretchMode = `, ${r.mode}`;
  }
  for (let i = Math.max(first, end); i < nodes.length; i++) {
    const node = nodes[i];
    if (!changed.has(node.id)) continue;
    if (!opDef(node.op).gpu.encode) {
      const k = slotOf.get(node.inputs[0])!;
      slotOf.set(node.id, k);
      slots.hold(k);
    } else {
      const k = slots.alloc();
      slotOf.set(node.id, k);
      const ins = node.inputs.map((v) => (changed.has(v) ? { slot: slotOf.get(v)!, v } : { slot: -1, v }));
      const out = node.id;
      // the patch regions are laid out now, before the patch buffer is written
      const refs = new Map(opTensors(node.op).map((t) => [t, [denseValue(t), denseTangent(t)] as const]));
      steps.push((rec, { flows, patch: patchBuf }) => encodeNode(p, rec, i, G, M,
        ins.map(({ slot, v }) => (slot < 0
          ? { buffer: p.cache[v], ref: { off: s0 * W[v], toff: 0, gs: 0, tan: false } }
          : { buffer: flows[slot], ref: flowRef(W[v]) })),
        { buffer: flows[k], ref: flowRef(W[out]) },
        (t) => (t === null ? null : refs.get(t)![0]), (t) => (t === null ? null : refs.get(t)![1]), patchBuf));
    }
    // inputs whose last reader this is free their slot
    for (const v of new Set(node.inputs)) {
      if (changed.has(v) && lastRead.get(v) === i) slots.release(slotOf.get(v)!);
    }
  }
  // an output the batch does not change: F = 0 for every query
  if (!changed.has(p.model.output)) return new Float64Array(G);
  return runBatchWork(p, buffers, stats, { patch, idx, slots, steps, wide, out: { slot: slotOf.get(p.model.output)!, width: W[p.model.output] } },
    { first, G, M, mode: `graph(${slots.count} buffers${stretchMode})` });
}

