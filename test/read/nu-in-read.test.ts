/**
 * ν(k) reaches the read (issue 8, point 3; METHOD §7): every live and singular direction of the JSON
 * carries ν of its rounded order, the others none, and `fluctuation.orders` holds, for each order
 * read on a singular direction, ν(k) and the ν̂-vs-n data of the figure. ν(k) is recomputed here by
 * a plain 2-D trapezoid rule, independent of fluctuation.ts:
 *   ν(k) = E_{Z∼N(0,2)} Var_{π_Z}[η^k],  π_Z(η) ∝ exp(Z η^k − η^{2k}),
 * and checked against METHOD's table (ν(2) = 0.1730, ν(3) = 0.2784).
 */
import { describe, expect, it } from 'vitest';
import { readFixture } from '../helpers/read.ts';

function nuByTrapezoid(k: number): number {
  const dz = 0.05, deta = 0.005, Zmax = 14, Emax = 3.5;
  let acc = 0, wsum = 0;
  for (let Z = -Zmax; Z <= Zmax + 1e-12; Z += dz) {
    const pz = Math.exp(-(Z * Z) / 4) / Math.sqrt(4 * Math.PI);
    // log-weights shifted by their maximum so exp never overflows
    let top = -Infinity;
    for (let e = -Emax; e <= Emax + 1e-12; e += deta) top = Math.max(top, Z * e ** k - e ** (2 * k));
    let w0 = 0, w1 = 0, w2 = 0;
    for (let e = -Emax; e <= Emax + 1e-12; e += deta) {
      const w = Math.exp(Z * e ** k - e ** (2 * k) - top);
      const x = e ** k;
      w0 += w;
      w1 += w * x;
      w2 += w * x * x;
    }
    const mean = w1 / w0;
    acc += pz * (w2 / w0 - mean * mean) * dz;
    wsum += pz * dz;
  }
  return acc / wsum;
}

describe('ν(k) in the read', () => {
  it('the trapezoid rule reproduces METHOD §7 (ν(2) = 0.1730, ν(3) = 0.2784)', () => {
    expect(nuByTrapezoid(2)).toBeCloseTo(0.173, 3);
    expect(nuByTrapezoid(3)).toBeCloseTo(0.2784, 3);
  });

  it('ts_relu2_adamw_s1: each singular and live direction carries ν(kRounded); the figure data has every singular order', async () => {
    const r = await readFixture('ts_relu2_adamw_s1.safetensors', { detectors: ['node-death', 'dual-factor'] });
    // k = 1: π_Z is Gaussian with variance 1/2 for every Z, so ν(1) = 1/2 exactly
    const ref = new Map([1, 2, 3].map((k) => [k, k === 1 ? 0.5 : nuByTrapezoid(k)]));
    const singular = r.directions.filter((d) => d.class === 'singular');
    // the two compressed units read k = 3 (planted.test.ts), so order 3 is among them
    expect(singular.some((d) => d.kRounded === 3)).toBe(true);
    for (const d of r.directions) {
      if (d.class === 'singular' || d.class === 'live') expect(Math.abs(d.nu! - ref.get(d.kRounded!)!), d.id).toBeLessThan(5e-4);
      else expect(d.nu ?? null, d.id).toBeNull();
    }
    const orders = r.fluctuation!.orders;
    expect(orders.map((o) => o.k)).toEqual([...new Set(singular.map((d) => d.kRounded!))].sort((a, b) => a - b));
    for (const o of orders) {
      expect(Math.abs(o.nu - ref.get(o.k)!)).toBeLessThan(5e-4);
      expect(o.nuHat.map((p) => p.n)).toEqual([30, 100, 300, 1000, 3000, 10000]);
      // ν̂ is an estimate of ν(k): each mean within 4 standard errors of it (400 seeded draws)
      for (const p of o.nuHat) expect(Math.abs(p.mean - o.nu), `k ${o.k} n ${p.n}`).toBeLessThan(4 * p.se + 0.005);
    }
  });
});
