import { describe, expect, it } from 'vitest';
import { localSlopes } from '../../src/read/slope.ts';
import { asymptoticWindow } from '../../src/read/window.ts';
import { DEFAULT_SETTINGS, scanGrid } from '../../src/read/settings.ts';

const t = scanGrid(DEFAULT_SETTINGS);
const opts = { slopeTol: 0.2, minDecades: 0.75, floor: 1e-30 };
function read(F: number[], o = opts, grid = t) {
  return asymptoticWindow(grid, F, localSlopes(grid, F), o);
}

describe('asymptoticWindow', () => {
  it('a pure power law: the whole grid is the window', () => {
    const w = read(t.map((x) => 9 * x ** 4));
    expect(w).not.toBeNull();
    expect(w!.i0).toBe(0);
    expect(w!.i1).toBe(15);
    expect(w!.t0).toBe(t[0]);
    expect(w!.t1).toBe(t[16]);
    expect(w!.medianSlope).toBeCloseTo(4, 10);
    expect(w!.k).toBeCloseTo(3, 10);
  });

  it('METHOD §2 floor example F = c0 + c·t⁴: the window above the crossover, k ≈ 3, not the longer floor run', () => {
    // c0 = 1e-6, c = 1: crossover t× = (c0/c)^(1/4) ≈ 0.032; the floor run (slope ≈ 0) spans
    // 1e-4 … ~1e-2, more than two decades, the rate run ~0.056 … 1, 1.25 decades.
    const F = t.map((x) => 1e-6 + x ** 4);
    const w = read(F);
    expect(w).not.toBeNull();
    expect(w!.t0).toBeGreaterThan(0.03);
    expect(w!.t1).toBe(1);
    expect(w!.medianSlope).toBeGreaterThan(3.9);
    expect(Math.abs(w!.k - 3)).toBeLessThan(0.05);
    expect(Math.round(w!.k)).toBe(3);
    // the floor run exists, is longer and would give k = 1: the rule did not take it
    const floorRun = read(F.slice(0, 10), opts, t.slice(0, 10));
    expect(floorRun).not.toBeNull();
    expect(Math.round(floorRun!.k)).toBe(1);
    expect(Math.log10(floorRun!.t1 / floorRun!.t0)).toBeGreaterThan(Math.log10(w!.t1 / w!.t0));
  });

  it('a smaller floor c0 = 1e-10 gives a longer rate window, still k ≈ 3', () => {
    const w = read(t.map((x) => 1e-10 + x ** 4));
    expect(w!.t0).toBeLessThan(1e-2);
    expect(w!.k).toBeCloseTo(3, 3);
  });

  it('points at or below the numerical floor are excluded', () => {
    // t² below 1e-4, numerical noise level 1e-20 below that: with floor 1e-12 only the
    // t² part counts; the slope there is 2 → k = 2.
    const F = t.map((x) => (x < 1e-2 ? 1e-20 : x ** 2));
    const w = read(F, { ...opts, floor: 1e-12 });
    expect(w!.t0).toBeCloseTo(1e-2, 12);
    expect(w!.k).toBeCloseTo(2, 10);
    // every point below the floor: no window
    expect(read(t.map(() => 1e-20), { ...opts, floor: 1e-12 })).toBeNull();
  });

  it('NaN slopes split runs', () => {
    const F = t.map((x) => x ** 2);
    F[8] = 0; // t = 1e-2: slopes 7 and 8 are NaN
    const w = read(F);
    expect(w).not.toBeNull();
    expect(w!.i1 < 7 || w!.i0 > 8).toBe(true);
    expect(w!.k).toBeCloseTo(2, 10);
  });

  it('a continuously bending curve has no window (pre-asymptotic)', () => {
    // log10 F = (log10 t + 4)²: α rises by 2 every decade
    const F = t.map((x) => 10 ** ((Math.log10(x) + 4) ** 2));
    expect(read(F)).toBeNull();
  });

  it('runs shorter than minDecades do not qualify; exactly minDecades does', () => {
    const grid = [1, 10 ** 0.25, 10 ** 0.5, 10 ** 0.75];
    const F = grid.map((x) => x ** 2);
    const w = read(F, opts, grid);
    expect(w).not.toBeNull();
    expect(w!.k).toBeCloseTo(2, 10);
    expect(read(F.slice(0, 3), opts, grid.slice(0, 3))).toBeNull();
  });

  it('chooses the largest median slope; ties go to the longer run, then to larger t', () => {
    // slope 2 over 1e-4…1e-2, slope 6 over 1e-2…1 (continuous F): k = 4, not 2
    const F = t.map((x) => (x < 1e-2 ? x ** 2 : 1e-4 * (x / 1e-2) ** 6));
    const w = read(F);
    expect(w!.k).toBeCloseTo(4, 10);
    expect(w!.t0).toBeCloseTo(1e-2, 12);
    // equal slopes in two separated runs: the longer one
    const G = t.map((x) => x ** 2);
    G[5] = 0; // splits 1e-4…10^-3.25 (slopes 0..3) from 10^-2.5…1 (slopes 6..15)
    const wg = read(G);
    expect(wg!.i0).toBe(6);
    // equal slopes and equal spans: the run at larger t
    const grid = [1, 10 ** 0.25, 10 ** 0.5, 10 ** 0.75, 10, 10 ** 1.25, 10 ** 1.5, 10 ** 1.75];
    const H = grid.map((x) => x ** 2);
    H.splice(4, 0, 0);
    grid.splice(4, 0, 10 ** 0.875);
    const wh = read(H, opts, grid);
    expect(wh!.t0).toBe(10);
  });

  it('rejects mismatched inputs', () => {
    expect(() => asymptoticWindow([1, 2], [1, 2], [], opts)).toThrow();
  });
});
