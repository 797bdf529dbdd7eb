/** The op union: one member per folder. A new op adds its type here and its OpDef to registry.ts. */
import type { LinearOp } from './linear/definition.ts';
import type { Conv2dOp } from './conv2d/definition.ts';
import type { MaxPoolOp } from './maxpool/definition.ts';
import type { BatchNormOp } from './batchnorm/definition.ts';
import type { LayerNormOp } from './layernorm/definition.ts';
import type { ActivationOp } from './activation/definition.ts';
import type { FlattenOp } from './flatten/definition.ts';
import type { AddOp } from './add/definition.ts';
import type { RmsNormOp } from './rmsnorm/definition.ts';
import type { MulOp } from './mul/definition.ts';
import type { EmbeddingOp } from './embedding/definition.ts';
import type { PositionalOp } from './positional/definition.ts';
import type { AttentionOp } from './attention/definition.ts';
import type { TakeOp } from './take/definition.ts';
import type { MeanOp } from './mean/definition.ts';
import type { SliceOp } from './slice/definition.ts';
import type { PatchifyOp } from './patchify/definition.ts';
import type { ClsOp } from './cls/definition.ts';
import type { ScaleOp } from './scale/definition.ts';
import type { ConcatOp } from './concat/definition.ts';
import type { PatchesOp } from './patches/definition.ts';

export type Op = LinearOp | Conv2dOp | MaxPoolOp | BatchNormOp | LayerNormOp | ActivationOp | FlattenOp | AddOp | RmsNormOp | MulOp
  | SliceOp
  | ConcatOp
  | PatchifyOp
  | PatchesOp
  | ClsOp
  | ScaleOp
  | EmbeddingOp
  | PositionalOp
  | AttentionOp
  | TakeOp
  | MeanOp;
export type { LinearOp, Conv2dOp, MaxPoolOp, BatchNormOp, LayerNormOp, ActivationOp, FlattenOp, AddOp, RmsNormOp, MulOp };
export type { EmbeddingOp, PositionalOp, AttentionOp, TakeOp, MeanOp };
export type { SliceOp, ConcatOp, PatchifyOp, PatchesOp, ClsOp, ScaleOp };
