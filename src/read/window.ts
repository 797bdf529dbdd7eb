/**
 * The asymptotic window of a scan (METHOD §2).
 *
 * Rule, exactly as implemented:
 * 1. Slope i (the interval t[i]…t[i+1]) is *usable* when it is finite and both F[i] and
 *    F[i+1] are strictly above `floor` (an absolute value of F: the numerical floor).
 * 2. A *flat run* is a contiguous range of usable slopes i0…i1 in which every slope lies
 *    within `slopeTol` (inclusive) of the run's median (the mean of the two middle values
 *    for an even count). Every contiguous range is tested; a flat run is *maximal* when no
 *    strictly larger contiguous range containing it is also a flat run. (Flatness is not
 *    monotone under inclusion, because the median moves, so maximality is checked against
 *    all flat runs, not only one-step extensions.)
 * 3. A maximal flat run qualifies when it spans at least `minDecades`:
 *    log10(t[i1+1] / t[i0]) ≥ minDecades (with a 1e-9 tolerance for the grid's rounding).
 * 4. The window is the qualifying run with the LARGEST median slope: the rate regime lies
 *    above the floor crossover, where α ≈ 0 (METHOD §2: not the longest run). Ties (medians
 *    equal within 1e-12) go to the longer span, then to the run at larger t.
 * 5. k = 1 + median/2. No qualifying run → null (the direction is pre-asymptotic).
 */

export interface WindowOptions {
  /** a flat run keeps every slope within this of its median (ReadSettings.slopeTol) */
  slopeTol: number;
  /** shortest window, decades of t (ReadSettings.minDecades) */
  minDecades: number;
  /** absolute F value at or below which a point is numerical noise */
  floor: number;
}

export interface AsymptoticWindow {
  /** first slope index of the window (interval t[i0]…t[i0+1]) */
  i0: number;
  /** last slope index, inclusive (interval t[i1]…t[i1+1]) */
  i1: number;
  /** t[i0] */
  t0: number;
  /** t[i1 + 1] */
  t1: number;
  /** median local slope α over the window */
  medianSlope: number;
  /** order k̂ = 1 + medianSlope / 2 */
  k: number;
}

function median(sorted: number[]): number {
  const n = sorted.length;
  const h = n >> 1;
  return n % 2 === 1 ? sorted[h] : 0.5 * (sorted[h - 1] + sorted[h]);
}

/**
 * Adds x to `sorted` (ascending) after every entry not above it: stable, as Array.prototype.sort
 * is, so growing a run one slope at a time gives the order a sort of the run would.
 */
function insertSorted(sorted: number[], x: number): void {
  let j = sorted.length;
  sorted.push(x);
  while (j > 0 && x < sorted[j - 1]) {
    sorted[j] = sorted[j - 1];
    j--;
  }
  sorted[j] = x;
}

/**
 * The asymptotic window of the scan (t, F) with its local slopes (from `localSlopes`), by
 * the rule in this module's header; null when no run qualifies.
 */
export function asymptoticWindow(
  t: readonly number[],
  F: readonly number[],
  slopes: readonly number[],
  options: WindowOptions,
): AsymptoticWindow | null {
  const { slopeTol, minDecades, floor } = options;
  const n = slopes.length;
  if (t.length !== F.length || n !== Math.max(0, t.length - 1)) {
    throw new RangeError(`asymptoticWindow: t (${t.length}), F (${F.length}) and slopes (${n}) do not match`);
  }
  const usable = slopes.map((a, i) => Number.isFinite(a) && F[i] > floor && F[i + 1] > floor);

  // maximal flat runs, segment by segment of consecutive usable slopes
  const runs: { i0: number; i1: number; med: number }[] = [];
  let s = 0;
  while (s < n) {
    if (!usable[s]) {
      s++;
      continue;
    }
    let e = s;
    while (e + 1 < n && usable[e + 1]) e++;
    const L = e - s + 1;
    const flat = new Uint8Array(L * L);
    const med = new Float64Array(L * L);
    // run a..b is flat when every slope is within slopeTol of its median; its slopes sorted,
    // grown one slope at a time (no sort per run: this is every read's innermost classification loop)
    const part: number[] = [];
    for (let a = 0; a < L; a++) {
      part.length = 0;
      for (let b = a; b < L; b++) {
        insertSorted(part, slopes[s + b]);
        const m = median(part);
        flat[a * L + b] = part[0] >= m - slopeTol && part[part.length - 1] <= m + slopeTol ? 1 : 0;
        med[a * L + b] = m;
      }
    }
    // cover[a,b]: some flat run contains a..b (a..b itself included)
    const cover = new Uint8Array(L * L);
    for (let a = 0; a < L; a++) {
      for (let b = L - 1; b >= a; b--) {
        cover[a * L + b] =
          flat[a * L + b] || (a > 0 && cover[(a - 1) * L + b]) || (b < L - 1 && cover[a * L + b + 1]) ? 1 : 0;
      }
    }
    for (let a = 0; a < L; a++) {
      for (let b = a; b < L; b++) {
        if (!flat[a * L + b]) continue;
        const contained = (a > 0 && cover[(a - 1) * L + b]) || (b < L - 1 && cover[a * L + b + 1]);
        if (!contained) runs.push({ i0: s + a, i1: s + b, med: med[a * L + b] });
      }
    }
    s = e + 1;
  }

  let best: { i0: number; i1: number; med: number; span: number } | null = null;
  for (const r of runs) {
    const span = Math.log10(t[r.i1 + 1] / t[r.i0]);
    if (!(span >= minDecades - 1e-9)) continue;
    const cand = { ...r, span };
    if (best === null) {
      best = cand;
      continue;
    }
    const dm = cand.med - best.med;
    if (dm > 1e-12) best = cand;
    else if (Math.abs(dm) <= 1e-12) {
      if (cand.span > best.span + 1e-12) best = cand;
      else if (Math.abs(cand.span - best.span) <= 1e-12 && t[cand.i0] > t[best.i0]) best = cand;
    }
  }
  if (best === null) return null;
  return {
    i0: best.i0,
    i1: best.i1,
    t0: t[best.i0],
    t1: t[best.i1 + 1],
    medianSlope: best.med,
    k: 1 + best.med / 2,
  };
}
