/**
 * Writes fixtures/gpt2_modadd23_pairs.safetensors: every input of the modular-addition task the
 * GPT-2 fixture was trained on — the 529 sequences (a, b, =) with = the token 23 — in a seeded
 * random order (so the first N are a uniform sample: `--input-cap N`), as I64 `tokens` [529, 3],
 * with `labels` [529] = (a + b) mod 23, the answer expected at the last position.
 *
 *   npx tsx scripts/make-modadd-pairs.ts
 */
import { writeFileSync } from 'node:fs';
import { writeSafetensors } from '../src/format/writer.ts';
import { createRng } from '../src/math/random.ts';

const P = 23;
const pairs: [number, number][] = [];
for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) pairs.push([a, b]);
// Fisher–Yates with the project's seeded generator (seed 23)
const rng = createRng(P);
for (let i = pairs.length - 1; i > 0; i--) {
  const j = Math.floor(rng.next() * (i + 1));
  [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
}
const bytes = writeSafetensors([
  { name: 'tokens', dtype: 'I64', shape: [pairs.length, 3], data: pairs.flatMap(([a, b]) => [BigInt(a), BigInt(b), BigInt(P)]) },
  { name: 'labels', dtype: 'I64', shape: [pairs.length], data: pairs.map(([a, b]) => BigInt((a + b) % P)) },
], { task: 'modular addition mod 23: tokens a, b, = (23); label (a + b) mod 23', order: 'seeded shuffle, seed 23' });
writeFileSync(new URL('../fixtures/gpt2_modadd23_pairs.safetensors', import.meta.url), bytes);
process.stderr.write(`wrote ${pairs.length} pairs, ${bytes.length} bytes\n`);
