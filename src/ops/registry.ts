/**
 * The op registry: every op's definition with its engine parts, one entry per folder in src/ops.
 * Typed `{ [K in OpKind]: OpDef<K> }`: an op missing a part (or missing here) does not compile.
 * The engines and tests read this table; the science code reads definitions.ts.
 */
import type { OpKind, OpOf } from './types.ts';
import type { OpDef } from './op-def.ts';
import { DEFINITIONS } from './definitions.ts';
import { REFERENCES } from './references.ts';
import { linearFlow } from './linear/flow.ts';
import { linearGpu } from './linear/gpu.ts';
import { conv2dFlow } from './conv2d/flow.ts';
import { conv2dGpu } from './conv2d/gpu.ts';
import { maxpoolFlow } from './maxpool/flow.ts';
import { maxpoolGpu } from './maxpool/gpu.ts';
import { batchnormFlow } from './batchnorm/flow.ts';
import { batchnormGpu } from './batchnorm/gpu.ts';
import { layernormGpu } from './layernorm/gpu.ts';
import { activationFlow } from './activation/flow.ts';
import { activationGpu } from './activation/gpu.ts';
import { flattenGpu } from './flatten/gpu.ts';
import { addFlow } from './add/flow.ts';
import { addGpu } from './add/gpu.ts';
import { rmsnormGpu } from './rmsnorm/gpu.ts';
import { mulGpu } from './mul/gpu.ts';
import { embeddingFlow } from './embedding/flow.ts';
import { embeddingGpu } from './embedding/gpu.ts';
import { positionalFlow } from './positional/flow.ts';
import { positionalGpu } from './positional/gpu.ts';
import { attentionGpu } from './attention/gpu.ts';
import { attentionFlow } from './attention/flow.ts';
import { takeFlow } from './take/flow.ts';
import { takeGpu } from './take/gpu.ts';
import { meanGpu } from './mean/gpu.ts';
import { sliceFlow } from './slice/flow.ts';
import { sliceGpu } from './slice/gpu.ts';
import { concatFlow } from './concat/flow.ts';
import { concatGpu } from './concat/gpu.ts';
import { patchesFlow } from './patches/flow.ts';
import { patchesGpu } from './patches/gpu.ts';
import { patchifyFlow } from './patchify/flow.ts';
import { patchifyGpu } from './patchify/gpu.ts';
import { clsFlow } from './cls/flow.ts';
import { clsGpu } from './cls/gpu.ts';
import { scaleFlow } from './scale/flow.ts';
import { scaleGpu } from './scale/gpu.ts';

export const OPS: { readonly [K in OpKind]: OpDef<K> } = {
  linear: { ...DEFINITIONS.linear, reference: REFERENCES.linear, flow: linearFlow, gpu: linearGpu },
  conv2d: { ...DEFINITIONS.conv2d, reference: REFERENCES.conv2d, flow: conv2dFlow, gpu: conv2dGpu },
  maxpool: { ...DEFINITIONS.maxpool, reference: REFERENCES.maxpool, flow: maxpoolFlow, gpu: maxpoolGpu },
  batchnorm: { ...DEFINITIONS.batchnorm, reference: REFERENCES.batchnorm, flow: batchnormFlow, gpu: batchnormGpu },
  // LayerNorm mixes every feature of a row: a change anywhere is dense after it
  layernorm: { ...DEFINITIONS.layernorm, reference: REFERENCES.layernorm, flow: null, gpu: layernormGpu },
  activation: { ...DEFINITIONS.activation, reference: REFERENCES.activation, flow: activationFlow, gpu: activationGpu },
  flatten: { ...DEFINITIONS.flatten, reference: REFERENCES.flatten, flow: (_op, [f]) => f, gpu: flattenGpu },
  add: { ...DEFINITIONS.add, reference: REFERENCES.add, flow: addFlow, gpu: addGpu },
  // RMSNorm mixes every feature of a row: dense after a change, as LayerNorm
  rmsnorm: { ...DEFINITIONS.rmsnorm, reference: REFERENCES.rmsnorm, flow: null, gpu: rmsnormGpu },
  mul: { ...DEFINITIONS.mul, reference: REFERENCES.mul, flow: null, gpu: mulGpu },
  embedding: { ...DEFINITIONS.embedding, reference: REFERENCES.embedding, flow: embeddingFlow, gpu: embeddingGpu },
  positional: { ...DEFINITIONS.positional, reference: REFERENCES.positional, flow: positionalFlow, gpu: positionalGpu },
  // attention mixes every position and feature of a head: the heads a change reaches, at the positions read
  attention: { ...DEFINITIONS.attention, reference: REFERENCES.attention, flow: attentionFlow, gpu: attentionGpu },
  take: { ...DEFINITIONS.take, reference: REFERENCES.take, flow: takeFlow, gpu: takeGpu },
  // a mean of positions mixes every position it reads: dense after it (it is the readout's last step but one)
  mean: { ...DEFINITIONS.mean, reference: REFERENCES.mean, flow: null, gpu: meanGpu },
  slice: { ...DEFINITIONS.slice, reference: REFERENCES.slice, flow: sliceFlow, gpu: sliceGpu },
  concat: { ...DEFINITIONS.concat, reference: REFERENCES.concat, flow: concatFlow, gpu: concatGpu },
  patches: { ...DEFINITIONS.patches, reference: REFERENCES.patches, flow: patchesFlow, gpu: patchesGpu },
  patchify: { ...DEFINITIONS.patchify, reference: REFERENCES.patchify, flow: patchifyFlow, gpu: patchifyGpu },
  cls: { ...DEFINITIONS.cls, reference: REFERENCES.cls, flow: clsFlow, gpu: clsGpu },
  scale: { ...DEFINITIONS.scale, reference: REFERENCES.scale, flow: scaleFlow, gpu: scaleGpu },
};

/** The registry entry of an op, typed to its kind. */
export function opDef<K extends OpKind>(op: OpOf<K>): OpDef<K> {
  return OPS[op.kind as K] as unknown as OpDef<K>;
}
