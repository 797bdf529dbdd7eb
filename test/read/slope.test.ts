import { describe, expect, it } from 'vitest';
import { localSlopes } from '../../src/read/slope.ts';
import { DEFAULT_SETTINGS, scanGrid } from '../../src/read/settings.ts';

describe('localSlopes', () => {
  it('reads the exponent of a power law exactly on the default grid', () => {
    const t = scanGrid(DEFAULT_SETTINGS);
    expect(t.length).toBe(17);
    for (const p of [0, 1, 2, 4, 6, -1.5]) {
      const s = localSlopes(t, t.map((x) => 3 * x ** p));
      expect(s.length).toBe(16);
      for (const a of s) expect(a).toBeCloseTo(p, 12);
    }
  });

  it('is NaN where F ≤ 0 or non-finite, finite elsewhere', () => {
    const t = [1e-3, 1e-2, 1e-1, 1, 10];
    const s = localSlopes(t, [0, 1, -1, 1, NaN].map((x, i) => (i === 3 ? 100 : x)));
    // intervals: (0,1) (1,-1) (-1,100) (100,NaN)
    expect(s.every((x) => Number.isNaN(x))).toBe(true);
    const s2 = localSlopes(t, [1, 10, Infinity, 1000, 1e4]);
    expect(s2[0]).toBeCloseTo(1, 14);
    expect(Number.isNaN(s2[1])).toBe(true);
    expect(Number.isNaN(s2[2])).toBe(true);
    expect(s2[3]).toBeCloseTo(1, 14);
  });

  it('handles short inputs and rejects mismatched lengths', () => {
    expect(localSlopes([], [])).toEqual([]);
    expect(localSlopes([1], [1])).toEqual([]);
    expect(() => localSlopes([1, 2], [1])).toThrow();
  });
});
