/**
 * The engine-free half of the op registry: what each op is (shapes, tensors, architecture JSON,
 * label). The science code (src/model, src/detectors, src/read) and the explorer read this table;
 * registry.ts adds the engines' parts. Typed over every OpKind, so a new op without a
 * definition does not compile.
 */
import type { OpDefinition, OpKind, OpOf } from './types.ts';
import type { Op } from './ops.ts';
import { linearDefinition } from './linear/definition.ts';
import { conv2dDefinition } from './conv2d/definition.ts';
import { maxpoolDefinition } from './maxpool/definition.ts';
import { batchnormDefinition } from './batchnorm/definition.ts';
import { layernormDefinition } from './layernorm/definition.ts';
import { activationDefinition } from './activation/definition.ts';
import { flattenDefinition } from './flatten/definition.ts';
import { addDefinition } from './add/definition.ts';
import { rmsnormDefinition } from './rmsnorm/definition.ts';
import { mulDefinition } from './mul/definition.ts';
import { embeddingDefinition } from './embedding/definition.ts';
import { positionalDefinition } from './positional/definition.ts';
import { attentionDefinition } from './attention/definition.ts';
import { takeDefinition } from './take/definition.ts';
import { meanDefinition } from './mean/definition.ts';
import { sliceDefinition } from './slice/definition.ts';
import { concatDefinition } from './concat/definition.ts';
import { patchesDefinition } from './patches/definition.ts';
import { patchifyDefinition } from './patchify/definition.ts';
import { clsDefinition } from './cls/definition.ts';
import { scaleDefinition } from './scale/definition.ts';

export const DEFINITIONS: { readonly [K in OpKind]: OpDefinition<K> } = {
  linear: linearDefinition,
  conv2d: conv2dDefinition,
  maxpool: maxpoolDefinition,
  batchnorm: batchnormDefinition,
  layernorm: layernormDefinition,
  activation: activationDefinition,
  flatten: flattenDefinition,
  add: addDefinition,
  rmsnorm: rmsnormDefinition,
  mul: mulDefinition,
  embedding: embeddingDefinition,
  positional: positionalDefinition,
  attention: attentionDefinition,
  take: takeDefinition,
  mean: meanDefinition,
  slice: sliceDefinition,
  concat: concatDefinition,
  patchify: patchifyDefinition,
  patches: patchesDefinition,
  cls: clsDefinition,
  scale: scaleDefinition,
};

export const OP_KINDS = Object.keys(DEFINITIONS) as OpKind[];

/** The definition of an op, typed to its kind (one place for the one cast a table lookup needs). */
export function definitionOf<K extends OpKind>(op: OpOf<K>): OpDefinition<K> {
  return DEFINITIONS[op.kind as K] as unknown as OpDefinition<K>;
}

export const isOpKind = (k: unknown): k is OpKind => typeof k === 'string' && Object.hasOwn(DEFINITIONS, k);

export type { Op };
