/**
 * The sparse batch plan of a chain (WebGPU). Like the CPU engine, a batch carries only what
 * changes while it can (a *sparse flow*: the change d and tangent ṫ on a few features U, the union
 * over the batch's queries):
 *   - first op linear/conv whose patches touch few output rows/channels R: the change of those
 *     rows is ΔW_R·x̂ + Δb_R and their tangent Ẇ_R·x̂ + ḃ_R (linear.wgsl / conv2d.wgsl with the
 *     compact patch as weights);
 *   - activations on a sparse flow: φ(x̂ + d) − ŷ and φ′(x̂ + d)·ṫ on U (activation.wgsl);
 *   - an op with a sparse-input rule (its registry `gpu.sparseInput`: activation keeps the support,
 *     linear and conv read it and write dense values) reads the sparse flow;
 *   - any other op first densifies (densify.wgsl); from then on every op runs dense (its registry
 *     encoder) on full values and tangents with per-query parameters θ̂ + δ where patched.
 * The tangent is always propagated as its own quantity.
 */
import type { Op } from '../../model/graph.ts';
import type { FisherQuery } from '../types.ts';
import type { FlowRef, ParamRef, Recorder } from './context.ts';
import { encodeLinear } from '../../ops/linear/gpu.ts';
import { encodeLinearSparse } from '../../ops/linear/gpu-sparse.ts';
import { encodeConv2d } from '../../ops/conv2d/gpu.ts';
import { opDef } from '../../ops/registry.ts';
import { isPlainLinear } from '../../ops/linear/definition.ts';
import type { SparseRuleArgs, SparseRuleStep } from '../../ops/op-def.ts';
import { opTensors } from '../../model/graph.ts';
import { encodeDensify, positionMap } from './densify.ts';
import { FlowSlots, type BatchBuffers } from './buffers.ts';
import { elementsOf } from '../../format/held-tensor.ts';
import { IndexBuilder, PatchBuilder } from './patches.ts';
import { colSupport, inChannelSupport, rowSupport } from './supports.ts';
import { expandChannels, union } from '../index-sets.ts';
import { encodeNode, runBatchWork, type BatchStep, type PreparedGraph, type WebGpuStats } from './prepared.ts';

const SPARSE_FRACTION = 0.5;

/** The first linear/conv after op i (before `end`) reached through activations and flattens only. */
function nextMixing(ops: Op[], i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const k = ops[j].kind;
    if (k === 'activation' || k === 'flatten') continue;
    return j;
  }
  return end;
}

/** A recorded step of a batch plan, once its buffers exist. */

/** What a stretch plan shares with the batch plan around it. */
export interface StretchEnv {
  p: PreparedGraph;
  qs: FisherQuery[];
  s0: number;
  M: number;
  patch: PatchBuilder;
  idx: IndexBuilder;
  slots: FlowSlots;
  steps: BatchStep[];
}

/** Value / tangent refs of a tensor in dense mode (θ̂ + δ per query where patched). */
export function denseRefs(p: PreparedGraph, patch: PatchBuilder) {
  return {
    value: (name: string | null): ParamRef => (name === null ? null : patch.has(name, 'delta') ? patch.full(name, 'value') : p.base(name)),
    tangent: (name: string | null): ParamRef => (name === null ? null : patch.has(name, 'tangent') ? patch.full(name, 'tangent') : null),
  };
}

/**
 * Plans ops first … end − 1 of a stretch in which op i reads value i alone (a whole chain, or a
 * chain piece of a graph such as the MLP of a residual block) and leaves value `end`, dense, in the
 * returned slot: the sparse start at a linear/conv, sparse-input rules while they apply, then dense.
 */
export function planStretch(env: StretchEnv, first: number, end: number): { slot: number; mode: string } {
  const { p, qs, s0, M, patch, idx, slots, steps } = env;
  const ops = p.ops;
  const L = end;
  const G = qs.length;
  const W = p.widths;
  const { value: denseValue, tangent: denseTangent } = denseRefs(p, patch);

  // `cur` is the slot holding the current flow (-1: the cache); a chain's flow has one reader, so
  // its slot is free again as soon as the next step is planned
  let cur = -1;
  let sparseU: Int32Array | null = null;
  let mode = 'dense';
  const flowRef = (w: number, tan: boolean): FlowRef => ({ off: 0, toff: G * M * w, gs: M * w, tan });
  const next = (): number => slots.alloc();
  const consumed = (s: number) => {
    if (s >= 0) slots.release(s);
  };

  const cacheIn = (i: number): FlowRef => ({ off: s0 * W[i], toff: 0, gs: 0, tan: false });

  // ---- the first op
  const op0 = ops[first];
  let i = first;
  // the sparse kernels read [out, in] weights on the flattened input: other linears start dense
  if ((op0.kind === 'linear' && isPlainLinear(op0)) || op0.kind === 'conv2d') {
    const rows = op0.kind === 'linear' ? op0.outFeatures : op0.outChannels;
    const R = rowSupport(p.params, op0, qs, rows);
    let U: Int32Array | null = null;
    if (R.length <= rows * SPARSE_FRACTION) {
      if (op0.kind === 'linear') {
        const g = nextMixing(p.ops, first, L);
        const gop = g < L ? ops[g] : undefined;
        const C = gop && gop.kind === 'linear' && isPlainLinear(gop) ? colSupport(gop, qs) : new Int32Array(0);
        const Uu = union(R, C, rows);
        if (Uu.length <= rows * SPARSE_FRACTION) U = Uu;
      } else {
        const g = nextMixing(p.ops, first, L);
        const gop = g < L ? ops[g] : undefined;
        const C = gop && gop.kind === 'conv2d' ? inChannelSupport(gop, qs) : new Int32Array(0);
        const Uu = union(R, C, rows);
        if (Uu.length <= rows * SPARSE_FRACTION) U = Uu;
      }
    }
    if (U) {
      // sparse start: the change and tangent of rows/channels U only
      const o = next();
      const rowLen = elementsOf(p.params.get(op0.weight)!) / rows;
      const w = patch.rows(op0.weight, U, rowLen, 'delta');
      const b = op0.bias ? patch.rows(op0.bias, U, 1, 'delta') : null;
      const dw = patch.rows(op0.weight, U, rowLen, 'tangent');
      const db = op0.bias ? patch.rows(op0.bias, U, 1, 'tangent') : null;
      const plane = op0.kind === 'conv2d' ? W[first + 1] / op0.outChannels : 1;
      const nU = U.length * plane;
      const x = cacheIn(first);
      const cacheBuf = p.cache[first];
      steps.push((rec, bufs) => {
        const y = { ...flowRef(nU, true) };
        const bind = { src: cacheBuf, dst: bufs.flows[o], params: p.paramBuf, patch: bufs.patch };
        if (op0.kind === 'linear') {
          encodeLinear(rec, bind, { x, y, w, b, dw, db, M, G, inF: op0.inFeatures, outF: U!.length });
        } else {
          const [, h, wd] = p.shapes[first];
          encodeConv2d(rec, bind, {
            x, y, w, b, dw, db, G, M, C: op0.inChannels, H: h, W: wd, O: U!.length,
            KH: op0.kernel[0], KW: op0.kernel[1], SH: op0.stride[0], SW: op0.stride[1], PH: op0.padding[0], PW: op0.padding[1],
          });
        }
      });
      sparseU = op0.kind === 'conv2d' ? expandChannels(U, plane) : U;
      consumed(cur);
      cur = o;
      mode = `sparse-rows(${U.length}/${rows})`;
      i = first + 1;
    } else if (op0.kind === 'linear') {
      const C = colSupport(op0, qs);
      if (C.length <= op0.inFeatures * SPARSE_FRACTION) {
        // few columns touched: y' = ŷ + ΔW_C·x̂_C + Δb, ẏ = Ẇ_C·x̂_C + ḃ, dense output
        const o = next();
        const idxOff = idx.add(C);
        const refs = {
          dwd: patch.cols(op0.weight, op0.outFeatures, op0.inFeatures, C, 'delta'),
          dwt: patch.cols(op0.weight, op0.outFeatures, op0.inFeatures, C, 'tangent'),
          bd: op0.bias && patch.has(op0.bias, 'delta') ? patch.full(op0.bias, 'delta') : null,
          bt: denseTangent(op0.bias),
        };
        const f = first;
        steps.push((rec, bufs) => {
          encodeLinearSparse(rec, {
            src: p.cache[f], dst: bufs.flows[o], params: p.paramBuf, patch: bufs.patch, idx: bufs.idx,
            baseIn: p.cache[f], baseOut: p.cache[f + 1],
          }, {
            x: { off: 0, toff: 0, gs: 0, tan: false }, y: flowRef(W[f + 1], true), w: p.base(op0.weight), ...refs,
            M, G, inF: op0.inFeatures, outF: op0.outFeatures, nU: C.length, idxOff, bInOff: s0 * W[f], bOutOff: s0 * W[f + 1],
          });
        });
        consumed(cur);
        cur = o;
        mode = `sparse-cols(${C.length}/${op0.inFeatures})`;
        i = first + 1;
      }
    }
  }

  // ---- the rest of the chain
  for (; i <= L; i++) {
    const op = i < end ? ops[i] : undefined;
    if (sparseU) {
      const U = sparseU;
      // an op that moves no data passes the sparse flow on
      if (op && !opDef(op).gpu.encode) continue;
      // the op's own sparse-input rule (src/ops/<kind>/gpu*.ts), when it can read this U
      const rule = op ? (opDef(op).gpu.sparseInput as ((o: Op, a: SparseRuleArgs) => SparseRuleStep | null) | null) : null;
      const sparse = rule?.(op!, {
        U, G, M, s0, inShape: p.shapes[i], inWidth: W[i], outWidth: W[i + 1], patch, idx, queries: qs,
        flowRef: (w) => flowRef(w, true), base: p.base, denseTangent,
      });
      if (sparse) {
        const o = next(), s = cur, ii = i;
        steps.push((rec, bufs) => sparse.encode(rec, {
          src: bufs.flows[s], dst: bufs.flows[o], params: p.paramBuf, patch: bufs.patch, idx: bufs.idx, baseIn: p.cache[ii], baseOut: p.cache[ii + 1],
        }));
        consumed(cur);
        cur = o;
        if (sparse.output === 'dense') {
          sparseU = null;
        }
        continue;
      }
      // anything else (or the end): x' = x̂ + scatter(d), ẋ = scatter(ṫ)
      const o = next(), s = cur, nU = U.length, F = W[i], posOff = idx.add(positionMap(U, F)), ii = i;
      steps.push((rec, bufs) => encodeDensify(rec, {
        src: bufs.flows[s], dst: bufs.flows[o], idx: bufs.idx, baseIn: p.cache[ii],
      }, { x: flowRef(nU, true), y: flowRef(F, true), G, M, F, nU, posOff, bInOff: s0 * F }));
      consumed(cur);
      cur = o;
      sparseU = null;
      if (!op) break;
    }
    if (!op) break;
    if (!opDef(op).gpu.encode) continue;
    // dense op: from the cache (first op) or the current flow
    const o = next();
    const fromCache = cur === -1;
    const s = cur, ii = i, inW = W[i];
    const vals = opTensors(op).map((t) => [t, denseValue(t), denseTangent(t)] as const);
    const value = (t: string | null): ParamRef => (t === null ? null : vals.find((v) => v[0] === t)![1]);
    const tangent = (t: string | null): ParamRef => (t === null ? null : vals.find((v) => v[0] === t)![2]);
    steps.push((rec, bufs) => encodeNode(p, rec, ii, G, M,
      [fromCache ? { buffer: p.cache[ii], ref: { off: s0 * inW, toff: 0, gs: 0, tan: false } } : { buffer: bufs.flows[s], ref: flowRef(inW, true) }],
      { buffer: bufs.flows[o], ref: flowRef(W[ii + 1], true) },
      value, tangent, bufs.patch));
    consumed(cur);
    cur = o;
  }

  return { slot: cur, mode };
}

/** One batch: G queries × M samples from s0. Returns per-query sums of the per-sample F. */
export async function runChainBatch(
  p: PreparedGraph, buffers: BatchBuffers, stats: WebGpuStats, first: number, qs: FisherQuery[], s0: number, M: number,
): Promise<Float64Array> {
  const L = p.ops.length;
  const W = p.widths;
  const patch = new PatchBuilder(qs, p.params);
  const idx = new IndexBuilder();
  const steps: BatchStep[] = [];
  const slots = new FlowSlots();
  let wide = 1;
  for (let i = first; i <= L; i++) wide = Math.max(wide, W[i]);
  const { slot: cur, mode } = planStretch({ p, qs, s0, M, patch, idx, slots, steps }, first, L);
  return runBatchWork(p, buffers, stats, { patch, idx, slots, steps, wide, out: { slot: cur, width: W[L] } }, { first, G: qs.length, M, mode });
}

