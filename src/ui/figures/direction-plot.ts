/**
 * What the two per-direction plots against t share (rate-plot.ts, slope-plot.ts): subtitle,
 * legend, reference guides 2(k−1), the focus's window band and points, and the figure model
 * (one curve per direction, focus layers under and over the curves).
 */
import type { DirectionResult } from '../../read/schema.ts';
import { CLASS_COLOURS, GUIDE, INK, MUTED, WINDOW_FILL } from '../theme.ts';
import {
  classLegendItems, directionPath, focusLast, LINE_LIMIT,
  type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize,
} from './common.ts';
import { el, frame, legend, legendWidth, svgDocument, text, type Attrs, type Box, type LegendItem } from './svg.ts';

/** Bands instead of one curve per direction (see LINE_LIMIT). */
export function bandMode(input: DirectionsInput): boolean {
  return input.directions.length > LINE_LIMIT;
}

/** `checkpoint · n directions` (or `n of N` under a filter, and how they are drawn), then `note` (what was left out, or ''). */
export function directionsSubtitle(input: DirectionsInput, note: string): string {
  const n = input.directions.length;
  const of = input.total !== undefined && input.total !== n ? ` of ${input.total}` : '';
  const drawn = bandMode(input) ? ' as class bands' : '';
  return `${input.checkpoint} · ${n}${of} direction${n === 1 && !of ? '' : 's'}${drawn}` + note;
}

/** What the plot draws whatever the focus: the classes present (lines or bands) and the guides 2(k−1). */
export function directionLegend(input: DirectionsInput, width: number): { svg: string; height: number } {
  const bands = bandMode(input);
  return legend([
    ...classLegendItems(input.directions).map((it): LegendItem => (bands ? { ...it, kind: 'band', stroke: it.colour } : it)),
    ...(bands ? [{ label: 'median, 25–75 %, 10–90 %', colour: '#d0d4d9', kind: 'band' as const }] : []),
    { label: 'slope 2(k−1)', colour: GUIDE, kind: 'dash' },
  ], 66, 52, width - 80);
}

/** The marks only a focused direction with a window shows (its window and fit), listed top right while shown. */
export function focusLegend(focus: DirectionResult | null, fitLabel: string, width: number): string {
  if (!focus?.window || focus.k === null) return '';
  const items: LegendItem[] = [
    { label: 'asymptotic window', colour: WINDOW_FILL, kind: 'band' },
    { label: fitLabel, colour: INK, kind: 'line' },
  ];
  return legend(items, width - 14 - legendWidth(items), 18, width).svg.replace('data-role="legend"', 'data-role="focus-legend"');
}

/** A dashed reference guide from (x1, y1) to (x2, y2) (attributes in the caller's order). */
export function guideLine(ends: Attrs): string {
  return el('line', { ...ends, stroke: GUIDE, 'stroke-width': 1, 'stroke-dasharray': '4 3' });
}

/** The `k=…` label of guide k. */
export function guideLabel(x: number, y: number, k: number, anchor?: 'start' | 'end'): string {
  // a white halo keeps the label legible where curves pass under it
  return text(x, y, `k=${k}`, { 'text-anchor': anchor, 'font-size': 9.5, fill: MUTED, stroke: '#ffffff', 'stroke-width': 3, 'stroke-linejoin': 'round', 'paint-order': 'stroke' });
}

/** The focus's asymptotic window [a, b], shaded over the plot's height. */
export function windowBand([a, b]: [number, number], x: (t: number) => number, box: Box): string {
  return el('rect', { x: x(a), y: box.y0, width: Math.max(1, x(b) - x(a)), height: box.y1 - box.y0, fill: WINDOW_FILL, 'data-role': 'window' });
}

/** The focus's points (null: not drawn) as open circles of its class colour. */
export function focusPoints(focus: DirectionResult, points: Array<[number, number] | null>): string {
  const colour = CLASS_COLOURS[focus.class];
  const pts = points.filter((p): p is [number, number] => p !== null)
    .map((p) => el('circle', { cx: p[0], cy: p[1], r: 2.6, fill: '#fff', stroke: colour, 'stroke-width': 1.4 }));
  return el('g', { 'data-role': 'focus-points' }, pts);
}

export interface DirectionPlotParts {
  figure: string;
  title: string;
  desc: string;
  /** heading, legend and axes */
  head: string;
  box: Box;
  /** a direction's curve (path d) */
  pathOf(d: DirectionResult): string;
  /** in band mode: the class bands, drawn instead of one curve per direction */
  bands?: string;
  /** the focus layers, behind and in front of the curves */
  under(focus: DirectionResult | null): string;
  over(focus: DirectionResult | null): string;
  /** drawn between the under layer and the curves, whatever the focus */
  behind?: string;
}

/** The figure model of a plot with one curve per direction (see FigureModel). */
export function directionPlotModel(input: DirectionsInput, size: FigureSize, p: DirectionPlotParts): FigureModel {
  const ds = input.directions;
  const byId = new Map(ds.map((d) => [d.id, d]));
  const paths = p.bands === undefined ? new Map(ds.map((d) => [d.id, p.pathOf(d)])) : null;
  // in band mode the focused direction's curve is part of the focus layer (there are no per-direction curves to raise)
  const over = (focus: DirectionResult | null): string => (paths || !focus ? '' : directionPath(focus, p.pathOf(focus), 'focus', false)) + p.over(focus);
  const svg = (opts: FigureOptions = {}): string => {
    const focus = opts.focus ? byId.get(opts.focus) ?? null : null;
    const curves = paths ? focusLast(ds, focus?.id).map((d) =>
      directionPath(d, paths.get(d.id)!, !focus ? 'normal' : d.id === focus.id ? 'focus' : 'dim', !!opts.interactive)) : [p.bands!];
    return svgDocument({ width: size.width, height: size.height, figure: p.figure, title: p.title, desc: p.desc }, [
      p.head,
      el('g', { 'data-layer': 'under' }, p.under(focus)),
      ...(p.behind === undefined ? [] : [p.behind]),
      el('g', { 'data-role': 'curves' }, curves),
      el('g', { 'data-layer': 'over' }, over(focus)),
      frame(p.box),
    ]);
  };
  return {
    svg,
    layers: (id) => {
      const f = id ? byId.get(id) ?? null : null;
      return { under: p.under(f), over: over(f) };
    },
  };
}
