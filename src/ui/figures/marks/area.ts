/**
 * The area mark: the region between two curves y0(x) and y1(x) over rows, drawn by d3-shape's
 * area(), coordinates rounded as the line mark's.
 */
import { area } from 'd3';
import { el, num, type Attrs } from '../svg.ts';

const round = (v: number): number => Number(num(v));

/** Path data of the region between y0 and y1 over `rows` (pixel accessors). */
export function areaPath<T>(rows: readonly T[], x: (r: T) => number, y0: (r: T) => number, y1: (r: T) => number): string {
  return area<T>().x((r) => round(x(r))).y0((r) => round(y0(r))).y1((r) => round(y1(r)))(rows as T[]) ?? '';
}

/** A filled <path> between y0 and y1 (no outline unless `a` gives one). */
export function areaMark<T>(rows: readonly T[], x: (r: T) => number, y0: (r: T) => number, y1: (r: T) => number, a: Attrs): string {
  return el('path', { d: areaPath(rows, x, y0, y1), stroke: 'none', ...a });
}
