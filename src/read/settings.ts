/**
 * Every constant METHOD.md leaves open, with the default it names. The CLI flags, the
 * explorer's settings panel and the JSON `settings` block all come from this one table.
 */
export interface ReadSettings {
  /** scan grid: t from tMin to tMax, logarithmic, perDecade points a decade (METHOD §2) */
  tMin: number;
  tMax: number;
  perDecade: number;
  /** a flat run: every local slope within slopeTol of the run's median (METHOD §2) */
  slopeTol: number;
  /** a window must span at least this many decades (METHOD §2) */
  minDecades: number;
  /** ρ: ratio to the live reference under which a direction is at the floor (METHOD §3) */
  floorRatio: number;
  /** F at or below numericalFloor × max(F_live, max F) is numerical noise: excluded from windows */
  numericalFloor: number;
  /** live reference: the largest F among this many seeded random unit directions of the block (METHOD §3) */
  liveProbes: number;
  /** number of synthetic probe inputs (used when no inputs are given) */
  probe: number;
  /** given probe inputs: use at most this many, 0 = all of them (METHOD §1 reads the data as given) */
  inputCap: number;
  /** seed of every random choice (synthetic inputs, random fallbacks, live probes) */
  seed: number;
  /** K-FAC bottom-subspace candidates per linear layer (METHOD §4) */
  bottomK: number;
  /** dead-subspace rank r: eigenvalues of A below alignmentRel × largest (METHOD §5) */
  alignmentRel: number;
  /** reduced-rank chains: singular values of B·A below rankRel × the largest count as zero (METHOD §6) */
  rankRel: number;
}

export const DEFAULT_SETTINGS: ReadSettings = {
  tMin: 1e-4,
  tMax: 1,
  perDecade: 4,
  slopeTol: 0.2,
  minDecades: 0.75,
  floorRatio: 1e-3,
  numericalFloor: 1e-12,
  liveProbes: 8,
  probe: 256,
  inputCap: 0,
  seed: 0,
  bottomK: 8,
  alignmentRel: 1e-4,
  rankRel: 1e-2,
};

/** One line of documentation per setting, shown in the CLI help and the explorer. */
export const SETTING_DOCS: Record<keyof ReadSettings, string> = {
  tMin: 'smallest scan step t (METHOD §2)',
  tMax: 'largest scan step t (METHOD §2)',
  perDecade: 'scan points per decade of t (METHOD §2)',
  slopeTol: 'a flat run keeps every local slope within this of its median (METHOD §2)',
  minDecades: 'shortest asymptotic window, in decades of t (METHOD §2)',
  floorRatio: 'ρ: F/F_live below this is at the floor (gauge, flat) (METHOD §3)',
  numericalFloor: 'F below this × max(F_live, max F) is rounding noise, excluded from windows',
  liveProbes: 'seeded random directions per block; the largest F is the live reference F_live (METHOD §3)',
  probe: 'number of synthetic probe inputs (when no inputs are given)',
  inputCap: 'given probe inputs: use at most this many (0 = all of them)',
  seed: 'seed of all random choices',
  bottomK: 'K-FAC bottom-subspace candidates per linear layer (METHOD §4)',
  alignmentRel: 'dead-subspace rank: eigenvalues of A below this × the largest (METHOD §5)',
  rankRel: 'reduced-rank chain y = B·A·x: singular values of B·A below this × the largest count as zero (METHOD §6)',
};

/** The log grid t_i = tMin·10^(i/perDecade) up to tMax (inclusive, within rounding). */
export function scanGrid(s: Pick<ReadSettings, 'tMin' | 'tMax' | 'perDecade'>): number[] {
  const decades = Math.log10(s.tMax / s.tMin);
  const n = Math.round(decades * s.perDecade);
  const t: number[] = [];
  for (let i = 0; i <= n; i++) t.push(s.tMin * 10 ** (i / s.perDecade));
  return t;
}
