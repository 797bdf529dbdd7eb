import { describe, expect, it } from 'vitest';
import { classifyDirection, safeRatio, type ClassifyInput } from '../../src/read/classify.ts';
import { DEFAULT_SETTINGS, scanGrid } from '../../src/read/settings.ts';

// the exact-window tests use a floor far below f64 rounding of these closed forms
const settings = { ...DEFAULT_SETTINGS, numericalFloor: 1e-30 };
const t = scanGrid(settings);
function classify(F: number[], extra: Partial<ClassifyInput> = {}) {
  return classifyDirection({ t, F, fLive: 1, settings, isGauge: false, predictedK: null, ...extra });
}

describe('classifyDirection: Gaussian anchor μ(t) = t^k (METHOD §8)', () => {
  it('F = k² t^{2(k−1)} reads k = 1…4 with λ = 1/(2k); F·t² = 2k²·KL with KL = t^{2k}/2', () => {
    for (const k of [1, 2, 3, 4]) {
      const F = t.map((x) => k * k * x ** (2 * (k - 1)));
      t.forEach((x, i) => {
        const KL = x ** (2 * k) / 2;
        expect(Math.abs(F[i] * x * x - 2 * k * k * KL)).toBeLessThanOrEqual(1e-15 * F[i] * x * x);
      });
      const c = classify(F, { predictedK: k });
      expect(c.k).toBeCloseTo(k, 10);
      expect(c.kRounded).toBe(k);
      expect(c.class).toBe(k === 1 ? 'live' : 'singular');
      expect(c.lambda).toBeCloseTo(1 / (2 * k), 15);
      expect(c.path).toBe('line');
      expect(c.window).toEqual([t[0], t[t.length - 1]]);
      expect(c.ratio).toBeCloseTo(F[0], 20);
      expect(c.slopes.length).toBe(t.length - 1);
      expect(c.reason).toContain('window 1e-4…1');
      if (k >= 2) expect(c.reason).toContain(`as predicted, k = ${k}`);
    }
  });

  it('the default numerical floor (1e-12, set for f32 engines) shortens the window, not the order', () => {
    for (const k of [2, 3, 4]) {
      const F = t.map((x) => k * k * x ** (2 * (k - 1)));
      const c = classifyDirection({ t, F, fLive: 1, settings: DEFAULT_SETTINGS, isGauge: false, predictedK: k });
      expect(c.kRounded).toBe(k);
      expect(c.k).toBeCloseTo(k, 10);
      // the window starts where F ≥ 1e-12 × max F
      const first = t.findIndex((_, i) => F[i] > 1e-12 * F[F.length - 1]);
      expect(c.window![0]).toBeCloseTo(t[first], 12);
    }
  });

  it('the singular reason names the window, the slope and k̂', () => {
    const c = classify(t.map((x) => 9 * x ** 4), { predictedK: 2 });
    expect(c.reason).toMatch(/window 1e-4…1 with slope 4\.00 → k̂ 3\.00/);
    expect(c.reason).toContain('predicted k = 2');
  });
});

describe('classifyDirection: the classes of METHOD §3', () => {
  it('floor example c0 + c·t⁴: singular of order 3, not live', () => {
    const c = classify(t.map((x) => 1e-6 + x ** 4), { fLive: 1 });
    expect(c.class).toBe('singular');
    expect(c.kRounded).toBe(3);
    expect(c.lambda).toBeCloseTo(1 / 6, 15);
    expect(Math.abs(c.k! - 3)).toBeLessThan(0.05);
    expect(c.window![0]).toBeGreaterThan(0.03);
  });

  it('λ is 1/(2·kRounded) while k keeps the raw k̂', () => {
    const c = classify(t.map((x) => x ** 3.8)); // k̂ = 2.9
    expect(c.k).toBeCloseTo(2.9, 10);
    expect(c.kRounded).toBe(3);
    expect(c.lambda).toBeCloseTo(1 / 6, 15);
  });

  it('units that never fire and exact zero at t_min → inactive (data-dead), rising past a threshold', () => {
    const c = classify(t.map((x) => Math.max(0, x - 1e-2) ** 2), { neverFires: true });
    expect(c.class).toBe('inactive');
    expect(c.lambda).toBe(0);
    expect(c.k).toBeNull();
    expect(c.kRounded).toBeNull();
    expect(c.ratio).toBe(0);
    expect(c.reason).toContain('rises past t ≈');
    const z = classify(t.map(() => 0), { neverFires: true });
    expect(z.class).toBe('inactive');
    expect(z.reason).toContain('stays 0');
  });

  it('F(t_min) = 0 on units that fire is not inactive: the line rules decide, and the reason says so', () => {
    const zero = classify(t.map(() => 0));
    expect(zero.class).toBe('flat');
    expect(zero.reason).toContain('units fire on the probe');
    // zero at t_min, then a clean t⁴ rate: singular of order 3, not data-dead
    const rise = classify(t.map((x, i) => (i === 0 ? 0 : x ** 4)));
    expect(rise.class).toBe('singular');
    expect(rise.kRounded).toBe(3);
  });

  it('gauge along a curved orbit (GPT-2 query–key numbers): gauge, while the line reads k̂ = 2', () => {
    const F = t.map((x) => 6e-4 * x * x); // 6e-12 at t = 1e-4 … 6e-6 at t = 0.1
    const orbitF = t.map(() => 1e-34);
    const c = classify(F, { isGauge: true, orbitF });
    expect(c.class).toBe('gauge');
    expect(c.path).toBe('orbit');
    expect(c.lambda).toBe(0);
    expect(c.ratio).toBe(1e-34);
    expect(c.kRounded).toBe(2);
    expect(c.k).toBeCloseTo(2, 10);
    expect(c.reason).toContain('informational');
    // without the detector the same straight line would pass for an order-2 singularity
    expect(classify(F).class).toBe('singular');
  });

  it('additive gauges: the path is the line; F = 0 exactly (mean) and 7e-11 (scale) are gauges', () => {
    const mean = classify(t.map(() => 0), { isGauge: true });
    expect(mean.class).toBe('gauge');
    expect(mean.ratio).toBe(0);
    const scale = classify(t.map(() => 7e-11), { isGauge: true, fLive: 1 });
    expect(scale.class).toBe('gauge');
    expect(scale.ratio).toBeCloseTo(7e-11, 20);
    expect(scale.kRounded).toBe(1); // reads k̂ = 1 on the line, like a live direction
    expect(scale.reason).toContain('the line itself');
  });

  it('a gauge and a live direction both read k̂ = 1; only R tells them apart', () => {
    const live = classify(t.map(() => 0.5), { isGauge: true });
    expect(live.class).toBe('live');
    expect(live.kRounded).toBe(1);
    expect(live.lambda).toBe(0.5);
    expect(live.reason).toContain('not a gauge');
  });

  it('a gauge claim whose orbit rises above ρ falls through to the line rules', () => {
    const c = classify(t.map((x) => x * x), { isGauge: true, orbitF: t.map((x) => x) });
    expect(c.class).toBe('singular');
    expect(c.path).toBe('line');
    expect(c.reason).toContain('not a gauge');
  });

  it('below ρ everywhere, no symmetry detector → flat (unexplained)', () => {
    const c = classify(t.map(() => 7e-11));
    expect(c.class).toBe('flat');
    expect(c.lambda).toBe(0);
    expect(c.ratio).toBeCloseTo(7e-11, 20);
    expect(c.reason).toContain('unexplained');
    // a slow rise that stays below ρ, with no window of k ≥ 2: flat too
    const s = classify(t.map((x) => 1e-4 * x ** 0.5));
    expect(s.class).toBe('flat');
  });

  it('a bump of α(t) is not an order: the window at its top (slope ≈ 1) reads pre-asymptotic', () => {
    // F = c·exp(γ (ln t − ln t*)² …): α(t) = d ln F/d ln t rises as a Gaussian bump of height 1.15
    // centred at t* = 0.1 (what ts_tanh_adamw_s1 units 0 and 8 show); k̂ = 1.52 rounds to 2 but
    // the slope is 0.95 away from the order-2 rate 2, and F/F_live stays ≈ 0.2, nearly live
    const h = 1.15, w = 0.8, lnStar = Math.log(0.1);
    // ln F = ∫ α d ln t with α = h·exp(−(ln t − ln t*)² / (2 (w ln 10)²)), w in decades
    const lnT = t.map((x) => Math.log(x));
    const alpha = (u: number) => h * Math.exp(-((u - lnStar) ** 2) / (2 * (w * Math.LN10) ** 2));
    const lnF: number[] = [Math.log(0.2)];
    for (let i = 1; i < t.length; i++) {
      // Simpson on each interval: α is smooth, so ln F is accurate to ~1e-8
      const a = lnT[i - 1], b = lnT[i];
      lnF.push(lnF[i - 1] + ((b - a) / 6) * (alpha(a) + 4 * alpha((a + b) / 2) + alpha(b)));
    }
    const F = lnF.map(Math.exp);
    const c = classify(F, { predictedK: 2 });
    expect(c.windowDetail).not.toBeNull();
    expect(Math.round(c.windowDetail!.k)).toBe(2); // what "round(k̂) ≥ 2" used to call singular
    expect(Math.abs(c.windowDetail!.medianSlope - 2)).toBeGreaterThan(2 * settings.slopeTol);
    expect(c.class).toBe('pre-asymptotic');
    expect(c.kRounded).toBeNull();
    expect(c.lambda).toBeNull();
    expect(c.reason).toContain('between orders');
    // the same window moved onto the order-2 rate (slope 2 ± 0.4) is read singular
    const onRate = classify(t.map((x) => x ** 1.7));
    expect(onRate.class).toBe('singular');
    expect(onRate.kRounded).toBe(2);
    const offRate = classify(t.map((x) => x ** 1.5)); // k̂ 1.75: 0.25 from 2
    expect(offRate.class).toBe('pre-asymptotic');
  });

  it('no window → pre-asymptotic, with no order', () => {
    const F = t.map((x) => 10 ** ((Math.log10(x) + 4) ** 2 / 2)); // α rises by 1 a decade
    const c = classify(F);
    expect(c.class).toBe('pre-asymptotic');
    expect(c.k).toBeNull();
    expect(c.kRounded).toBeNull();
    expect(c.lambda).toBeNull();
    expect(c.window).toBeNull();
    expect(c.reason).toContain('no flat run');
  });

  it('a floor window rounding to 1 below ρ that rises above ρ later → pre-asymptotic', () => {
    const F = t.map((x) => 1e-5 * (1 + (x / 0.3) ** 8));
    const c = classify(F);
    expect(c.class).toBe('pre-asymptotic');
    expect(c.windowDetail).not.toBeNull();
    expect(c.reason).toContain('rounds to 1');
  });

  it('live needs R(t_min) ≥ ρ exactly at the threshold', () => {
    expect(classify(t.map(() => 1e-3)).class).toBe('live');
    expect(classify(t.map(() => 0.99e-3)).class).toBe('flat');
  });

  it('ρ and the window settings are honoured', () => {
    const F = t.map(() => 1e-4);
    expect(classify(F).class).toBe('flat');
    expect(classifyDirection({ t, F, fLive: 1, settings: { ...settings, floorRatio: 1e-5 }, isGauge: false, predictedK: null }).class).toBe('live');
    // with a stricter minimum window the bent F = x² then x⁶ loses its short steep part
    const G = t.map((x) => (x < 0.1 ? x ** 2 : 1e-2 * (x / 0.1) ** 6));
    expect(classify(G).kRounded).toBe(4);
    const strict = classifyDirection({ t, F: G, fLive: 1, settings: { ...settings, minDecades: 1.5 }, isGauge: false, predictedK: null });
    expect(strict.kRounded).toBe(2);
  });

  it('numerical floor: values at 1e-30 × max(F_live, max F) and below are excluded from the window', () => {
    // rounding-noise plateau at 1e-40 for t < 1e-2, then t⁴
    const F = t.map((x) => (x < 1e-2 ? 1e-40 : x ** 4));
    const c = classify(F);
    expect(c.class).toBe('singular');
    expect(c.kRounded).toBe(3);
    expect(c.window![0]).toBeCloseTo(1e-2, 12);
  });
});

describe('classifyDirection: F_live = 0 never produces NaN', () => {
  it('F > 0 with F_live = 0 → ratio Infinity (live); both zero → ratio 0', () => {
    const c = classify(t.map(() => 1), { fLive: 0 });
    expect(c.ratio).toBe(Infinity);
    expect(c.class).toBe('live');
    const z = classify(t.map(() => 0), { fLive: 0 });
    expect(z.ratio).toBe(0);
    expect(z.class).toBe('flat');
    expect(classify(t.map(() => 0), { fLive: 0, neverFires: true }).class).toBe('inactive');
    const g = classify(t.map(() => 0), { fLive: 0, isGauge: true });
    expect(g.class).toBe('gauge');
    expect(g.ratio).toBe(0);
    const s = classify(t.map((x) => x * x), { fLive: 0 });
    expect(s.class).toBe('singular');
    expect(Number.isNaN(s.ratio)).toBe(false);
  });

  it('safeRatio', () => {
    expect(safeRatio(1, 0)).toBe(Infinity);
    expect(safeRatio(0, 0)).toBe(0);
    expect(safeRatio(2, 4)).toBe(0.5);
  });

  it('rejects mismatched inputs', () => {
    expect(() => classify([1, 2])).toThrow();
    expect(() => classify(t.map(() => 1), { isGauge: true, orbitF: [1] })).toThrow();
  });
});
