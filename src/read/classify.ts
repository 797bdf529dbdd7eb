/**
 * Classification of one read direction (METHOD §3), from its straight-line scan and, for a
 * symmetry detector's direction, its scan along the exact symmetry path.
 *
 * Rules, applied in this order (ρ = settings.floorRatio, R = F / fLive):
 * 1. gauge — `isGauge` and max_t orbitF/fLive < ρ (orbitF defaults to F: the additive gauges'
 *    path is the line itself). path 'orbit', ratio = that maximum, λ = 0; k̂ / kRounded are
 *    still read from the straight-line window when there is one (informational: a curved
 *    orbit's line reads slope 2). A gauge claim whose orbit is NOT below ρ falls through to
 *    the line rules, and the reason says so.
 * 2. inactive — the units the direction touches never fire on the probe (`neverFires`, ReLU
 *    family) AND F[0] === 0 exactly (at t_min): data-dead, flat at small t, not a symmetry.
 *    λ = 0, k null. (Also taken when F stays 0 on the whole scan: the reason says which.)
 *    F[0] === 0 on units that do fire is not data-dead: it goes on to the rules below.
 * 3. The straight-line window, with floor = settings.numericalFloor × max(fLive, max F).
 *    The window reads an order only when it sits AT one: kRounded = round(k̂) and
 *    |k̂ − kRounded| ≤ slopeTol, i.e. its median slope is within 2·slopeTol of 2(kRounded − 1)
 *    (docs/METHOD.md notes: why in k̂ units). A window between orders is a bump of α(t), not
 *    a rate: such a direction is pre-asymptotic (rule 6), whatever it rounds to.
 *    singular — window at order kRounded ≥ 2. λ = 1/(2·kRounded): the contribution of
 *    the rounded order (METHOD: λ = 1/(2k), k the order the window rounds to); the raw k̂ is
 *    kept in `k` for display and comparison with predictedK.
 * 4. live — window at order 1 and R(t_min) ≥ ρ. λ = 1/2.
 * 5. flat — max_t R < ρ (and no window at an order ≥ 2): unexplained, flagged. λ = 0.
 * 6. pre-asymptotic — anything else (no window, a window between orders, a window at order 1
 *    below the floor but not flat everywhere, or rounding to ≤ 0): k, kRounded, λ all null.
 *
 * k, kRounded and window are null for inactive and pre-asymptotic (windowDetail keeps the
 * straight-line read, if any, for the plot).
 * ratio (non-gauge) = F[0] / fLive. Division by fLive = 0 never yields NaN: F > 0 gives
 * Infinity, F = 0 gives 0.
 */
import type { DirectionClass } from './schema.ts';
import type { ReadSettings } from './settings.ts';
import { localSlopes } from './slope.ts';
import { asymptoticWindow, type AsymptoticWindow } from './window.ts';

export interface ClassifyInput {
  /** the scan grid (ascending, positive) */
  t: number[];
  /** directional Fisher along the straight line θ̂ + t·v at each t */
  F: number[];
  /** F_live of the direction's block (the live reference, METHOD §3) */
  fLive: number;
  settings: ReadSettings;
  /** true when a symmetry detector supplies the direction and its exact path */
  isGauge: boolean;
  /** F along the symmetry path at the same t (additive gauges: omit, or pass F) */
  orbitF?: number[];
  /** the order the architecture predicts, if any (only reported in the reason) */
  predictedK: number | null;
  /** every unit the direction touches never fires on the probe (ReLU family; default false) */
  neverFires?: boolean;
}

export interface Classification {
  class: DirectionClass;
  path: 'line' | 'orbit';
  /** raw order k̂ = 1 + α/2 on the straight-line window, or null */
  k: number | null;
  kRounded: number | null;
  /** contribution to the learning coefficient, or null (pre-asymptotic) */
  lambda: number | null;
  /** F[0]/fLive; for a gauge, max along the symmetry path of orbitF/fLive */
  ratio: number;
  /** [t0, t1] of the straight-line window, or null (always null for inactive and
   *  pre-asymptotic, whose k is null; `windowDetail` still holds what the line read) */
  window: [number, number] | null;
  /** the full window read (indices, median slope), or null */
  windowDetail: AsymptoticWindow | null;
  /** local slopes of the straight-line scan (slope[i] between t[i] and t[i+1]) */
  slopes: number[];
  /** one-line human explanation */
  reason: string;
}

/** F / fLive without NaN for fLive = 0: F > 0 → Infinity, F = 0 → 0. NaN F stays NaN. */
export function safeRatio(F: number, fLive: number): number {
  if (fLive > 0 || fLive < 0) return F / fLive;
  if (Number.isNaN(F) || Number.isNaN(fLive)) return NaN;
  return F > 0 ? Infinity : F < 0 ? -Infinity : 0;
}

function maxFinite(xs: readonly number[]): number {
  let m = -Infinity;
  for (const x of xs) if (Number.isFinite(x) && x > m) m = x;
  return m;
}

function maxRatio(xs: readonly number[], fLive: number): number {
  let m = -Infinity;
  for (const x of xs) {
    const r = safeRatio(x, fLive);
    if (!Number.isNaN(r) && r > m) m = r;
  }
  return m;
}

/** 3 significant digits, trailing zeros dropped; exponent form (1e-4, 5.62e-3) for small/large values */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e4) return String(Number(x.toPrecision(3)));
  const [m, e] = x.toExponential(2).split('e');
  return `${String(Number(m))}e${e.replace('+', '')}`;
}

function windowText(w: AsymptoticWindow): string {
  return `window ${fmt(w.t0)}…${fmt(w.t1)} with slope ${w.medianSlope.toFixed(2)} → k̂ ${w.k.toFixed(2)}`;
}

function predictedText(kRounded: number, predictedK: number | null): string {
  if (predictedK === null) return '';
  return kRounded === predictedK ? ` (as predicted, k = ${predictedK})` : ` (predicted k = ${predictedK})`;
}

/** Classify one direction by the rules in this module's header. */
export function classifyDirection(input: ClassifyInput): Classification {
  const { t, F, fLive, settings, isGauge, predictedK } = input;
  if (t.length !== F.length) throw new RangeError(`classifyDirection: t has ${t.length} points, F has ${F.length}`);
  if (t.length === 0) throw new RangeError('classifyDirection: empty scan');
  const rho = settings.floorRatio;
  const slopes = localSlopes(t, F);
  const maxF = maxFinite(F);
  const floorScale = Math.max(Number.isFinite(fLive) ? Math.abs(fLive) : 0, maxF > 0 ? maxF : 0);
  const floor = settings.numericalFloor * floorScale;
  const w = asymptoticWindow(t, F, slopes, {
    slopeTol: settings.slopeTol,
    minDecades: settings.minDecades,
    floor,
  });
  const k = w ? w.k : null;
  const kRounded = w ? Math.round(w.k) : null;
  // the window sits at an order (rule 3): off by more than slopeTol in k̂ is a bump between orders
  const atOrder = w !== null && kRounded !== null && Math.abs(w.k - kRounded) <= settings.slopeTol;
  const window: [number, number] | null = w ? [w.t0, w.t1] : null;
  const base = { k, kRounded, window, windowDetail: w, slopes };
  const ratio0 = safeRatio(F[0], fLive);

  // 1. gauge: the symmetry path stays below ρ
  let gaugeNote = '';
  if (isGauge) {
    const orbitF = input.orbitF ?? F;
    if (orbitF.length !== t.length) {
      throw new RangeError(`classifyDirection: orbitF has ${orbitF.length} points, t has ${t.length}`);
    }
    const orbitMax = maxRatio(orbitF, fLive);
    const onLine = input.orbitF === undefined || input.orbitF === F;
    if (orbitMax < rho) {
      const lineNote = w ? `; the straight line reads k̂ ${w.k.toFixed(2)} (informational)` : '';
      return {
        ...base,
        class: 'gauge',
        path: 'orbit',
        lambda: 0,
        ratio: orbitMax,
        reason: `along the symmetry ${onLine ? 'path (the line itself)' : 'orbit'} F/F_live ≤ ${fmt(orbitMax)} < ρ ${fmt(rho)} at every t${lineNote}`,
      };
    }
    gaugeNote = `; symmetry detector's path reaches F/F_live ${fmt(orbitMax)} ≥ ρ, not a gauge`;
  }

  // 2. inactive: units that never fire, and exactly zero at t_min
  let zeroNote = '';
  if (F[0] === 0 && !input.neverFires) zeroNote = '; F = 0 exactly at t_min, but the units fire on the probe: not data-dead';
  if (F[0] === 0 && input.neverFires) {
    const first = F.findIndex((x) => x !== 0);
    const where = first < 0 ? 'stays 0 on the whole scan' : `rises past t ≈ ${fmt(t[first])}`;
    return {
      ...base,
      k: null,
      kRounded: null,
      window: null,
      class: 'inactive',
      path: 'line',
      lambda: 0,
      ratio: ratio0,
      reason: `units never fire on the probe and F = 0 exactly at t_min ${fmt(t[0])}, ${where}: data-dead (inactive), not a symmetry${gaugeNote}`,
    };
  }

  // 3. singular
  if (w && atOrder && kRounded !== null && kRounded >= 2) {
    return {
      ...base,
      class: 'singular',
      path: 'line',
      lambda: 1 / (2 * kRounded),
      ratio: ratio0,
      reason: `${windowText(w)} → order ${kRounded}${predictedText(kRounded, predictedK)}${gaugeNote}${zeroNote}`,
    };
  }

  // 4. live
  if (w && atOrder && kRounded === 1 && ratio0 >= rho) {
    return {
      ...base,
      class: 'live',
      path: 'line',
      lambda: 0.5,
      ratio: ratio0,
      reason: `${windowText(w)} and F/F_live ${fmt(ratio0)} ≥ ρ at t_min: live${gaugeNote}${zeroNote}`,
    };
  }

  // 5. flat
  const lineMax = maxRatio(F, fLive);
  if (lineMax < rho) {
    return {
      ...base,
      class: 'flat',
      path: 'line',
      lambda: 0,
      ratio: ratio0,
      reason: `F/F_live ≤ ${fmt(lineMax)} < ρ ${fmt(rho)} along the whole line, no window at an order k ≥ 2, no symmetry claims it: unexplained${gaugeNote}${zeroNote}`,
    };
  }

  // 6. pre-asymptotic
  const why = w
    ? kRounded !== null && kRounded < 1
      ? `${windowText(w)} rounds to ${kRounded} < 1: F falls with t, not a dead-direction rate`
      : !atOrder
        ? `${windowText(w)} lies between orders: |k̂ − ${kRounded}| = ${Math.abs(w.k - (kRounded as number)).toFixed(2)} > slope-tol ${settings.slopeTol} ` +
          `(slope ${w.medianSlope.toFixed(2)}, order ${kRounded} needs ${2 * ((kRounded as number) - 1)} ± ${fmt(2 * settings.slopeTol)}): a bump of α(t), not a rate`
        : `${windowText(w)} rounds to 1 but F/F_live at t_min is ${fmt(ratio0)} < ρ`
    : `no flat run of slopes within ${settings.slopeTol} spanning ${settings.minDecades} decade above the floor`;
  return {
    ...base,
    k: null,
    kRounded: null,
    window: null,
    class: 'pre-asymptotic',
    path: 'line',
    lambda: null,
    ratio: ratio0,
    reason: `pre-asymptotic: ${why}${gaugeNote}${zeroNote}`,
  };
}
