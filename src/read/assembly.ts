/**
 * Assembly of per-direction orders into a global learning coefficient (λ, m) (METHOD §6).
 * Three rules, each a pure function, and `assembleGlobal` which groups read directions and
 * says which rule it applied to each group and why.
 */
import type { AssemblyGroup, DirectionClass, GlobalCoefficient } from './schema.ts';

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
  /** the detector (DirectionResult.detector): a chain's per-layer bottom-subspace directions are
   *  orthonormal within the layer, so they are what a chain's read assembles over */
  detector?: string;
}

/**
 * A linear chain of identity-activation layers y = B·A·x that the caller has found in the
 * graph (no activation between the two linear maps). Its parameters are assembled as one
 * determinantal (reduced-rank) group: λ from `reducedRankLambda(M, N, H, r)`.
 */
export interface LinearChainInput {
  /** the layer names the chain covers (every linear map of the run); every read direction whose
   *  `layer` is one of these is listed in the chain's group and NOT in a separable group */
  layers: string[];
  /** widths along the chain, input first: [M, H₁, …, N] (length = layers + 1); absent = [M, H, N] */
  widths?: number[];
  /** input dimension of A (A: M → H) */
  M: number;
  /** hidden width between A and B */
  H: number;
  /** output dimension of B (B: H → N) */
  N: number;
  /** the numerical rank of the product B·A at the checkpoint (caller's threshold) */
  r: number;
}

/**
 * λ of a chain's group from its reads: the chain's bottom-subspace directions are orthonormal
 * within each layer (products of K-FAC eigenvectors), so they are separable coordinates:
 * live ½ each, singular 1/(2k), gauge/flat/inactive 0. Pre-asymptotic ones and parameters no
 * direction covered are not enumerated (counted, and said).
 */
function assembledFromReads(ds: AssemblyDirection[], params: number): { lambda: number; enumerated: number; unread: number } {
  const basis = ds.filter((d) => d.detector === 'bottom-subspace');
  let lambda = 0;
  let enumerated = 0;
  for (const d of basis) {
    if (d.class === 'pre-asymptotic') continue;
    enumerated++;
    if ((d.class === 'singular' || d.class === 'live') && d.kRounded !== null) lambda += 1 / (2 * d.kRounded);
  }
  return { lambda, enumerated, unread: params - enumerated };
}

/**
 * A width-one run of L ≥ 3 linear maps, K = ‖a‖²·Π w_i²·‖b‖² (METHOD §8): its factors are disjoint
 * coordinate blocks whose zero loci cross transversally at the origin. At rank 0 (the product
 * vanishes) each factor i of d_i coordinates contributes λ_i = d_i/2 and the crossing gives
 * λ = min λ_i, m = ties; at rank 1 the point is regular modulo the L − 1 rescalings:
 * λ = (Σ d_i − (L − 1))/2, m = 1.
 */
export function widthOneChain(widths: readonly number[], r: number): LambdaM & { rule: 'transversal' | 'separable' } {
  const dims = widths.slice(0, -1).map((w, i) => w * widths[i + 1]);
  if (r === 0) {
    const lambdas = dims.map((d) => d / 2);
    const min = Math.min(...lambdas);
    return { lambda: min, m: lambdas.filter((l) => l === min).length, rule: 'transversal' };
  }
  const L = dims.length;
  return { lambda: (dims.reduce((a, b) => a + b, 0) - (L - 1)) / 2, m: 1, rule: 'separable' };
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
    const widths = c.widths ?? [c.M, c.H, c.N];
    const L = widths.length - 1;
    const mine = input.directions.filter((d) => chainOf.get(d.layer) === i);
    const ids = mine.map((d) => d.id);
    const params = widths.slice(0, -1).reduce((acc, w, j) => acc + w * widths[j + 1], 0);
    const read = assembledFromReads(mine, params);
    const readNote = `; from the reads: ${read.enumerated} of ${params} parameter directions enumerated (bottom-subspace, live ½ each, singular 1/(2k)) → λ ${fmtNum(read.lambda)}` +
      (read.unread > 0 ? `, ${read.unread} not enumerated (raise --bottom-k to cover the chain)` : '');
    if (L === 2) {
      const { lambda, m } = reducedRankLambda(c.M, c.N, c.H, c.r);
      groups.push({
        rule: 'determinantal', lambda, m,
        closedForm: lambda, assembled: read.lambda, difference: read.lambda - lambda, enumerated: read.enumerated, params,
        why:
          `identity-activation chain ${c.layers.join(' → ')}: reduced rank, Aoyagi–Watanabe with ` +
          `M=${c.M}, H=${c.H}, N=${c.N}, rank r=${c.r} → λ ${fmtNum(lambda)}, m ${m}${readNote}; difference ${fmtNum(read.lambda - lambda)}`,
        directions: ids,
      });
    } else if (widths.slice(1, -1).every((w) => w === 1) && c.r <= 1) {
      const w1 = widthOneChain(widths, c.r);
      groups.push({
        rule: w1.rule, lambda: w1.lambda, m: w1.m,
        closedForm: w1.lambda, assembled: read.lambda, difference: read.lambda - w1.lambda, enumerated: read.enumerated, params,
        why: c.r === 0
          ? `width-one chain ${c.layers.join(' → ')} (widths ${widths.join('·')}) at rank 0: the ${L} factors' zero loci cross transversally; ` +
            `factor λ_i = (coordinates)/2 = ${widths.slice(0, -1).map((w, j) => fmtNum((w * widths[j + 1]) / 2)).join(', ')} → λ = min ${fmtNum(w1.lambda)}, m = ${w1.m} ties${readNote}`
          : `width-one chain ${c.layers.join(' → ')} (widths ${widths.join('·')}) at rank 1: regular modulo ${L - 1} rescalings → λ ${fmtNum(w1.lambda)}, m 1${readNote}`,
        directions: ids,
      });
    } else {
      groups.push({
        rule: 'determinantal', lambda: read.lambda, m: 1,
        closedForm: null, assembled: read.lambda, difference: null, enumerated: read.enumerated, params,
        why: `linear chain of ${L} maps ${c.layers.join(' → ')} (widths ${widths.join('·')}, rank r=${c.r}): no closed form in METHOD §6; λ as read${readNote}`,
        directions: ids,
      });
    }
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
        alone: true,
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

/**
 * The whole model's (λ, m) from the groups (METHOD §6). Distinct blocks (layers, chains) touch
 * disjoint parameters and are summed as separable blocks: λ = Σ λ_g and, since the zeta function
 * of a sum of independent blocks is the product of theirs, the pole orders add: m = Σ m_g − (G − 1).
 * Groups marked `alone` (a direction that is not one unit's coordinates, or a second direction
 * on a unit) overlap the units' directions and are not summed: they are listed as not enumerable,
 * with the pre-asymptotic directions (no order). Gauge, inactive and flat directions add 0.
 */
export function globalCoefficient(groups: readonly AssemblyGroup[], directions: readonly AssemblyDirection[]): GlobalCoefficient {
  const used = groups.map((g, i) => (g.alone ? -1 : i)).filter((i) => i >= 0);
  const lambda = used.reduce((a, i) => a + groups[i].lambda, 0);
  const m = used.length ? used.reduce((a, i) => a + groups[i].m, 0) - (used.length - 1) : 1;
  const notEnumerable: { id: string; why: string }[] = [];
  const inChain = new Set(groups.filter((g) => g.params !== undefined).flatMap((g) => g.directions));
  for (const g of groups) if (g.alone) notEnumerable.push({ id: g.directions[0], why: `${g.why.slice(0, g.why.indexOf(': not summed'))}: overlaps the units’ directions, not summed` });
  for (const d of directions) {
    if (d.class === 'pre-asymptotic' && !inChain.has(d.id)) notEnumerable.push({ id: d.id, why: 'pre-asymptotic: no order read' });
  }
  const chainNote = groups.filter((g) => g.params !== undefined && g.enumerated !== undefined && g.enumerated < g.params!).length;
  // the whole model's λ with every closed-form block replaced by the value assembled from its reads
  const closed = used.filter((i) => typeof groups[i].closedForm === 'number' && typeof groups[i].assembled === 'number');
  const assembled = used.reduce((a, i) => a + (closed.includes(i) ? groups[i].assembled! : groups[i].lambda), 0);
  return {
    lambda, m, groups: used, notEnumerable,
    why: `${used.length} block${used.length === 1 ? '' : 's'} summed as separable blocks: λ = Σ λ_g = ${fmtNum(lambda)}, m = Σ m_g − (G − 1) = ${m}` +
      (notEnumerable.length ? `; ${notEnumerable.length} direction${notEnumerable.length === 1 ? '' : 's'} not enumerable` : '') +
      (chainNote ? `; ${chainNote} chain${chainNote === 1 ? ' has' : 's have'} parameter directions the reads did not enumerate (λ takes a chain’s closed form wherever METHOD has one, read fully or not, else the value from its reads)` : '') +
      (closed.length ? `; with the ${closed.length === 1 ? 'chain' : `${closed.length} chains`} assembled from ${closed.length === 1 ? 'its' : 'their'} reads instead of ${closed.length === 1 ? 'its' : 'their'} closed form: λ ${fmtNum(assembled)} (difference ${fmtNum(assembled - lambda)})` : ''),
    ...(closed.length ? { assembled, difference: assembled - lambda } : {}),
  };
}
