/**
 * What the two per-direction plots against t share (rate-plot.ts, slope-plot.ts): subtitle,
 * legend, reference guides 2(k−1), the focus's window band and points, and the figure model
 * (one curve per direction, focus layers under and over the curves).
 */
import type { DirectionResult } from '../../read/schema.ts';
import { CLASS_COLOURS, GUIDE, INK, MUTED, WINDOW_FILL } from '../theme.ts';
import {
  classLegendItems, directionTitle, focusLast, LINE_LIMIT,
  type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize,
} from './common.ts';
import { el, esc, svgDocument, type Box } from './svg.ts';
import { dot } from './marks/dot.ts';
import { frame } from './marks/frame.ts';
import { legend, legendWidth, type LegendItem } from './marks/legend.ts';
import { lineMark, type PixelPoint } from './marks/line.ts';
import { rectMark } from './marks/rect.ts';
import { ruleY, segment } from './marks/rule.ts';
import { text } from './marks/text.ts';

/** Bands instead of one curve per direction (see LINE_LIMIT). */
export function bandMode(input: DirectionsInput): boolean {
  return input.directions.length > LINE_LIMIT;
}

/** The directions drawn as lines (a filter's selection) over the bands of the whole read, which has more than LINE_LIMIT. */
export function contextMode(input: DirectionsInput): boolean {
  return !bandMode(input) && (input.context?.length ?? 0) > LINE_LIMIT;
}

/** What sets a plot's ranges: the whole read in context mode (its bands are drawn), else the directions drawn. */
export function rangeDirections(input: DirectionsInput): readonly DirectionResult[] {
  return contextMode(input) ? input.context! : input.directions;
}

/** `checkpoint · n directions` (or `n of N` under a filter, and how they are drawn), then `note` (what was left out, or ''). */
export function directionsSubtitle(input: DirectionsInput, note: string): string {
  const n = input.directions.length;
  const of = input.total !== undefined && input.total !== n ? ` of ${input.total}` : '';
  const drawn = bandMode(input) ? ' as class bands' : contextMode(input) ? ' over the class bands of all' : '';
  return `${input.checkpoint} · ${n}${of} direction${n === 1 && !of ? '' : 's'}${drawn}` + note;
}

/**
 * What the plot draws whatever the focus: the classes drawn (lines or bands), `extra` marks, and the guides 2(k−1).
 * `drawn(d)`: whether direction d has a point on the plot.
 */
export function directionLegend(input: DirectionsInput, width: number, drawn: (d: DirectionResult) => boolean, extra: readonly LegendItem[] = []): { svg: string; height: number } {
  const bands = bandMode(input);
  const context = contextMode(input);
  return legend([
    ...classLegendItems(input.directions.filter(drawn)).map((it): LegendItem => (bands ? { ...it, kind: 'band', stroke: it.colour } : it)),
    ...(bands ? [{ label: 'median, 25–75 %, 10–90 %', colour: '#d0d4d9', kind: 'band' as const, key: 'bands' }] : []),
    ...(context ? [{ label: `all ${input.context!.length} directions by class: median, 25–75 %, 10–90 %`, colour: '#e4e7eb', kind: 'band' as const, key: 'context' }] : []),
    ...extra,
    { label: 'slope 2(k−1)', colour: GUIDE, kind: 'dash', key: 'guides' },
  ], 66, 52, width - 80);
}

/** The marks only a focused direction with a window shows (its window and fit), listed top right while shown. */
export function focusLegend(focus: DirectionResult | null, fitLabel: string, width: number): string {
  if (!focus?.window || focus.k === null) return '';
  const items: LegendItem[] = [
    { label: 'asymptotic window', colour: WINDOW_FILL, kind: 'band', key: 'window' },
    { label: fitLabel, colour: INK, kind: 'line', key: 'fit' },
  ];
  return legend(items, width - 14 - legendWidth(items), 18, width, 'focus-legend').svg;
}

const GUIDE_STROKE = { stroke: GUIDE, 'stroke-width': 1, 'stroke-dasharray': '4 3' };

/** A dashed reference guide (of order k) from (x1, y1) to (x2, y2), clipped to `clip` when given. */
export function guideLine(ends: [number, number, number, number], clip?: Box, k?: number): string {
  return segment(ends, { ...GUIDE_STROKE, 'data-k': k }, clip);
}

/** A dashed horizontal reference guide (of order k) at y across `span`. */
export function guideRule(y: number, span: Pick<Box, 'x0' | 'x1'>, k?: number): string {
  return ruleY(y, span, { ...GUIDE_STROKE, 'data-k': k });
}

export const GUIDE_LABEL_SIZE = 9.5;

/** The `k=…` label of guide k, drawn outside the plot (beside the right edge or above the top), where no curve or band is. */
export function guideLabel(x: number, y: number, k: number, anchor?: 'start' | 'middle' | 'end'): string {
  return text(x, y, `k=${k}`, { 'text-anchor': anchor, 'font-size': GUIDE_LABEL_SIZE, fill: MUTED, 'data-role': 'guide-label', 'data-k': k });
}

/** Where guide k leaves the plot box: on its right edge or its top edge. */
export interface GuideExit { k: number; x: number; y: number }

/**
 * The labels of guides that leave the plot through its right or top edge, outside the box: in the
 * right margin column at the exit's height, or in the strip above the top edge at the exit's x,
 * pushed apart where two exits are closer than a label (the order along the edge is kept).
 */
export function edgeGuideLabels(exits: readonly GuideExit[], box: Box): string[] {
  const h = GUIDE_LABEL_SIZE * 1.15, w = 3 * 0.6 * GUIDE_LABEL_SIZE;
  const right = exits.filter((e) => e.x >= box.x1 - 0.5).sort((a, b) => a.y - b.y || a.k - b.k);
  const top = exits.filter((e) => e.x < box.x1 - 0.5).sort((a, b) => a.x - b.x || a.k - b.k);
  // right column: baselines a third of a line under the exit, at least a line apart, inside [y0, y1 + 4]
  const ys = dodge(right.map((e) => e.y + 3.5), h, box.y0 + 3.5, box.y1 + 4);
  // top strip: centres at the exit, at least a label apart, ending left of the right column
  const xs = dodge(top.map((e) => e.x), w + 3, box.x0 + w / 2, box.x1 - w / 2 + 4);
  const labels = [
    ...right.map((e, i) => ({ k: e.k, svg: guideLabel(box.x1 + 6, ys[i], e.k, 'start') })),
    ...top.map((e, i) => ({ k: e.k, svg: guideLabel(xs[i], box.y0 - 6, e.k, 'middle') })),
  ];
  return labels.sort((a, b) => a.k - b.k).map((l) => l.svg);
}

/** Positions (sorted ascending) moved the least so that neighbours are at least `gap` apart within [lo, hi]. */
function dodge(pos: readonly number[], gap: number, lo: number, hi: number): number[] {
  const out = pos.map((p) => Math.min(hi, Math.max(lo, p)));
  for (let i = 1; i < out.length; i++) out[i] = Math.max(out[i], out[i - 1] + gap);
  // pushed past the end: shift back from the end
  if (out.length && out[out.length - 1] > hi) {
    out[out.length - 1] = hi;
    for (let i = out.length - 2; i >= 0; i--) out[i] = Math.min(out[i], out[i + 1] - gap);
  }
  return out;
}

/** The focus's asymptotic window [a, b], shaded over the plot's height. */
export function windowBand([a, b]: [number, number], x: (t: number) => number, box: Box): string {
  return rectMark({ x0: x(a), y0: box.y0, x1: x(a) + Math.max(1, x(b) - x(a)), y1: box.y1 }, { fill: WINDOW_FILL, 'data-role': 'window' });
}

/** The focus's points (null: not drawn) as open circles of its class colour. */
export function focusPoints(focus: DirectionResult, points: readonly PixelPoint[]): string {
  const colour = CLASS_COLOURS[focus.class];
  const pts = points.filter((p): p is [number, number] => p !== null)
    .map((p) => dot(p[0], p[1], 2.6, { fill: '#fff', stroke: colour, 'stroke-width': 1.4 }));
  return el('g', { 'data-role': 'focus-points' }, pts);
}

/** A direction's line: a visible path plus (interactive) a wide transparent hit path. */
export function directionLine(d: DirectionResult, points: readonly PixelPoint[], state: 'normal' | 'dim' | 'focus', interactive: boolean): string {
  const visible = lineMark(points, {
    stroke: CLASS_COLOURS[d.class],
    'stroke-width': state === 'focus' ? 2.6 : 1.3,
    'stroke-opacity': state === 'dim' ? 0.22 : state === 'focus' ? 1 : 0.75,
    'stroke-linejoin': 'round',
    'stroke-linecap': 'round',
    'data-direction-id': d.id,
    'data-class': d.class,
  }, el('title', {}, esc(directionTitle(d))));
  const hit = interactive && visible
    ? lineMark(points, { stroke: '#000', 'stroke-opacity': 0, 'stroke-width': 9, 'data-direction-id': d.id, 'data-hit': 'true' })
    : '';
  return visible + hit;
}

export interface DirectionPlotParts {
  figure: string;
  title: string;
  desc: string;
  /** heading, legend and axes */
  head: string;
  box: Box;
  /** a direction's curve in pixels (null: a gap) */
  pointsOf(d: DirectionResult): PixelPoint[];
  /** in band mode: the class bands, drawn instead of one curve per direction */
  bands?: string;
  /** the focus layers, behind and in front of the curves */
  under(focus: DirectionResult | null): string;
  over(focus: DirectionResult | null): string;
  /** drawn between the under layer and the curves, whatever the focus */
  behind?: string;
  /** clip the curves to the plot box (a zoomed y-range: curves run past it) */
  clip?: boolean;
}

/** The figure model of a plot with one curve per direction (see FigureModel). */
export function directionPlotModel(input: DirectionsInput, size: FigureSize, p: DirectionPlotParts): FigureModel {
  const ds = input.directions;
  const byId = new Map(ds.map((d) => [d.id, d]));
  const curves = p.bands === undefined ? new Map(ds.map((d) => [d.id, p.pointsOf(d)])) : null;
  const clipId = `${p.figure}-plot-area`;
  const clipped = (a: Record<string, string>) => (p.clip ? { ...a, 'clip-path': `url(#${clipId})` } : a);
  // in band mode the focused direction's curve is part of the focus layer (there are no per-direction curves to raise)
  const over = (focus: DirectionResult | null): string =>
    (curves || !focus ? '' : el('g', clipped({ 'data-role': 'focus-curve' }), directionLine(focus, p.pointsOf(focus), 'focus', false))) + p.over(focus);
  const svg = (opts: FigureOptions = {}): string => {
    const focus = opts.focus ? byId.get(opts.focus) ?? null : null;
    const drawn = curves ? focusLast(ds, focus?.id).map((d) =>
      directionLine(d, curves.get(d.id)!, !focus ? 'normal' : d.id === focus.id ? 'focus' : 'dim', !!opts.interactive)) : [p.bands!];
    return svgDocument({ width: size.width, height: size.height, figure: p.figure, title: p.title, desc: p.desc }, [
      p.clip ? el('defs', {}, el('clipPath', { id: clipId }, rectMark(p.box))) : '',
      p.head,
      el('g', { 'data-layer': 'under' }, p.under(focus)),
      ...(p.behind === undefined ? [] : [p.behind]),
      el('g', clipped({ 'data-role': 'curves' }), drawn),
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
