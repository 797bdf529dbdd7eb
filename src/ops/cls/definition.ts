/**
 * Stored tokens joining a sequence: [T, D] → [T + R, D] with the tokens c ([1, R, D]) inserted before
 * position `at` — ViT/DINOv2's `cls_token` ([1, 1, D]) prepended as position 0, and DINOv2's
 * `register_tokens` ([1, R, D]) after it (at 1, once the positions are added).
 */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface ClsOp {
  kind: 'cls';
  layer: string;
  weight: string;
  /** how many tokens the tensor holds (default 1) */
  tokens?: number;
  /** the position the first token takes (default 0) */
  at?: number;
}

/** R and the insertion position of `op`. */
export const clsTokens = (op: ClsOp): { R: number; at: number } => ({ R: op.tokens ?? 1, at: op.at ?? 0 });

export const clsDefinition: OpDefinition<'cls'> = {
  kind: 'cls',
  arity: 1,
  unitwise: false,
  positionsRead: allPositions,
  outputShape: (op, [x]) => [x[0] + clsTokens(op).R, x[1]],
  inputError(op, [x]) {
    if (x.length !== 2) return `inserts tokens into a sequence [T, D], gets [${x}]`;
    const { at } = clsTokens(op);
    return at < 0 || at > x[0] ? `position ${at} is outside a sequence of ${x[0]}` : null;
  },
  tensors: (op) => [op.weight],
  tensorSpecs: (op, [x]) => [{ name: op.weight, shape: [1, clsTokens(op).R, x[1]], role: 'weight' }],
  fromArch(layer, ctx) {
    // HF ViT/DINOv2 and timm name it `<prefix>.cls_token`; `weight` names any other tensor ([1, R, D]: R tokens)
    const w = ctx.need(layer.weight ?? ctx.name('cls_token'));
    if (w.shape.length < 2 || w.shape.slice(0, -2).some((d) => d !== 1)) ctx.bad(`layer ${ctx.index}: "${w.name}" is not a block of tokens [1, R, D]`);
    const tokens = w.shape[w.shape.length - 2];
    const at = Number(layer.at ?? 0);
    if (!Number.isInteger(at) || at < 0) ctx.bad(`layer ${ctx.index}: cls needs an "at" ≥ 0, gets ${layer.at}`);
    return { kind: 'cls', layer: layer.prefix ?? '', weight: w.name, ...(tokens !== 1 ? { tokens } : {}), ...(at !== 0 ? { at } : {}) };
  },
  toArch: (op) => ({ op: 'cls', prefix: op.layer, weight: op.weight, ...(op.at ? { at: op.at } : {}) }),
  label: (op) => {
    const { R, at } = clsTokens(op);
    return { kind: R === 1 && at === 0 ? 'CLS token' : 'Tokens', detail: R === 1 && at === 0 ? 'prepended at position 0' : `${R} inserted at position ${at}`, name: op.layer };
  },
};
