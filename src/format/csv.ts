/**
 * One CSV cell, shared by every CSV this project writes (the explorer's export, the CLI's series.csv).
 * Text that a spreadsheet would run as a formula (OWASP "CSV injection": a first character of
 * = + - @, tab or CR) gets a leading ' so it stays text; numbers are written as numbers (a negative
 * k̂ is data, not a formula); a cell holding a quote, comma or line break is quoted (RFC 4180).
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'number') s = Number.isFinite(v) ? String(v) : '';
  else {
    s = String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  }
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
