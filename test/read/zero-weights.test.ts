/**
 * Units with all-zero weights (issue 8: a warning, not a silent singular read). A 3 → 4 → 2 tanh
 * MLP with unit 1's incoming row and bias zero, unit 2's outgoing column zero and unit 3's both:
 * the read says so once per layer, and each such node-death direction carries its note. The order
 * read along each agrees with the expansion of Δf along v = (α, β)/√2 (METHOD §4), φ = tanh:
 *  - unit 3 (both zero, α and β seeded random): Δf = (t/√2)β·tanh((t/√2)α·x̃) = (t²/2)β(α·x̃) + O(t⁴),
 *    so F ∝ t⁴: k = 2, the bare cell's order;
 *  - unit 1 (incoming zero): Δf = w_out·(t/√2)α·x̃ + O(t²), first order: k = 1;
 *  - unit 2 (outgoing zero, h = tanh(w_in·x̃) ≠ 0): Δf = (t/√2)β·h + O(t²): k = 1.
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/format/writer.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng } from '../../src/math/random.ts';

const IN = 3, HID = 4, OUT = 2;

function checkpoint(zeroIn: number[], zeroOut: number[]): Uint8Array {
  const rng = createRng(11);
  const draw = (n: number) => Array.from({ length: n }, () => 0.8 * rng.normal());
  const w0 = draw(HID * IN), b0 = draw(HID), w2 = draw(OUT * HID), b2 = draw(OUT);
  for (const u of zeroIn) {
    w0.fill(0, u * IN, (u + 1) * IN);
    b0[u] = 0;
  }
  for (const u of zeroOut) for (let o = 0; o < OUT; o++) w2[o * HID + u] = 0;
  return writeSafetensors([
    { name: '0.weight', dtype: 'F64', shape: [HID, IN], data: w0 },
    { name: '0.bias', dtype: 'F64', shape: [HID], data: b0 },
    { name: '2.weight', dtype: 'F64', shape: [OUT, HID], data: w2 },
    { name: '2.bias', dtype: 'F64', shape: [OUT], data: b2 },
  ], { activation: 'tanh', head: 'regression' });
}

const read = (bytes: Uint8Array) => readCheckpoint(
  { checkpoint: bytesSource(bytes), checkpointName: 'zero.safetensors' },
  { probe: 64, detectors: ['node-death'] },
  new CpuEngine({ precision: 'f64' }),
);

describe('all-zero weights', () => {
  it('incoming, outgoing and both: one warning each, the direction says it was read along a seeded random row / column', async () => {
    const r = await read(checkpoint([1, 3], [2, 3]));
    const zeroWarnings = r.warnings.filter((w) => w.includes('all-zero'));
    expect(zeroWarnings).toEqual([
      'layer 0: unit 3 has all-zero incoming and outgoing weights; node-death reads it along seeded random directions (the bare cell\'s order, not a trained direction)',
      'layer 0: unit 1 has all-zero incoming weights (read along a seeded random row)',
      'layer 0: unit 2 has all-zero outgoing weights (read along a seeded random column)',
    ]);
    const dir = (u: number) => r.directions.find((d) => d.id === `node-death:0:${u}`)!;
    expect(dir(0).reason).not.toMatch(/all zero/);
    expect(dir(1).reason).toMatch(/; incoming weights all zero: read along a seeded random row \(/);
    expect(dir(2).reason).toMatch(/; outgoing weights all zero: read along a seeded random column \(/);
    expect(dir(3).reason).toMatch(/; incoming and outgoing weights all zero: read along a seeded random row and column \(the bare cell's order/);
    // the orders of the expansion in the header
    expect([1, 2, 3].map((u) => [dir(u).class, dir(u).kRounded])).toEqual([['live', 1], ['live', 1], ['singular', 2]]);
  });

  it('several units in one layer are listed in one warning; a checkpoint without zero units has none', async () => {
    const r = await read(checkpoint([0, 1, 3], [0, 1, 3]));
    expect(r.warnings.filter((w) => w.includes('all-zero'))).toEqual([
      'layer 0: units 0, 1, 3 have all-zero incoming and outgoing weights; node-death reads them along seeded random directions (the bare cell\'s order, not a trained direction)',
    ]);
    const clean = await read(checkpoint([], []));
    expect(clean.warnings.filter((w) => w.includes('all-zero'))).toEqual([]);
    expect(clean.directions.filter((d) => d.reason.includes('seeded random'))).toEqual([]);
  });
});
