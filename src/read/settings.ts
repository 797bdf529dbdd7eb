import { z } from 'zod';

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
  /** K-FAC bottom-subspace candidates per linear or conv layer, and dual-factor candidates per unit layer (METHOD §4) */
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
  bottomK: 'K-FAC bottom-subspace candidates per linear or conv layer, and dual-factor candidates per unit layer (METHOD §4)',
  alignmentRel: 'dead-subspace rank: eigenvalues of A below this × the largest (METHOD §5)',
  rankRel: 'reduced-rank chain y = B·A·x: singular values of B·A below this × the largest count as zero (METHOD §6)',
};

/** The log grid t_i = tMin·10^(i/perDecade) up to tMax (inclusive, within rounding). */
export function scanGrid(s: Pick<ReadSettings, 'tMin' | 'tMax' | 'perDecade'>): number[] {
  const n = gridPoints(s) - 1;
  const t: number[] = [];
  for (let i = 0; i <= n; i++) t.push(s.tMin * 10 ** (i / s.perDecade));
  return t;
}

/** The scan grid's largest number of points (README's settings table; METHOD notes). */
export const MAX_GRID_POINTS = 400;
/** t range: below 1e-15 θ̂ + t·v equals θ̂ in f64 for |θ| ≈ 1; above 1e6 a unit step leaves any trained basin. */
export const T_RANGE = { min: 1e-15, max: 1e6 } as const;
/** Upper bounds on the counts; the probe's memory is also checked against the model (pipeline: workingSetBytes). */
export const MAX_PROBE = 100_000;
export const MAX_LIVE_PROBES = 1024;
export const MAX_BOTTOM_K = 100_000;
export const MAX_SEED = 0xffffffff;

const finite = (what: string) => z.number({ error: `must be a number` }).refine(Number.isFinite, `must be finite`).describe(what);
// the range before wholeness: zod's int() also refuses integers past 2^53, which then read "must be a whole number"
const count = (min: number, max: number) => z.number({ error: 'must be a number' }).min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`).int(`must be a whole number`);
const fraction = () => finite('fraction').gt(0, 'must be > 0').lt(1, 'must be < 1');

/**
 * The range of every setting, shared by the CLI (exit 2, one line) and the explorer (a message
 * beside the field; no read starts). Messages are written to follow the setting's name.
 */
const SETTINGS_SCHEMA = z.object({
  tMin: finite('t').min(T_RANGE.min, `must be ≥ ${T_RANGE.min}`).max(T_RANGE.max, `must be ≤ ${T_RANGE.max}`),
  tMax: finite('t').min(T_RANGE.min, `must be ≥ ${T_RANGE.min}`).max(T_RANGE.max, `must be ≤ ${T_RANGE.max}`),
  perDecade: count(1, MAX_GRID_POINTS),
  slopeTol: finite('slope').gt(0, 'must be > 0').max(100, 'must be ≤ 100'),
  minDecades: finite('decades').gt(0, 'must be > 0'),
  floorRatio: fraction(),
  numericalFloor: finite('fraction').min(0, 'must be ≥ 0').lt(1, 'must be < 1'),
  liveProbes: count(1, MAX_LIVE_PROBES),
  probe: count(1, MAX_PROBE),
  inputCap: count(0, Number.MAX_SAFE_INTEGER),
  seed: count(0, MAX_SEED),
  bottomK: count(1, MAX_BOTTOM_K),
  alignmentRel: fraction(),
  rankRel: fraction(),
}).superRefine((s, ctx) => {
  // cross-field rules only once each field is in its own range
  const inRange = (t: number) => Number.isFinite(t) && t >= T_RANGE.min && t <= T_RANGE.max;
  if (!inRange(s.tMin) || !inRange(s.tMax)) return;
  if (!(s.tMax > s.tMin)) {
    ctx.addIssue({ code: 'custom', path: ['tMax'], message: `must be > tMin (${s.tMin})` });
    return;
  }
  const points = gridPoints(s);
  if (Number.isInteger(s.perDecade) && s.perDecade <= MAX_GRID_POINTS && points > MAX_GRID_POINTS) {
    ctx.addIssue({ code: 'custom', path: ['perDecade'], message: `gives ${points} grid points from ${s.tMin} to ${s.tMax}; at most ${MAX_GRID_POINTS}` });
  }
  const span = Math.log10(s.tMax / s.tMin);
  if (s.minDecades > span + 1e-9) {
    ctx.addIssue({ code: 'custom', path: ['minDecades'], message: `must not exceed the grid's span (${+span.toFixed(3)} decades)` });
  }
});

/**
 * Largest `maxEigenDim` (read option, CLI `--max-eigen-dim`): one 16384 × 16384 f64 matrix is 2 GiB
 * and its dense decomposition hours in plain JS; the limit's default is src/read/memory.ts EIGEN_DIM_LIMIT.
 */
export const MAX_EIGEN_DIM = 16_384;
const EIGEN_DIM_SCHEMA = count(1, MAX_EIGEN_DIM);

/** The range check of maxEigenDim, shared by the CLI, the explorer's field and every read: null when in range. */
export function maxEigenDimProblem(v: number): string | null {
  const r = EIGEN_DIM_SCHEMA.safeParse(v);
  return r.success ? null : r.error.issues[0].message;
}

/**
 * Which positions of a token transformer the head's Fisher reads (read option, CLI `--positions`):
 * the last (next-token prediction after the context) or all of them, summed (the joint next-token
 * likelihood under teacher forcing, METHOD notes). Image and non-transformer models read one output.
 */
export const POSITIONS = ['last', 'all'] as const;
export type Positions = (typeof POSITIONS)[number];
const POSITIONS_SCHEMA = z.enum(POSITIONS, { error: `must be ${POSITIONS.join(' or ')}` });

/** The range check of positions, shared by the CLI, the JSON settings and every read: null when valid. */
export function positionsProblem(v: unknown): string | null {
  const r = POSITIONS_SCHEMA.safeParse(v);
  return r.success ? null : r.error.issues[0].message;
}

export interface SettingProblem { key: keyof ReadSettings; message: string }

/** Every setting out of range, one problem per setting (first rule broken), in table order. */
export function settingProblems(s: ReadSettings): SettingProblem[] {
  const r = SETTINGS_SCHEMA.safeParse(s);
  if (r.success) return [];
  const seen = new Map<keyof ReadSettings, string>();
  for (const issue of r.error.issues) {
    const key = issue.path[0] as keyof ReadSettings;
    if (!seen.has(key)) seen.set(key, issue.message);
  }
  return (Object.keys(DEFAULT_SETTINGS) as Array<keyof ReadSettings>).filter((k) => seen.has(k)).map((k) => ({ key: k, message: seen.get(k)! }));
}

/** Number of grid points of scanGrid (without building it). */
export function gridPoints(s: Pick<ReadSettings, 'tMin' | 'tMax' | 'perDecade'>): number {
  return Math.round(Math.log10(s.tMax / s.tMin) * s.perDecade) + 1;
}
