/**
 * The line mark: a polyline through pixel points, drawn by d3-shape's line(). Coordinates are
 * rounded to 0.01 px (svg.ts `num`) so that files and snapshots are stable across platforms.
 */
import { line } from 'd3';
import { el, num, type Attrs } from '../svg.ts';

/** A point in pixels; `null` breaks the line (a gap). */
export type PixelPoint = [number, number] | null;

const round = (v: number): number => Number(num(v));
const linePathOf = line<PixelPoint>().defined((p) => p !== null).x((p) => round(p![0])).y((p) => round(p![1]));

/** The path data through `points` ('' when no point is drawn). */
export function linePath(points: readonly PixelPoint[]): string {
  return linePathOf(points as PixelPoint[]) ?? '';
}

/** An unfilled <path> through `points`; `children` (a <title>) go inside. Nothing when no point is drawn. */
export function lineMark(points: readonly PixelPoint[], a: Attrs, children?: string): string {
  const d = linePath(points);
  return d ? el('path', { d, fill: 'none', ...a }, children) : '';
}
