/**
 * The per-class quantile-band mark: at each scan point, the 10–90 % and 25–75 % ranges and the
 * median of a value over the directions of one class. Used by the rate and slope plots when a
 * curve per direction would be an unreadable block (more than LINE_LIMIT directions).
 */
import { quantileSorted } from 'd3';
import type { DirectionClass, DirectionResult } from '../../read/schema.ts';
import { CLASSES, CLASS_COLOURS, CLASS_LABELS } from '../theme.ts';
import type { Scale } from './common.ts';
import { el, esc } from './svg.ts';
import { areaMark } from './marks/area.ts';
import { lineMark } from './marks/line.ts';

/** The quantile levels drawn: outer band, inner band, median. */
export const BAND_LEVELS = [0.1, 0.25, 0.5, 0.75, 0.9] as const;

export interface BandRow {
  /** the scan abscissa (t, or the geometric midpoint of two t for slopes) */
  x: number;
  /** how many directions of the class have a value here */
  n: number;
  /** the values at BAND_LEVELS, in the caller's units */
  q: [number, number, number, number, number];
}

export interface ClassBand { cls: DirectionClass; directions: number; rows: BandRow[] }

/**
 * Per class (in legend order), at each abscissa, the quantiles of `valueAt` over the class's
 * directions. `valueAt(d)` lists the direction's [x, value] points (null where it has none).
 */
export function classBands(ds: readonly DirectionResult[], valueAt: (d: DirectionResult) => Array<[number, number] | null>): ClassBand[] {
  const out: ClassBand[] = [];
  for (const cls of CLASSES) {
    const members = ds.filter((d) => d.class === cls);
    if (!members.length) continue;
    const byX = new Map<number, number[]>();
    for (const d of members) {
      for (const p of valueAt(d)) {
        if (!p || !Number.isFinite(p[1])) continue;
        let list = byX.get(p[0]);
        if (!list) byX.set(p[0], (list = []));
        list.push(p[1]);
      }
    }
    const rows: BandRow[] = [...byX.entries()].sort((a, b) => a[0] - b[0]).map(([x, vs]) => {
      vs.sort((a, b) => a - b);
      return { x, n: vs.length, q: BAND_LEVELS.map((l) => quantileSorted(vs, l)!) as BandRow['q'] };
    });
    out.push({ cls, directions: members.length, rows });
  }
  return out;
}

/** The bands drawn on scales x, y; `toY` maps a stored value to the y scale's domain (e.g. 10^v). */
export function bandsSvg(bands: readonly ClassBand[], x: Scale, y: Scale, toY: (v: number) => number = (v) => v, context = false): string {
  // as the context of a filter's lines: fainter, so the lines stand out
  const fade = context ? 0.5 : 1;
  // a class with no value at any t has nothing to draw (and no legend entry: the plots list drawn classes)
  const groups = bands.filter((b) => b.rows.length > 0).map((b) => {
    const colour = CLASS_COLOURS[b.cls];
    const band = (lo: number, hi: number, a: Record<string, string | number>) =>
      areaMark(b.rows, (r) => x(r.x), (r) => y(toY(r.q[lo])), (r) => y(toY(r.q[hi])), { fill: colour, ...a });
    return el('g', { 'data-class': b.cls, 'data-band': b.directions }, [
      el('title', {}, esc(`${CLASS_LABELS[b.cls]}: ${b.directions} direction${b.directions === 1 ? '' : 's'} — median, 25–75 % and 10–90 % at each t`)),
      band(0, 4, { 'fill-opacity': 0.14 * fade, 'data-role': 'band-outer' }),
      band(1, 3, { 'fill-opacity': 0.28 * fade, 'data-role': 'band-inner' }),
      lineMark(b.rows.map((r) => [x(r.x), y(toY(r.q[2]))]), { stroke: colour, 'stroke-width': 1.8, 'stroke-opacity': context ? 0.45 : undefined, 'data-role': 'band-median' }),
    ]);
  });
  return el('g', { 'data-role': 'bands', 'data-context': context ? 'true' : undefined }, groups);
}
