/** Random ReLU MLPs written as safetensors (PyTorch names `i.weight`/`i.bias`) for the scaling series. */
import { writeFileSync } from 'node:fs';
import { createRng } from '../src/math/random.ts';

/** Writes an MLP with the given widths (input first, output last); returns its parameter count. */
export function writeSafetensors(path: string, widths: number[], seed: number): number {
  const rng = createRng(seed);
  const tensors: [string, number[], Float32Array][] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [i, o] = [widths[l], widths[l + 1]];
    const scale = Math.sqrt(2 / i); // He initialisation: activations neither vanish nor explode
    tensors.push([`${2 * l}.weight`, [o, i], Float32Array.from({ length: o * i }, () => scale * rng.normal())]);
    tensors.push([`${2 * l}.bias`, [o], Float32Array.from({ length: o }, () => 0.1 * rng.normal())]);
  }
  const header: Record<string, unknown> = { __metadata__: { activation: 'relu', head: 'classification' } };
  let off = 0;
  for (const [name, shape, data] of tensors) {
    header[name] = { dtype: 'F32', shape, data_offsets: [off, off + data.byteLength] };
    off += data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8) json += ' ';
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([head, Buffer.from(json), ...tensors.map(([, , d]) => Buffer.from(d.buffer))]));
  return tensors.reduce((s, [, , d]) => s + d.length, 0);
}
