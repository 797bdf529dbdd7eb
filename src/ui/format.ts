/** Number formatting for tables and tooltips. */

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** 4 significant digits; scientific outside [1e-3, 1e4). */
export function fmtNum(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e4) return String(Number(v.toPrecision(digits + 1)));
  return v.toExponential(digits - 1).replace('e-', 'e−').replace('e+', 'e');
}

export function fmtFixed(v: number | null | undefined, d = 2): string {
  return v === null || v === undefined ? '—' : v.toFixed(d);
}

export function fmtWindow(w: [number, number] | null): string {
  return w ? `${fmtNum(w[0], 2)} … ${fmtNum(w[1], 2)}` : '—';
}

export function fmtEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return 'estimating…';
  if (s < 1) return '< 1 s left';
  if (s < 60) return `${Math.round(s)} s left`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s left`;
}

export function fmtShape(shape: number[]): string {
  return shape.length ? `[${shape.join(' × ')}]` : 'scalar';
}
