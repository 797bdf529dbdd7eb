/**
 * Sorted index sets (supports of a change: features, rows, columns, channels), shared by both
 * engines' sparse paths and the ops' flow rules: one way to build and read them.
 */

/** The indices i with hit[i] ≠ 0, ascending. */
export function indicesOf(hit: Uint8Array): Int32Array {
  let k = 0;
  for (const h of hit) k += h;
  const out = new Int32Array(k);
  k = 0;
  for (let i = 0; i < hit.length; i++) if (hit[i]) out[k++] = i;
  return out;
}

/** The sorted union of two index sets below n. */
export function union(a: Int32Array, b: Int32Array, n: number): Int32Array {
  const hit = new Uint8Array(n);
  for (const i of a) hit[i] = 1;
  for (const i of b) hit[i] = 1;
  return indicesOf(hit);
}

export function isSubset(a: Int32Array, U: Int32Array): boolean {
  const s = new Set(U);
  for (const i of a) if (!s.has(i)) return false;
  return true;
}

/** The distinct ⌊i / plane⌋ of ascending indices: the channels a support or a column set touches. */
export function channelsCovered(sorted: Int32Array, plane: number): Int32Array {
  const out: number[] = [];
  for (const f of sorted) {
    const c = Math.floor(f / plane);
    if (out[out.length - 1] !== c) out.push(c);
  }
  return Int32Array.from(out);
}

/** The channels of a channel-aligned support (whole planes, in order), or null if it is not one. */
export function alignedChannels(U: Int32Array, plane: number): Int32Array | null {
  if (U.length % plane !== 0) return null;
  const n = U.length / plane;
  const ch = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    const c = U[a * plane] / plane;
    if (!Number.isInteger(c)) return null;
    for (let p = 0; p < plane; p++) if (U[a * plane + p] !== c * plane + p) return null;
    ch[a] = c;
  }
  return ch;
}

/** Every feature of the given channels: channel c of `plane` features is c·plane … c·plane + plane − 1. */
export function expandChannels(ch: Int32Array, plane: number): Int32Array {
  const out = new Int32Array(ch.length * plane);
  ch.forEach((c, a) => {
    for (let p = 0; p < plane; p++) out[a * plane + p] = c * plane + p;
  });
  return out;
}

/** The distinct values of `xs`, ascending, as an Int32Array. */
export function sortedDistinct(xs: number[]): Int32Array {
  const a = Int32Array.from(xs).sort();
  let k = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[i - 1]) a[k++] = a[i];
  return a.subarray(0, k);
}
