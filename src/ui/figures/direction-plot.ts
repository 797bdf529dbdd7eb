/**
 * What the two per-direction plots against t share (rate-plot.ts, slope-plot.ts): subtitle,
 * legend, reference guides 2(k−1), the focus's window band and points, and the figure model
 * (one curve per direction, focus layers under and over the curves).
 */
import type { DirectionResult } from '../../read/schema.ts';
import { CLASS_COLOURS, GUIDE, INK, MUTED, WINDOW_FILL } from '../theme.ts';
import {
  classLegendItems, directionPath, focusLast,
  type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize,
} from './common.ts';
import { el, frame, legend, svgDocument, text, type Attrs, type Box } from './svg.ts';

/** `checkpoint · n directions`, then `note` (what was left out, or ''). */
export function directionsSubtitle(input: DirectionsInput, note: string): string {
  const n = input.directions.length;
  return `${input.checkpoint} · ${n} direction${n === 1 ? '' : 's'}` + note;
}

/** The classes present, the asymptotic window, the focus's fit (`fitLabel`) and the guides 2(k−1). */
export function directionLegend(ds: readonly DirectionResult[], fitLabel: string, width: number): { svg: string; height: number } {
  return legend([
    ...classLegendItems(ds),
    { label: 'asymptotic window', colour: WINDOW_FILL, kind: 'band' },
    { label: fitLabel, colour: INK, kind: 'line' },
    { label: 'slope 2(k−1)', colour: GUIDE, kind: 'dash' },
  ], 66, 52, width - 80);
}

/** A dashed reference guide from (x1, y1) to (x2, y2) (attributes in the caller's order). */
export function guideLine(ends: Attrs): string {
  return el('line', { ...ends, stroke: GUIDE, 'stroke-width': 1, 'stroke-dasharray': '4 3' });
}

/** The `k=…` label of guide k. */
export function guideLabel(x: number, y: number, k: number, anchor?: 'start' | 'end'): string {
  return text(x, y, `k=${k}`, { 'text-anchor': anchor, 'font-size': 9.5, fill: MUTED });
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
  /** each direction's curve (path d) by id */
  paths: Map<string, string>;
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
  const svg = (opts: FigureOptions = {}): string => {
    const focus = opts.focus ? byId.get(opts.focus) ?? null : null;
    const curves = focusLast(ds, focus?.id).map((d) =>
      directionPath(d, p.paths.get(d.id)!, !focus ? 'normal' : d.id === focus.id ? 'focus' : 'dim', !!opts.interactive));
    return svgDocument({ width: size.width, height: size.height, figure: p.figure, title: p.title, desc: p.desc }, [
      p.head,
      el('g', { 'data-layer': 'under' }, p.under(focus)),
      ...(p.behind === undefined ? [] : [p.behind]),
      el('g', { 'data-role': 'curves' }, curves),
      el('g', { 'data-layer': 'over' }, p.over(focus)),
      frame(p.box),
    ]);
  };
  return {
    svg,
    layers: (id) => {
      const f = id ? byId.get(id) ?? null : null;
      return { under: p.under(f), over: p.over(f) };
    },
  };
}
