/** Given probe inputs are read whole unless the user caps them; the JSON says which were used. */
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/read.ts';

describe('probe inputs', () => {
  it('are used whole by default, whatever the synthetic probe size', async () => {
    const m = await loadFixture('mnist-mlp-dfdx.safetensors', {}, 'mnist-test-1000.safetensors');
    expect(m.probe.count).toBe(1000);
    expect(m.probe.data.length).toBe(1000 * 784);
    expect(m.probeDescription).toMatch(/\(all 1000\)$/);
  });

  it('inputCap keeps the first N and is stated', async () => {
    const m = await loadFixture('mnist-mlp-dfdx.safetensors', { inputCap: 100 }, 'mnist-test-1000.safetensors');
    expect(m.probe.count).toBe(100);
    expect(m.probeDescription).toMatch(/first 100 of 1000: inputCap 100/);
    // pixel 0..783 of image 99 are the last ones kept (MNIST images are U8 scaled by 1/255)
    const full = await loadFixture('mnist-mlp-dfdx.safetensors', {}, 'mnist-test-1000.safetensors');
    expect(Array.from(m.probe.data.subarray(99 * 784))).toEqual(Array.from(full.probe.data.subarray(99 * 784, 100 * 784)));
  });

  it('a negative or fractional cap is a plain input error', async () => {
    await expect(loadFixture('mnist-mlp-dfdx.safetensors', { inputCap: -1 }, 'mnist-test-1000.safetensors')).rejects.toThrow(/inputCap must be/);
  });
});
