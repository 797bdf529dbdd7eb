/**
 * A GPT-2-small-shaped checkpoint with random weights and the real Hugging Face names (`wte`,
 * `wpe`, `h.{i}.ln_1`, `attn.c_attn` fused q,k,v as Conv1D [in, out], `mlp.c_fc`, `ln_f`; lm_head
 * tied to wte) and its config.json, for the 124 M benchmark case (open time, one block's read).
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { createRng } from '../src/math/random.ts';

export interface Gpt2Shape { layers: number; d: number; heads: number; vocab: number; positions: number }

export const GPT2_SMALL: Gpt2Shape = { layers: 12, d: 768, heads: 12, vocab: 50257, positions: 1024 };

/** Writes `path` (safetensors, F32) and `configPath`; returns the parameter count. Tensors are streamed (one in memory at a time). */
/** Opens `path` for writing with a safetensors header (8-byte length, JSON padded to 8 bytes) written; the caller streams the tensors' bytes in header order. */
export function openWithHeader(path: string, header: Record<string, unknown>): number {
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8) json += ' ';
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(path, 'w');
  writeSync(fd, head);
  writeSync(fd, Buffer.from(json));
  return fd;
}

export function writeGpt2(path: string, configPath: string, shape: Gpt2Shape, seed: number): number {
  const { layers, d, heads, vocab, positions } = shape;
  const specs: [string, number[], number][] = [['wte.weight', [vocab, d], 0.02], ['wpe.weight', [positions, d], 0.01]];
  for (let i = 0; i < layers; i++) {
    const h = `h.${i}`;
    specs.push(
      [`${h}.ln_1.weight`, [d], -1], [`${h}.ln_1.bias`, [d], 0],
      [`${h}.attn.c_attn.weight`, [d, 3 * d], 0.02], [`${h}.attn.c_attn.bias`, [3 * d], 0.01],
      [`${h}.attn.c_proj.weight`, [d, d], 0.02], [`${h}.attn.c_proj.bias`, [d], 0.01],
      [`${h}.ln_2.weight`, [d], -1], [`${h}.ln_2.bias`, [d], 0],
      [`${h}.mlp.c_fc.weight`, [d, 4 * d], 0.02], [`${h}.mlp.c_fc.bias`, [4 * d], 0.01],
      [`${h}.mlp.c_proj.weight`, [4 * d, d], 0.02], [`${h}.mlp.c_proj.bias`, [d], 0.01],
    );
  }
  specs.push(['ln_f.weight', [d], -1], ['ln_f.bias', [d], 0]);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let off = 0;
  for (const [name, dims] of specs) {
    const bytes = 4 * dims.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'F32', shape: dims, data_offsets: [off, off + bytes] };
    off += bytes;
  }
  const fd = openWithHeader(path, header);
  const rng = createRng(seed);
  let params = 0;
  for (const [, dims, scale] of specs) {
    const n = dims.reduce((a, b) => a * b, 1);
    // scale −1: a LayerNorm gain near 1
    const data = Float32Array.from({ length: n }, () => (scale < 0 ? 1 + 0.05 * rng.normal() : scale * rng.normal()));
    writeSync(fd, Buffer.from(data.buffer));
    params += n;
  }
  closeSync(fd);
  writeFileSync(configPath, JSON.stringify({
    architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', n_layer: layers, n_embd: d, n_head: heads, vocab_size: vocab,
    n_positions: positions, n_ctx: positions, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, tie_word_embeddings: true,
  }, null, 2));
  return params;
}
