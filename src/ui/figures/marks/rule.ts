/**
 * The rule and segment marks: a horizontal or vertical line across a plot's box (a reference
 * level, a column divider), and a straight segment clipped to the box (a reference slope, a fit).
 */
import { el, type Attrs, type Box } from '../svg.ts';

/** A horizontal rule at y from span.x0 to span.x1 (a plot's box: across it). */
export function ruleY(y: number, span: Pick<Box, 'x0' | 'x1'>, a: Attrs = {}): string {
  return el('line', { x1: span.x0, x2: span.x1, y1: y, y2: y, ...a });
}

/** A vertical rule at x from span.y0 to span.y1 (a plot's box: down it). */
export function ruleX(x: number, span: Pick<Box, 'y0' | 'y1'>, a: Attrs = {}): string {
  return el('line', { x1: x, x2: x, y1: span.y0, y2: span.y1, ...a });
}

/** Liang–Barsky: the part of segment (x0,y0)–(x1,y1) inside the box, or null. */
export function clipSegment(x0: number, y0: number, x1: number, y1: number, b: Box): [number, number, number, number] | null {
  let t0 = 0, t1 = 1;
  const dx = x1 - x0, dy = y1 - y0;
  const p = [-dx, dx, -dy, dy];
  const q = [x0 - b.x0, b.x1 - x0, y0 - b.y0, b.y1 - y0];
  for (let i = 0; i < 4; i++) {
    if (p[i] === 0) {
      if (q[i] < 0) return null;
    } else {
      const r = q[i] / p[i];
      if (p[i] < 0) { if (r > t1) return null; if (r > t0) t0 = r; }
      else { if (r < t0) return null; if (r < t1) t1 = r; }
    }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

/** A straight segment, clipped to `clip` when given ('' when nothing of it is inside). */
export function segment(ends: [number, number, number, number], a: Attrs, clip?: Box): string {
  const s = clip ? clipSegment(...ends, clip) : ends;
  return s ? el('line', { x1: s[0], y1: s[1], x2: s[2], y2: s[3], ...a }) : '';
}
