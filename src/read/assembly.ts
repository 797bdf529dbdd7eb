/**
 * Assembly of per-direction orders into a global learning coefficient (λ, m) (METHOD §6).
 * Three rules, each a pure function, and `assembleGlobal` which groups read directions and
 * says which rule it applied to each group and why.
 */
import type { AssemblyGroup, DirectionClass } from './schema.ts';

export interface LambdaM {
  /** learning coefficient */
  lambda: number;
  /** its multiplicity */
  m: number;
}

function checkOrders(ks: readonly number[], who: string): void {
  for (const k of ks) {
    if (!(Number.isFinite(k) && k > 0)) throw new RangeError(`${who}: order must be a positive number, got ${k}`);
  }
}

/**
 * Separable sum K = Σ_i x_i^{2k_i} + (nRegular regular coordinates):
 * λ = Σ_i 1/(2k_i) + nRegular/2, m = 1. A live direction may be passed as k = 1 or counted
 * in nRegular; the result is the same.
 */
export function separableSum(ks: readonly number[], nRegular = 0): LambdaM {
  checkOrders(ks, 'separableSum');
  if (!(Number.isInteger(nRegular) && nRegular >= 0)) throw new RangeError(`separableSum: bad nRegular ${nRegular}`);
  let lambda = nRegular / 2;
  for (const k of ks) lambda += 1 / (2 * k);
  return { lambda, m: 1 };
}

/**
 * Transversal (normal) crossing K = Π_i x_i^{2k_i}: λ = min_i 1/(2k_i), m = the number of
 * factors attaining the minimum (orders equal within 1e-9). Needs at least one factor.
 */
export function transversalCrossing(ks: readonly number[]): LambdaM {
  if (ks.length === 0) throw new RangeError('transversalCrossing: no factors');
  checkOrders(ks, 'transversalCrossing');
  const kMax = Math.max(...ks);
  const m = ks.filter((k) => Math.abs(k - kMax) <= 1e-9 * kMax).length;
  return { lambda: 1 / (2 * kMax), m };
}

/**
 * Reduced-rank regression y = B·A·x with A: M → H, B: H → N and true rank r (0 ≤ r ≤ H):
 * the closed form of Aoyagi & Watanabe (2005), as METHOD §6 states it.
 * - if N+r ≤ M+H, M+r ≤ N+H and H+r ≤ M+N:
 *   λ = [2(H+r)(M+N) − (M−N)² − (H+r)²]/8 with m = 1 when M+N+H+r is even;
 *   when it is odd, 1 is added to the bracket and m = 2;
 * - else if M+H < N+r: λ = (HM − Hr + Nr)/2;
 * - else if N+H < M+r: λ = (HN − Hr + Mr)/2;
 * - else λ = MN/2 (m = 1 in these three).
 */
export function reducedRankLambda(M: number, N: number, H: number, r: number): LambdaM {
  for (const [name, v] of [['M', M], ['N', N], ['H', H], ['r', r]] as const) {
    if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`reducedRankLambda: ${name} must be a non-negative integer, got ${v}`);
  }
  if (r > Math.min(M, N, H)) throw new RangeError(`reducedRankLambda: rank ${r} exceeds min(M, N, H) = ${Math.min(M, N, H)}`);
  if (N + r <= M + H && M + r <= N + H && H + r <= M + N) {
    const bracket = 2 * (H + r) * (M + N) - (M - N) ** 2 - (H + r) ** 2;
    if ((M + N + H + r) % 2 === 0) return { lambda: bracket / 8, m: 1 };
    return { lambda: (bracket + 1) / 8, m: 2 };
  }
  if (M + H < N + r) return { lambda: (H * M - H * r + N * r) / 2, m: 1 };
  if (N + H < M + r) return { lambda: (H * N - H * r + M * r) / 2, m: 1 };
  return { lambda: (M * N) / 2, m: 1 };
}

/**
 * Width-one linear chain K = (Π_{i=1}^{L} w_i)² near the origin: a transversal crossing of
 * L order-1 factors, λ = 1/2, m = L (METHOD §8).
 */
export function chainProduct(L: number): LambdaM {
  if (!(Number.isInteger(L) && L >= 1)) throw new RangeError(`chainProduct: L must be a positive integer, got ${L}`);
  return transversalCrossing(new Array<number>(L).fill(1));
}

/** One read direction, as the assembly needs it (a subset of DirectionResult). */
export interface AssemblyDirection {
  /** the direction's id (DirectionResult.id) */
  id: string;
  /** the layer (DirectionResult.layer); directions group by this string */
  layer: string;
  /** the unit (neuron / channel) the direction lives on, or null when it is not one unit's
   *  coordinates (bottom-subspace, gauge, or mixed directions) */
  unit: number | null;
  class: DirectionClass;
  /** the rounded order (DirectionResult.kRounded); needed for 'singular' and 'live' */
  kRounded: number | null;
}

/**
 * A linear chain of identity-activation layers y = B·A·x that the caller has found in the
 * graph (no activation between the two linear maps). Its parameters are assembled as one
 * determinantal (reduced-rank) group: λ from `reducedRankLambda(M, N, H, r)`.
 */
export interface LinearChainInput {
  /** the layer names the chain covers (both linear maps); every read direction whose
   *  `layer` is one of these is listed in the chain's group and NOT in a separable group */
  layers: string[];
  /** input dimension of A (A: M → H) */
  M: number;
  /** hidden width between A and B */
  H: number;
  /** output dimension of B (B: H → N) */
  N: number;
  /** the numerical rank of the product B·A at the checkpoint (caller's threshold) */
  r: number;
}

export interface AssemblyInput {
  directions: AssemblyDirection[];
  /** identity-activation chains (reduced rank); omit when there are none */
  chains?: LinearChainInput[];
}

/**
 * Group the read directions by the METHOD §6 rules, simply and explicitly:
 * 1. Each chain in `input.chains` becomes one 'determinantal' group holding every direction
 *    of its layers (any class), with (λ, m) = reducedRankLambda(M, N, H, r).
 * 2. In every other layer, the 'singular' and 'live' directions on distinct units (unit not
 *    null; the first direction met on a unit) are separable coordinates: one 'separable'
 *    group, λ = Σ 1/(2·kRounded), m = 1.
 * 3. A singular or live direction that is not on its own unit (unit null, or a second
 *    direction on an already-used unit) is not shown to be separable from the others: it
 *    gets a 'separable' group of its own (λ = 1/(2·kRounded), m = 1), and `why` says it was
 *    not summed.
 * Gauge, inactive and flat directions contribute 0 and pre-asymptotic ones have no order: they
 * appear in no group outside chains. Groups come out in order of first appearance of their
 * layer in `input.directions`, chains first.
 */
export function assembleGlobal(input: AssemblyInput): AssemblyGroup[] {
  const groups: AssemblyGroup[] = [];
  const chainOf = new Map<string, number>();
  const chains = input.chains ?? [];
  chains.forEach((c, i) => {
    for (const l of c.layers) {
      if (chainOf.has(l)) throw new RangeError(`assembleGlobal: layer ${l} is in two chains`);
      chainOf.set(l, i);
    }
  });
  chains.forEach((c, i) => {
    const { lambda, m } = reducedRankLambda(c.M, c.N, c.H, c.r);
    const ids = input.directions.filter((d) => chainOf.get(d.layer) === i).map((d) => d.id);
    groups.push({
      rule: 'determinantal',
      lambda,
      m,
      why:
        `identity-activation chain ${c.layers.join(' → ')}: reduced rank, Aoyagi–Watanabe with ` +
        `M=${c.M}, H=${c.H}, N=${c.N}, rank r=${c.r} → λ ${fmtNum(lambda)}, m ${m}`,
      directions: ids,
    });
  });

  const layers: string[] = [];
  for (const d of input.directions) if (!chainOf.has(d.layer) && !layers.includes(d.layer)) layers.push(d.layer);
  for (const layer of layers) {
    const ordered = input.directions.filter(
      (d) => d.layer === layer && (d.class === 'singular' || d.class === 'live'),
    );
    const units = new Set<number>();
    const sep: AssemblyDirection[] = [];
    const alone: AssemblyDirection[] = [];
    for (const d of ordered) {
      if (d.kRounded === null || !(d.kRounded >= 1)) {
        throw new RangeError(`assembleGlobal: ${d.class} direction ${d.id} has no order ≥ 1`);
      }
      if (d.unit !== null && !units.has(d.unit)) {
        units.add(d.unit);
        sep.push(d);
      } else alone.push(d);
    }
    if (sep.length > 0) {
      const ks = sep.map((d) => d.kRounded as number);
      const { lambda, m } = separableSum(ks, 0);
      groups.push({
        rule: 'separable',
        lambda,
        m,
        why:
          `${sep.length} direction${sep.length > 1 ? 's' : ''} on distinct units of ${layer} (separable ` +
          `coordinates): Σ 1/(2k) with k = ${ks.join(', ')} → λ ${fmtNum(lambda)}`,
        directions: sep.map((d) => d.id),
      });
    }
    for (const d of alone) {
      const k = d.kRounded as number;
      const { lambda, m } = separableSum([k], 0);
      groups.push({
        rule: 'separable',
        lambda,
        m,
        why:
          `${d.id} in ${layer} is ${d.unit === null ? 'not one unit’s coordinates' : `a second direction on unit ${d.unit}`}: ` +
          `not summed with the others; alone 1/(2k), k = ${k} → λ ${fmtNum(lambda)}`,
        directions: [d.id],
      });
    }
  }
  return groups;
}

function fmtNum(x: number): string {
  return String(Number(x.toPrecision(6)));
}
