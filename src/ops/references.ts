/**
 * The f64 references of every op (value, JVP, VJP), engine-free: the science code's reference
 * interpreter (interpret.ts) reads this table; registry.ts composes it with the engines' parts.
 */
import type { OpKind, OpOf } from './types.ts';
import type { ReferenceOp } from './op-def.ts';
import { linearReference } from './linear/reference.ts';
import { conv2dReference } from './conv2d/reference.ts';
import { maxpoolReference } from './maxpool/reference.ts';
import { batchnormReference } from './batchnorm/reference.ts';
import { layernormReference } from './layernorm/reference.ts';
import { activationReference } from './activation/reference.ts';
import { flattenReference } from './flatten/reference.ts';
import { addReference } from './add/reference.ts';
import { rmsnormReference } from './rmsnorm/reference.ts';
import { mulReference } from './mul/reference.ts';
import { embeddingReference } from './embedding/reference.ts';
import { positionalReference } from './positional/reference.ts';
import { attentionReference } from './attention/reference.ts';
import { takeReference } from './take/reference.ts';
import { meanReference } from './mean/reference.ts';
import { sliceReference } from './slice/reference.ts';
import { concatReference } from './concat/reference.ts';
import { patchesReference } from './patches/reference.ts';
import { patchifyReference } from './patchify/reference.ts';
import { clsReference } from './cls/reference.ts';
import { scaleReference } from './scale/reference.ts';

export { UnsupportedBackwardError } from './reference-args.ts';

export const REFERENCES: { readonly [K in OpKind]: ReferenceOp<K> } = {
  linear: linearReference,
  conv2d: conv2dReference,
  maxpool: maxpoolReference,
  batchnorm: batchnormReference,
  layernorm: layernormReference,
  activation: activationReference,
  flatten: flattenReference,
  add: addReference,
  rmsnorm: rmsnormReference,
  mul: mulReference,
  embedding: embeddingReference,
  positional: positionalReference,
  attention: attentionReference,
  take: takeReference,
  mean: meanReference,
  slice: sliceReference,
  concat: concatReference,
  patchify: patchifyReference,
  patches: patchesReference,
  cls: clsReference,
  scale: scaleReference,
};

export function referenceOf<K extends OpKind>(op: OpOf<K>): ReferenceOp<K> {
  return REFERENCES[op.kind as K] as unknown as ReferenceOp<K>;
}
