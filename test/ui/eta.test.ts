/** The explorer's smoothed ETA: exact at a constant pace, steadier than elapsed/fraction when batches vary. */
import { describe, expect, it } from 'vitest';
import { EtaSmoother } from '../../src/state/eta.ts';

describe('EtaSmoother', () => {
  it('at a constant pace it is the time left exactly', () => {
    const e = new EtaSmoother();
    let eta: number | null = null;
    for (let t = 0; t <= 50; t++) eta = e.update(t / 100, t); // 1 % a second
    expect(eta).toBeCloseTo(50, 9);
  });

  it('alternating slow and fast batches move it far less than the raw ratio of the last batch', () => {
    const e = new EtaSmoother();
    const etas: number[] = [];
    const raw: number[] = [];
    let f = 0, t = 0;
    for (let i = 0; i < 60; i++) {
      const dt = i % 2 ? 3 : 1; // the same work per batch, alternately 1 s and 3 s
      t += dt;
      f += 0.01;
      const v = e.update(f, t);
      if (i > 20 && v !== null) { etas.push(v); raw.push((1 - f) / (0.01 / dt)); }
    }
    const swing = (xs: number[]) => Math.max(...xs.slice(1).map((x, i) => Math.abs(x - xs[i]) / xs[i]));
    expect(swing(etas)).toBeLessThan(0.25 * swing(raw));
    // and it converges on the mean pace: 0.01 per 2 s
    expect(etas[etas.length - 1]).toBeGreaterThan(0.7 * ((1 - f) / 0.005));
    expect(etas[etas.length - 1]).toBeLessThan(1.3 * ((1 - f) / 0.005));
  });
});
