/**
 * The dot mark: a circle at a point, or a d3-shape symbol (the triangle that marks an exact zero
 * on a log axis). Every dot knows its box, so label placement can keep clear of it.
 */
import { symbol, symbolTriangle } from 'd3';
import { el, num, type Attrs, type Box } from '../svg.ts';

/** A circle of radius r at (cx, cy); `children` (a <title>) go inside. */
export function dot(cx: number, cy: number, r: number, a: Attrs = {}, children?: string): string {
  return el('circle', { cx, cy, r, ...a }, children);
}

/** The box a dot of radius r (plus its stroke) covers. */
export function dotBox(cx: number, cy: number, r: number): Box {
  return { x0: cx - r, y0: cy - r, x1: cx + r, y1: cy + r };
}

/**
 * A downward triangle of circumradius-like size r centred at (cx, cy), drawn by d3's
 * symbolTriangle (area ∝ r²) and turned point-down: "the value is below the axis".
 */
export function triangleDown(cx: number, cy: number, r: number, a: Attrs = {}): string {
  const d = symbol(symbolTriangle, 2.2 * r * r).digits(2)() ?? '';
  return el('path', { d, transform: `translate(${num(cx)},${num(cy)}) rotate(180)`, ...a });
}
