// @vitest-environment jsdom
/**
 * Compare: the per-direction differences of two CLI reads (AdamW vs Muon teacher–student),
 * checked against a plain recount; the overlaid plots draw one line per checkpoint that has the
 * id; duplicate files are found by SHA-256 (against Node's crypto).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../src/state/actions.ts';
import { directionDiffs } from '../../src/ui/components/Compare.tsx';
import { comparePlotModel } from '../../src/ui/figures/compare-plot.ts';
import { loadRead, parseSvg } from './helpers.ts';

const a = loadRead('ts_relu2_adamw_s1');
const b = loadRead('ts_relu2_muon_s1');

describe('compare', () => {
  it('a direction differs when its class or (for live/singular) its rounded order differs, or one checkpoint lacks it', () => {
    const diffs = directionDiffs([a.directions, b.directions]);
    const ids = new Set([...a.directions, ...b.directions].map((d) => d.id));
    expect(diffs.map((d) => d.id).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const x = a.directions.find((d) => d.id === id), y = b.directions.find((d) => d.id === id);
      const order = (d: typeof x) => (d && (d.class === 'live' || d.class === 'singular') ? d.kRounded : null);
      const expected = !x || !y || x.class !== y.class || order(x) !== order(y);
      expect(diffs.find((d) => d.id === id)!.differs, id).toBe(expected);
    }
  });

  it('Δk̂ per direction: k̂ in the later checkpoint minus k̂ in the earlier, where both read an order', () => {
    const diffs = directionDiffs([a.directions, b.directions]);
    let checked = 0;
    for (const x of a.directions) {
      const y = b.directions.find((d) => d.id === x.id);
      const ordered = (d: typeof x | undefined) => !!d && (d.class === 'live' || d.class === 'singular') && d.k !== null;
      const delta = diffs.find((d) => d.id === x.id)!.deltaK;
      if (ordered(x) && ordered(y)) { expect(delta, x.id).toBeCloseTo(y!.k! - x.k!, 12); checked++; } else expect(delta, x.id).toBeNull();
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('overlaid rate and slope plots: one line per checkpoint that has the id', () => {
    const id = a.directions.find((d) => b.directions.some((e) => e.id === d.id))!.id;
    const input = { id, series: [{ name: 'a.safetensors', direction: a.directions.find((d) => d.id === id)! }, { name: 'b.safetensors', direction: b.directions.find((d) => d.id === id)! }, { name: 'c.safetensors', direction: null }] };
    for (const kind of ['rate', 'slope'] as const) {
      const doc = parseSvg(comparePlotModel(input, { width: 640, height: 320 }, kind).svg());
      expect(Array.from(doc.querySelectorAll('[data-role="curves"] path')).map((p) => p.getAttribute('data-checkpoint-name'))).toEqual(['a.safetensors', 'b.safetensors']);
      expect(doc.documentElement.textContent).toContain('2 of 3 checkpoints have this direction');
    }
  });

  it('content hash is the file’s SHA-256', async () => {
    const bytes = new TextEncoder().encode('deadscope compare');
    expect(await contentHash(new Blob([bytes]))).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
