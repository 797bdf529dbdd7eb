/**
 * `inactive` is data-dead: the units a direction touches never fire on the probe (issue 8, point 8;
 * METHOD §3 and its notes). F(t_min) = 0 exactly is not enough. A 2 → 3 → 2 → 1 ReLU MLP whose
 * first hidden layer fires on every input (biases +2, small weights) and whose second never does
 * (biases −20): the output is then the constant b₄, so along a node-death direction of a FIRST-layer
 * unit J·v = 0 at every t of the scan (the perturbation t·β·h ≤ √2·3 stays far below 20), F = 0
 * exactly — yet those units fire, so the direction is not inactive (it is flat: below ρ everywhere,
 * unexplained, and the reason says the units fire). The second layer's units never fire: inactive.
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/format/writer.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng } from '../../src/math/random.ts';

function checkpoint(): Uint8Array {
  const rng = createRng(5);
  const draw = (n: number, s: number) => Array.from({ length: n }, () => s * rng.normal());
  return writeSafetensors([
    { name: '0.weight', dtype: 'F64', shape: [3, 2], data: draw(6, 0.1) },
    { name: '0.bias', dtype: 'F64', shape: [3], data: [2, 2, 2] },
    { name: '2.weight', dtype: 'F64', shape: [2, 3], data: draw(6, 0.3) },
    { name: '2.bias', dtype: 'F64', shape: [2], data: [-20, -20] },
    { name: '4.weight', dtype: 'F64', shape: [1, 2], data: draw(2, 1) },
    { name: '4.bias', dtype: 'F64', shape: [1], data: [0.5] },
  ], { activation: 'relu', head: 'regression' });
}

describe('inactive only when the units never fire', () => {
  it('F = 0 on the whole scan of a firing unit is flat, not inactive; units that never fire are inactive', async () => {
    const r = await readCheckpoint(
      { checkpoint: bytesSource(checkpoint()), checkpointName: 'dead-downstream.safetensors' },
      { probe: 64, detectors: ['inactive', 'node-death'] }, new CpuEngine({ precision: 'f64' }),
    );
    // the probe check of the hidden layers, by a plain forward pass: layer 0 fires, layer 2 never does
    expect(r.layers.map((l) => [l.layer, l.inactiveUnits])).toEqual([['0', 0], ['2', 2]]);
    const first = r.directions.filter((d) => d.detector === 'node-death' && d.layer === '0');
    expect(first).toHaveLength(3);
    for (const d of first) {
      expect(d.scan.F.every((f) => f === 0), d.id).toBe(true); // what the old rule called inactive
      expect(d.class, d.reason).toBe('flat');
      expect(d.reason).toContain('the units fire on the probe: not data-dead');
    }
    const second = r.directions.filter((d) => d.detector === 'node-death' && d.layer === '2');
    expect(second).toHaveLength(2);
    for (const d of second) {
      expect(d.class, d.reason).toBe('inactive');
      expect(d.lambda).toBe(0);
      expect(d.reason).toContain('units never fire on the probe');
    }
  });
});
