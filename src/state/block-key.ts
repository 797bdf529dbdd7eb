/** Which transformer block a module or a direction belongs to (the block view and the table's block filter). */
import type { DirectionResult } from '../read/schema.ts';

/**
 * The transformer block a module name belongs to: the name up to its first numbered segment
 * (`transformer.h.3.mlp.c_fc` → `transformer.h.3`, `model.layers.11.self_attn` →
 * `model.layers.11`, `layers.2.0.fn.to_qkv` → `layers.2`); a name with none (`transformer.ln_f`,
 * an unembedding pair) is its own row. A pair `A → B` is named by its first module.
 */
export function blockKey(name: string): string {
  const first = name.split(' → ')[0].replace(/ \(.*\)$/, '');
  const m = /^(.*?(?:^|\.)[A-Za-z_]\w*\.\d+)(?=\.|$)/.exec(first);
  return m ? m[1] : name;
}

/** The block a direction is counted in: the block the read names, else its layer's block. */
export function directionBlock(d: DirectionResult): string {
  return blockKey(d.block ?? d.layer);
}
