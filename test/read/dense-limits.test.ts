/**
 * Per-layer skipping of the dense work over a read's limits (issue 10): a layer whose K-FAC factor
 * or axis alignment is wider than maxEigenDim, or whose factor takes the K-FAC pass over the memory
 * limit, is left out with a warning naming the number and the setting that includes it; the rest of
 * the read is the same as a read without the limit.
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/format/writer.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { planDenseWork } from '../../src/read/memory.ts';
import { inferArchitecture } from '../../src/model/infer.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng } from '../../src/math/random.ts';
import type { ReadOptions } from '../../src/read/options.ts';

// 2 → 4 → 40 → 1, ReLU: layer 0 (a 3 × 3 input side with its bias, 4 outputs) fits any limit ≥ 4;
// layer 2 (5 × 5 input side, 40 outputs) and layer 4 (41 × 41 input side) are over a limit of 16
const widths = [2, 4, 40, 1];
function mlpBytes(): Uint8Array {
  const rng = createRng(11);
  const tensors = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [i, o] = [widths[l], widths[l + 1]];
    tensors.push({ name: `${2 * l}.weight`, dtype: 'F64' as const, shape: [o, i], data: Array.from({ length: o * i }, () => rng.normal() / Math.sqrt(i)) });
    tensors.push({ name: `${2 * l}.bias`, dtype: 'F64' as const, shape: [o], data: Array.from({ length: o }, () => 0.1 * rng.normal()) });
  }
  return writeSafetensors(tensors, { activation: 'relu', head: 'regression' });
}
const graph = () => inferArchitecture(
  [0, 1, 2].flatMap((l) => [{ name: `${2 * l}.weight`, shape: [widths[l + 1], widths[l]] }, { name: `${2 * l}.bias`, shape: [widths[l + 1]] }]),
  { activation: 'relu' }, {},
);

describe('dense work over the limits, layer by layer', () => {
  it('maxEigenDim 16 leaves out the factors and statistics wider than 16, nothing else', () => {
    const plan = planDenseWork(graph(), ['bottom-subspace', 'dual-factor'], 16);
    expect(plan.refused).toBeNull();
    expect([...plan.skip].sort()).toEqual(['bottom-subspace:2', 'bottom-subspace:4', 'dual-factor:2', 'layer statistics:2']);
    expect(plan.skipped.map((p) => [p.part, p.layer, p.eigenDim])).toEqual([
      ['detector bottom-subspace', '2', 40], ['detector bottom-subspace', '4', 41], ['detector dual-factor', '2', 40], ['layer statistics', '2', 40],
    ]);
  });

  it('a factor pass over the memory limit leaves out the widest factors until it fits; a cotangent over it alone refuses', () => {
    // f64 bytes from the shapes: cotangent 8 · 1 output · 2 · 40 (widest value) = 640; factors G = 8 · out²:
    // bottom-subspace 0: 128, 2: 12 800, 4: 8; dual-factor (units²) 0: 128, 2: 12 800. Total 26 504.
    const both = ['bottom-subspace', 'dual-factor'];
    expect(planDenseWork(graph(), both, 64, 26_504).skip.size).toBe(0);
    // 14 000: leaving out bottom-subspace 2 (the first of the two widest) gives 13 704, which fits
    const one = planDenseWork(graph(), both, 64, 14_000);
    expect([...one.skip]).toEqual(['bottom-subspace:2']);
    expect(one.skipped[0]).toMatchObject({ part: 'detector bottom-subspace', layer: '2', bytes: 12_800 });
    // 800: both wide factors out leaves 904, then bottom-subspace 0 (128) gives 776
    expect([...planDenseWork(graph(), both, 64, 800).skip]).toEqual(['bottom-subspace:2', 'dual-factor:2', 'bottom-subspace:0']);
    expect(planDenseWork(graph(), both, 64, 600).refused).toMatchObject({ layer: 'all layers' });
    // a detector not asked for computes no factor and is not warned about
    const bsOnly = planDenseWork(graph(), ['bottom-subspace'], 64, 14_000);
    expect([...bsOnly.skip].sort()).toEqual(['dual-factor:0', 'dual-factor:2']);
    expect(bsOnly.skipped).toEqual([]);
  });

  it('a read leaves those layers out with a warning each; every other direction reads as without the limit', async () => {
    const read = (o: Partial<ReadOptions>) => readCheckpoint({ checkpoint: bytesSource(mlpBytes()), checkpointName: 'mlp.safetensors' },
      { probe: 32, detectors: ['bottom-subspace', 'dual-factor', 'node-death'], bottomK: 2, ...o }, new CpuEngine({ precision: 'f64' }));
    const [limited, full] = [await read({ maxEigenDim: 16 }), await read({ maxEigenDim: 64 })];
    const byDetector = (r: typeof full, det: string) => [...new Set(r.directions.filter((d) => d.detector === det).map((d) => d.layer))];
    expect(byDetector(full, 'bottom-subspace')).toEqual(['0', '2', '4']);
    expect(byDetector(limited, 'bottom-subspace')).toEqual(['0']);
    expect(byDetector(limited, 'dual-factor')).toEqual(['0']);
    expect(byDetector(limited, 'node-death')).toEqual(['0', '2']);
    expect(limited.warnings).toContainEqual(expect.stringMatching(/^layer 2: bottom-subspace skipped: detector bottom-subspace on layer 2 decomposes a 40 × 40 matrix .* above the 16 limit \(maxEigenDim\); --max-eigen-dim 40 \(maxEigenDim\) includes it$/));
    expect(limited.warnings).toContainEqual(expect.stringMatching(/^layer 4: bottom-subspace skipped: .* 41 × 41 .*; --max-eigen-dim 41 \(maxEigenDim\) includes it$/));
    expect(limited.warnings).toContainEqual(expect.stringMatching(/^layer 2: dual-factor skipped: .* 40 × 40 /));
    expect(full.warnings.some((w) => /skipped/.test(w))).toBe(false);
    // the directions read in both are scanned the same, to the bit (their factors do not depend on the ones left
    // out); F_live is a seeded draw per block in the order blocks are met, so a block left out can move a later
    // block's draw: where the reference is the same, so is the class
    const fullById = new Map(full.directions.map((d) => [d.id, d]));
    let sameReference = 0;
    for (const d of limited.directions) {
      const f = fullById.get(d.id)!;
      expect(f.scan.F, d.id).toEqual(d.scan.F);
      if (f.fLive === d.fLive) {
        sameReference++;
        expect(f.class, d.id).toBe(d.class);
      }
    }
    expect(sameReference).toBeGreaterThan(0);
    expect(limited.directions.length).toBe(full.directions.length - 2 * 2 - 2); // bottomK 2 on layers 2 and 4, dual-factor 2 on layer 2
  });
});
