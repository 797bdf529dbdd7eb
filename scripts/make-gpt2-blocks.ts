/**
 * Writes fixtures/gpt2_12blocks_s7.safetensors and its config.json: a 12-block GPT-2 with Hugging
 * Face names and Conv1D [in, out] layouts, seeded random weights (seed 7), d = 16, 4 heads,
 * MLP 32, and planted dead MLP units (their c_fc column, bias and c_proj row zeroed: a node
 * death) in blocks 2, 5 and 9 — the explorer's block-by-block view at the size of GPT-2 small's
 * depth. Run: npx tsx scripts/make-gpt2-blocks.ts
 */
import { writeFileSync } from 'node:fs';
import { writeSafetensors, type WriterTensor } from '../src/format/writer.ts';
import { createRng } from '../src/math/random.ts';

const D = 16, HEADS = 4, MLP = 32, LAYERS = 12, VOCAB = 24, CTX = 8;
/** block → the MLP units planted dead in it */
const DEAD: Record<number, number[]> = { 2: [3], 5: [0, 17, 30], 9: [8, 9] };

const rng = createRng(7);
const tensors: WriterTensor[] = [];
const add = (name: string, shape: number[], data?: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const fan = shape[0];
  tensors.push({ name, dtype: 'F32', shape, data: data ?? Array.from({ length: n }, () => rng.normal() / Math.sqrt(fan)) });
};
const norm = (p: string) => {
  add(`${p}.weight`, [D], Array.from({ length: D }, () => 1 + 0.1 * rng.normal()));
  add(`${p}.bias`, [D], Array.from({ length: D }, () => 0.1 * rng.normal()));
};
const bias = (n: number) => Array.from({ length: n }, () => 0.1 * rng.normal());

add('transformer.wte.weight', [VOCAB, D]);
add('transformer.wpe.weight', [CTX, D]);
for (let l = 0; l < LAYERS; l++) {
  const p = `transformer.h.${l}`;
  norm(`${p}.ln_1`);
  add(`${p}.attn.c_attn.weight`, [D, 3 * D]);
  add(`${p}.attn.c_attn.bias`, [3 * D], bias(3 * D));
  add(`${p}.attn.c_proj.weight`, [D, D]);
  add(`${p}.attn.c_proj.bias`, [D], bias(D));
  norm(`${p}.ln_2`);
  add(`${p}.mlp.c_fc.weight`, [D, MLP]);
  add(`${p}.mlp.c_fc.bias`, [MLP], bias(MLP));
  add(`${p}.mlp.c_proj.weight`, [MLP, D]);
  add(`${p}.mlp.c_proj.bias`, [D], bias(D));
  const dead = DEAD[l] ?? [];
  const fc = tensors.find((t) => t.name === `${p}.mlp.c_fc.weight`)!, fb = tensors.find((t) => t.name === `${p}.mlp.c_fc.bias`)!;
  const pr = tensors.find((t) => t.name === `${p}.mlp.c_proj.weight`)!;
  for (const u of dead) {
    for (let i = 0; i < D; i++) (fc.data as number[])[i * MLP + u] = 0; // Conv1D [in, out]: column u
    (fb.data as number[])[u] = 0;
    for (let j = 0; j < D; j++) (pr.data as number[])[u * D + j] = 0; // row u
  }
}
norm('transformer.ln_f');

const out = 'fixtures/gpt2_12blocks_s7';
writeFileSync(`${out}.safetensors`, writeSafetensors(tensors, { seed: '7', planted_dead_units: JSON.stringify(DEAD) }));
writeFileSync(`${out}.config.json`, `${JSON.stringify({
  model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: VOCAB, n_positions: CTX, n_embd: D, n_layer: LAYERS,
  n_head: HEADS, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, tie_word_embeddings: true,
}, null, 1)}\n`);
