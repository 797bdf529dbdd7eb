/**
 * Writes the read JSON of every model fixture in fixtures/ into test/reads/<fixture>.read.json,
 * with the CPU engine and the settings below. test/reads/reads.test.ts reads each fixture again
 * with the current code and fails where the result differs from the stored copy, so a change of
 * the science shows as a diff of these files in the commit that makes it.
 *
 *   npx tsx scripts/regen-reads.ts            # every fixture
 *   npx tsx scripts/regen-reads.ts rrr_M3H3N5r1_s1   # only the named ones
 *
 * The real MNIST checkpoints are read with a reduced probe and detector set (see READ_CASES) so the
 * whole check runs in well under a minute on two cores.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { READ_CASES, readCase, storedReadPath, stableRead } from '../test/reads/cases.ts';

const only = process.argv.slice(2);
mkdirSync(new URL('../test/reads/', import.meta.url), { recursive: true });
for (const c of READ_CASES) {
  if (only.length && !only.includes(c.name)) continue;
  const t0 = Date.now();
  const read = stableRead(await readCase(c));
  writeFileSync(storedReadPath(c.name), `${JSON.stringify(read, null, 1)}\n`);
  process.stderr.write(`${c.name}: ${(read.directions as unknown[]).length} directions, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
