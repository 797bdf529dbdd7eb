/**
 * A forward pass that is not finite on the probe is bad input, said before any detector runs: a
 * LayerNorm with eps = −1 in a hand-written architecture divides by √(var − 1), NaN wherever the
 * variance is below 1 (it reached the K-FAC eigen-solver as an internal RangeError).
 */
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../src/format/writer.ts';
import { bytesSource } from '../../src/format/safetensors.ts';
import { InputError, readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';

const bytes = writeSafetensors([
  { name: '0.weight', dtype: 'F64', shape: [4, 2], data: [0.1, 0.2, -0.1, 0.05, 0.02, -0.3, 0.1, 0.1] },
  { name: 'ln.weight', dtype: 'F64', shape: [4], data: [1, 1, 1, 1] },
  { name: 'ln.bias', dtype: 'F64', shape: [4], data: [0, 0, 0, 0] },
  { name: '2.weight', dtype: 'F64', shape: [1, 4], data: [1, -1, 0.5, 0.2] },
], { head: 'regression' });
const arch = (eps: number) => JSON.stringify({
  inputShape: [2], activation: 'identity',
  layers: [{ op: 'linear', prefix: '0' }, { op: 'layernorm', prefix: 'ln', eps }, { op: 'linear', prefix: '2' }],
});
const read = (eps: number) => readCheckpoint(
  { checkpoint: bytesSource(bytes), checkpointName: 'ln.safetensors', archText: arch(eps), archName: 'arch.json' },
  { probe: 16, detectors: ['bottom-subspace'] }, new CpuEngine({ precision: 'f64' }),
);

describe('a forward pass that is not finite', () => {
  it('is an InputError naming the op, not an internal error; the same model with eps 1e-5 reads', async () => {
    const err = await read(-1).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/the forward pass on the probe gives NaN at layernorm ln \(value 2\)/);
    const ok = await read(1e-5);
    expect(ok.directions.length).toBeGreaterThan(0);
  });
});
