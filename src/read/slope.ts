/**
 * Local slopes of a log–log scan (METHOD §2): α between consecutive grid points,
 * α_i = (log F[i+1] − log F[i]) / (log t[i+1] − log t[i]), for i = 0 … n−2.
 * α_i is NaN where F[i] or F[i+1] is ≤ 0 or non-finite, or where t[i], t[i+1] are not
 * positive, finite and distinct. The result has length max(0, n − 1).
 */
export function localSlopes(t: readonly number[], F: readonly number[]): number[] {
  if (t.length !== F.length) {
    throw new RangeError(`localSlopes: t has ${t.length} points, F has ${F.length}`);
  }
  const out: number[] = [];
  for (let i = 0; i + 1 < t.length; i++) {
    const f0 = F[i];
    const f1 = F[i + 1];
    const t0 = t[i];
    const t1 = t[i + 1];
    const ok =
      Number.isFinite(f0) && Number.isFinite(f1) && f0 > 0 && f1 > 0 &&
      Number.isFinite(t0) && Number.isFinite(t1) && t0 > 0 && t1 > 0 && t0 !== t1;
    out.push(ok ? (Math.log(f1) - Math.log(f0)) / (Math.log(t1) - Math.log(t0)) : NaN);
  }
  return out;
}
