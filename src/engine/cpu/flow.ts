/**
 * The CPU engine's sparse flows: a perturbed value = cached value + `diff` on `support`, with the
 * tangent on the same support (support null = every feature). Ops plug in a rule that maps their
 * inputs' flows to their output's flow (src/ops/<kind>/flow.ts); the helpers here are shared.
 */
import { deltaOf, tangentOf, type FisherQuery, type ParamArray, type ParamSet } from '../types.ts';
import { indicesOf } from '../index-sets.ts';

export { deltaOf, tangentOf };

export interface Flow {
  support: Int32Array | null;
  diff: Float64Array; // N × |support|
  tan: Float64Array; // N × |support|
}

/** What an op's flow rule sees: the batch, shapes, cached values, parameters and the query. */
export interface FlowArgs {
  n: number;
  inShapes: number[][];
  outShape: number[];
  /** cached (unperturbed) inputs and output, N × size each */
  xBase: Float64Array[];
  yBase: Float64Array;
  params: ParamSet;
  query: FisherQuery;
  /** whether the query moves one of the op's tensors */
  touched: boolean;
  /** the output features the read's output can see (positions.ts; absent: every feature) */
  keep?: Int32Array;
}

/** Rows and columns of a [rows, cols] patch that hold a non-zero entry. */
export interface MatrixSupport { rows: Int32Array; cols: Int32Array }

/** A flow with nothing changed. */
export const emptyFlow = (): Flow => ({ support: new Int32Array(0), diff: new Float64Array(0), tan: new Float64Array(0) });
export const isEmptyFlow = (f: Flow): boolean => f.support !== null && f.support.length === 0;

/** Σ_k a[ao + cols[k]]·b[bo + cols[k]]; a plain contiguous loop when cols covers all n. */
export function sparseDot(a: Float64Array, ao: number, b: Float64Array, bo: number, cols: Int32Array, n: number): number {
  let acc = 0;
  if (cols.length === n) {
    for (let c = 0; c < n; c++) acc += a[ao + c] * b[bo + c];
  } else {
    for (let k = 0; k < cols.length; k++) acc += a[ao + cols[k]] * b[bo + cols[k]];
  }
  return acc;
}

export function materialize([a, s]: [Float64Array | null, number]): Float64Array | null {
  return a && s !== 1 ? a.map((x) => x * s) : a;
}

export const deltaTensor = (q: FisherQuery, name: string) => materialize(deltaOf(q, name));
export const tangentTensor = (q: FisherQuery, name: string) => materialize(tangentOf(q, name));

/** Supports are cached per array: a line scan reuses its tangent's at every grid point. */
const supportCache = new WeakMap<ParamArray, MatrixSupport>();

/**
 * Drop units (features, or whole channels of `plane` features) whose change and tangent are
 * exactly zero on every sample — a unit that does not fire stays silent — so everything
 * downstream of a silent unit is skipped. Supports stay channel-aligned.
 */
export function pruneSupport(flow: Flow, n: number, F: number, plane: number): Flow {
  const m = flow.support === null ? F : flow.support.length;
  if (m === 0) return flow;
  const keep = new Uint8Array(m);
  let kept = 0;
  for (let g = 0; g < m; g += plane) {
    let live = false;
    for (let s = 0; s < n && !live; s++) {
      for (let a = g; a < g + plane; a++) {
        if (flow.diff[s * m + a] !== 0 || flow.tan[s * m + a] !== 0) {
          live = true;
          break;
        }
      }
    }
    if (live) {
      keep.fill(1, g, g + plane);
      kept += plane;
    }
  }
  if (kept === m) return flow;
  // keep dense flows dense unless most features fell silent
  if (flow.support === null && kept > m / 2) return flow;
  const support = new Int32Array(kept);
  const diff = new Float64Array(n * kept);
  const tan = new Float64Array(n * kept);
  let b = 0;
  for (let a = 0; a < m; a++) {
    if (!keep[a]) continue;
    support[b] = flow.support === null ? a : flow.support[a];
    for (let s = 0; s < n; s++) {
      diff[s * kept + b] = flow.diff[s * m + a];
      tan[s * kept + b] = flow.tan[s * m + a];
    }
    b++;
  }
  return { support, diff, tan };
}

export function matrixSupport(m: ParamArray, rows: number, cols: number): MatrixSupport {
  const hit = supportCache.get(m);
  if (hit) return hit;
  const s = computeMatrixSupport(m, rows, cols);
  supportCache.set(m, s);
  return s;
}

export function computeMatrixSupport(m: ParamArray, rows: number, cols: number): MatrixSupport {
  const rowHit = new Uint8Array(rows);
  const colHit = new Uint8Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) if (m[o + c] !== 0) { rowHit[r] = 1; colHit[c] = 1; }
  }
  return { rows: indicesOf(rowHit), cols: indicesOf(colHit) };
}

export function nonzero(a: Float64Array | null): Int32Array | undefined {
  if (!a) return undefined;
  const hit = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) hit[i] = a[i] !== 0 ? 1 : 0;
  return indicesOf(hit);
}

/** Sorted union; returns null (all) when it covers every index. */
export function unionSorted(sets: (Int32Array | undefined)[], n: number): Int32Array | null {
  const hit = new Uint8Array(n);
  for (const s of sets) if (s) for (const i of s) hit[i] = 1;
  const idx = indicesOf(hit);
  return idx.length === n ? null : idx;
}

export function rangeArr(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** pos[c] = position of feature c in the support, −1 if absent; null for a dense support. */
export function positions(S: Int32Array | null, F: number): Int32Array | null {
  if (S === null) return null;
  const pos = new Int32Array(F).fill(-1);
  S.forEach((c, a) => (pos[c] = a));
  return pos;
}

export function scatterAdd(target: Float64Array, S: Int32Array | null, vals: Float64Array, n: number, F: number): void {
  if (S === null) {
    for (let k = 0; k < target.length; k++) target[k] += vals[k];
    return;
  }
  const m = S.length;
  for (let s = 0; s < n; s++) for (let a = 0; a < m; a++) target[s * F + S[a]] += vals[s * m + a];
}

export function addArrays(a: ParamArray, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

export function addTo(a: Float64Array, b: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

/** The flow's diff or tangent, already a compact [N][channels][plane] array over `inCh`. */
export function compactChannels(flow: Flow, inCh: Int32Array, plane: number, which: 'diff' | 'tan'): Float64Array {
  const src = flow[which];
  if (flow.support === null) return src; // inCh is every channel, already in order
  const perSample = flow.support.length;
  if (perSample === inCh.length * plane) return src; // channel-aligned support, same order
  throw new Error('internal: conv input support is not channel-aligned');
}

/** x' = x_base (+ the flow's change when given) on channels `cs`, compact. */
export function gatherChannels(
  xb: Float64Array, flow: Flow | null, cs: Int32Array, c: number, plane: number, n: number,
): Float64Array {
  const out = new Float64Array(n * cs.length * plane);
  const S = flow?.support;
  const pos = flow ? positions(S ?? null, c * plane) : null;
  const m = flow ? (S === null || S === undefined ? c * plane : S.length) : 0;
  for (let s = 0; s < n; s++) for (let a = 0; a < cs.length; a++) {
    for (let p = 0; p < plane; p++) {
      const f = cs[a] * plane + p;
      let v = xb[s * c * plane + f];
      if (flow) {
        const at = pos ? pos[f] : f;
        if (at >= 0) v += flow.diff[s * m + at];
      }
      out[(s * cs.length + a) * plane + p] = v;
    }
  }
  return out;
}
