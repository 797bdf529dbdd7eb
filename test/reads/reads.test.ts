/**
 * Every model fixture read with the current code equals its stored read (test/reads/*.read.json,
 * written by `npx tsx scripts/regen-reads.ts`). This is a guard against unintended change, not a
 * check of the science: the science is checked by the closed-form and reference tests elsewhere.
 * A commit that changes the science on purpose regenerates the stored reads, so the diff shows.
 *
 * Compared: everything but wall-clock timing. Class, kRounded, ids, counts and every string
 * exactly; other numbers within 1e-9 relative to the scale of the array they sit in (a scan's F
 * spans decades, and a summation reordered in a refactor moves its smallest entries by rounding).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { READ_CASES, readCase, stableRead, storedReadPath } from './cases.ts';

const REL = 1e-9;
const EXACT_KEYS = new Set(['kRounded', 'unit', 'width', 'inactiveUnits', 'r', 'd', 'm', 'queries', 'predictedK', 'params', 'bytes', 'tensors', 'probe', 'seed', 'perDecade', 'liveProbes', 'bottomK']);

/** Paths at which `got` differs from `want` (at most a few, for the message). */
function differences(want: unknown, got: unknown, path: string, scale: number, exact: boolean, out: string[]): void {
  if (out.length >= 8) return;
  if (typeof want === 'number' && typeof got === 'number') {
    const ok = exact ? want === got : Math.abs(want - got) <= REL * Math.max(scale, Math.abs(want), Math.abs(got));
    if (!ok) out.push(`${path}: stored ${want}, now ${got}`);
    return;
  }
  if (Array.isArray(want) && Array.isArray(got)) {
    if (want.length !== got.length) {
      out.push(`${path}: stored length ${want.length}, now ${got.length}`);
      return;
    }
    const arrayScale = Math.max(0, ...want.map((x) => (typeof x === 'number' ? Math.abs(x) : 0)));
    want.forEach((w, i) => differences(w, got[i], `${path}[${i}]`, arrayScale, exact, out));
    return;
  }
  if (want && got && typeof want === 'object' && typeof got === 'object') {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    for (const k of keys) {
      differences((want as Record<string, unknown>)[k], (got as Record<string, unknown>)[k], `${path}.${k}`, 0, EXACT_KEYS.has(k), out);
    }
    return;
  }
  if (want !== got) out.push(`${path}: stored ${JSON.stringify(want)}, now ${JSON.stringify(got)}`);
}

describe('stored reads (regenerate with `npx tsx scripts/regen-reads.ts` when the science changes on purpose)', () => {
  for (const c of READ_CASES) {
    it(`${c.name} reads as stored`, async () => {
      const stored = JSON.parse(readFileSync(storedReadPath(c.name), 'utf8')) as unknown;
      // through JSON, as stored: -0 → 0, non-finite → null
      const now = JSON.parse(JSON.stringify(stableRead(await readCase(c)))) as unknown;
      const diff: string[] = [];
      differences(stored, now, c.name, 0, false, diff);
      expect(diff).toEqual([]);
    }, 120_000);
  }
});
