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
import { differences, READ_CASES, readCase, stableRead, storedReadPath } from './cases.ts';

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
