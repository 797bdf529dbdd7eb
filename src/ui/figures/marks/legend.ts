/**
 * The legend mark: one swatch and label per item, wrapped to rows. Figures list only the marks
 * they draw: each item names the `data-role` (or class) of the mark it explains.
 */
import { INK } from '../../theme.ts';
import { el, esc, type Box } from '../svg.ts';
import { dot } from './dot.ts';
import { rectMark } from './rect.ts';
import { ruleY } from './rule.ts';
import { text } from './text.ts';

export interface LegendItem {
  label: string;
  colour: string;
  /** swatch shape */
  kind?: 'line' | 'dash' | 'dot' | 'band' | 'square';
  /** what the item explains: a class name, or the data-role of the mark (written as data-legend) */
  key?: string;
  /** band swatch outline (default a neutral tan) */
  stroke?: string;
  /** the whole label as a tooltip, where `label` is shortened */
  title?: string;
}

const LEGEND_ROW_H = 15;
/** width estimate of one legend item: 5.9 px per character at 10.5 px (deterministic; no text measuring) */
const legendItemWidth = (it: LegendItem): number => 22 + it.label.length * 5.9 + 14;

/** The width of a legend's items on one row. */
export function legendWidth(items: readonly LegendItem[]): number {
  return items.reduce((s, it) => s + legendItemWidth(it), 0) - 14;
}

function swatch(it: LegendItem, cx: number, cy: number): string {
  const kind = it.kind ?? 'line';
  if (kind === 'dot') return dot(cx + 7, cy - 3.5, 3.5, { fill: it.colour });
  const sq = (x0: number, w: number): Box => ({ x0, y0: cy - 9, x1: x0 + w, y1: cy - 9 + 11 });
  if (kind === 'band') return rectMark(sq(cx, 16), { fill: it.colour, 'fill-opacity': it.stroke ? 0.35 : null, stroke: it.stroke ?? '#d9c27a', 'stroke-width': it.stroke ? 1.2 : 0.5 });
  if (kind === 'square') return rectMark(sq(cx + 2, 11), { fill: it.colour });
  return ruleY(cy - 3.5, { x0: cx, x1: cx + 16 }, { stroke: it.colour, 'stroke-width': kind === 'dash' ? 1.2 : 2.2, 'stroke-dasharray': kind === 'dash' ? '4 3' : null });
}

/** A one-or-more-row legend starting at (x, y), wrapped to `maxWidth`. Returns markup and its height. */
export function legend(items: readonly LegendItem[], x: number, y: number, maxWidth: number, role = 'legend'): { svg: string; height: number } {
  const parts: string[] = [];
  let cx = x, cy = y;
  for (const it of items) {
    const w = legendItemWidth(it);
    if (cx + w > x + maxWidth && cx > x) { cx = x; cy += LEGEND_ROW_H; }
    parts.push(el('g', { 'data-legend': it.key ?? null }, [
      it.title && it.title !== it.label ? el('title', {}, esc(it.title)) : '', swatch(it, cx, cy), text(cx + 21, cy, it.label, { 'font-size': 10.5, fill: INK }),
    ]));
    cx += w;
  }
  return { svg: el('g', { 'data-role': role }, parts), height: cy - y + LEGEND_ROW_H };
}
