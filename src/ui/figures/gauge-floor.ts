/**
 * Figure 4 — the gauge-floor chart (METHOD §3), grouped as the paper's Fig. 8: per gauge family
 * (LayerNorm, RMSNorm, query–key, value–output, softmax shift, residual stream, ReLU rescaling),
 * one column per detector of the family, then the detectors that propose no symmetry; each
 * direction's ratio R = F/F_live on a log axis against the live reference (R = 1) and the floor threshold ρ.
 * For a gauge direction R is the largest along its symmetry path; where the path is a curved
 * orbit the whisker spans R along it. Exact zeros sit on a separate "0" strip below the axis.
 */
import type { DirectionResult } from '../../read/schema.ts';
import { CLASS_COLOURS, FLOOR_FILL, FRAME, GUIDE, INK, MUTED } from '../theme.ts';
import { GAUGE_FAMILIES, gaugeFamily } from '../blocks.ts';
import {
  classLegendItems, decadeDomain, directionTitle, focusLast, logScale, positiveExtent,
  type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize,
} from './common.ts';
import { el, esc, hash01, shortNumber, svgDocument, type Box } from './svg.ts';
import { logAxis } from './marks/axis.ts';
import { dot, dotBox, triangleDown } from './marks/dot.ts';
import { frame } from './marks/frame.ts';
import { legend } from './marks/legend.ts';
import { lineMark } from './marks/line.ts';
import { rectMark } from './marks/rect.ts';
import { ruleX, ruleY } from './marks/rule.ts';
import { heading, placeLabel, text, type LabelSpot } from './marks/text.ts';

/** x: the gauge family and detector that proposed each direction; detectors of no symmetry last */
export const GAUGE_FLOOR_AXES = { x: 'gauge family · detector (then detectors that propose no symmetry)', y: 'R = F / F_live' } as const;

/** A run of columns under one label: a gauge family's detectors, or the detectors of no symmetry. */
export interface DetectorGroup { label: string; gauge: boolean; detectors: string[] }

/** The chart's columns: gauge families in GAUGE_FAMILIES order, each its detectors in read order; then the rest. */
export function detectorGroups(ds: readonly DirectionResult[]): DetectorGroup[] {
  const seen: string[] = [];
  for (const d of ds) if (!seen.includes(d.detector)) seen.push(d.detector);
  const groups: DetectorGroup[] = GAUGE_FAMILIES
    .map((f) => ({ label: f.family, gauge: true, detectors: seen.filter((det) => gaugeFamily(det)?.family === f.family) }))
    .filter((g) => g.detectors.length > 0);
  const rest = seen.filter((det) => !gaugeFamily(det));
  if (rest.length) groups.push({ label: 'no symmetry', gauge: false, detectors: rest });
  return groups;
}

export function detectorsInOrder(ds: readonly DirectionResult[]): string[] {
  return detectorGroups(ds).flatMap((g) => g.detectors);
}

/** R along the orbit (curved symmetry path), when the read supplies one. */
export function orbitRatios(d: DirectionResult): number[] {
  if (!d.orbitScan || !(d.fLive > 0)) return [];
  return d.orbitScan.F.map((F) => F / d.fLive);
}

/** The chart has no focus layers: the page marks the focused mark with `data-focused` (CSS). */
export function gaugeFloorModel(input: DirectionsInput, size: FigureSize): FigureModel {
  return { svg: (opts) => buildGaugeFloor(input, size, opts), layers: () => ({ under: '', over: '' }) };
}

/** Dot radius, and the radius of a focused dot (the page enlarges the focused mark to it by CSS). */
const DOT_R = 3.6, FOCUS_R = 5.5;
const LINE_LABEL_SIZE = 10;

/**
 * Spots for a label on the horizontal line at y, right to left: at each column's right and left
 * end, above the line, then the same below it.
 */
function lineLabelSpots(y: number, columns: ReadonlyArray<[number, number]>): LabelSpot[] {
  const along = [...columns].reverse().flatMap(([c0, c1]): Array<[number, 'start' | 'end']> => [[c1 - 4, 'end'], [c0 + 4, 'start']]);
  return [-4, 11].flatMap((dy) => along.map(([x, anchor]) => ({ x, y: y + dy, anchor })));
}

export function buildGaugeFloor(input: DirectionsInput, size: FigureSize, opts: FigureOptions = {}): string {
  const { width, height } = size;
  const ds = input.directions;
  const rho = input.floorRatio;
  const focus = opts.focus ? ds.find((d) => d.id === opts.focus) ?? null : null;
  const groups = detectorGroups(ds);
  const dets = groups.flatMap((g) => g.detectors);
  const hasOrbits = ds.some((d) => orbitRatios(d).some((r) => r > 0));

  const leg = legend([
    ...classLegendItems(ds),
    { label: `floor: R < ρ = ${shortNumber(rho)}`, colour: FLOOR_FILL, kind: 'square', key: 'floor' },
    { label: 'live reference R = 1', colour: INK, kind: 'line', key: 'live-reference' },
    // listed only where some direction has a curved symmetry path (legends list what is drawn)
    ...(hasOrbits ? [{ label: 'R along the orbit', colour: GUIDE, kind: 'line' as const, key: 'orbit' }] : []),
  ], 66, 52, width - 80);

  const zeroStrip = 22;
  const box: Box = { x0: 66, y0: 52 + leg.height, x1: width - 14, y1: height - 74 - zeroStrip };
  const positives = ds.flatMap((d) => [d.ratio, ...orbitRatios(d)]);
  const ext = positiveExtent([...positives, rho, 1]);
  const yDom = decadeDomain(ext && [ext[0] / 3, ext[1] * 3], [1e-12, 10]);
  const y = logScale(yDom, [box.y1, box.y0]);
  const bandW = (box.x1 - box.x0) / Math.max(1, dets.length);
  const zeroY = box.y1 + zeroStrip / 2 + 4;
  const columns = dets.map((_, i): [number, number] => [box.x0 + i * bandW, box.x0 + (i + 1) * bandW]);

  // the marks first (their boxes are what the reference labels keep clear of), drawn after the references
  const marks: string[] = [];
  const markBoxes: Box[] = [];
  for (const d of focusLast(ds, focus?.id)) {
    const i = dets.indexOf(d.detector);
    const cx = box.x0 + (i + 0.5) * bandW + (hash01(d.id) - 0.5) * Math.min(bandW * 0.6, 80);
    const state = !focus ? 'normal' : d.id === focus.id ? 'focus' : 'dim';
    const colour = CLASS_COLOURS[d.class];
    const opacity = state === 'dim' ? 0.25 : 1;
    const parts: string[] = [el('title', {}, esc(`${directionTitle(d)} — R = ${d.ratio.toExponential(2)}`))];
    const orb = orbitRatios(d).filter((r) => r > 0);
    if (orb.length) {
      const lo = Math.min(...orb), hi = Math.max(...orb);
      parts.push(ruleX(cx, { y0: y(lo), y1: y(hi) }, { stroke: GUIDE, 'stroke-width': state === 'focus' ? 2 : 1.2, 'stroke-opacity': opacity, 'data-role': 'orbit' }));
      markBoxes.push({ x0: cx - 1, y0: y(hi), x1: cx + 1, y1: y(lo) });
    }
    const cy = d.ratio > 0 ? y(d.ratio) : zeroY;
    const r = state === 'focus' ? FOCUS_R : DOT_R;
    // any dot may be the focused one (enlarged by the page's CSS): labels keep clear of the focused size
    markBoxes.push(dotBox(cx, cy, FOCUS_R + 1));
    parts.push(d.ratio > 0
      ? dot(cx, cy, r, { fill: colour, 'fill-opacity': opacity * 0.9, stroke: state === 'focus' ? INK : '#ffffff', 'stroke-width': state === 'focus' ? 1.6 : 0.8 })
      : triangleDown(cx, cy, r, { fill: colour, 'fill-opacity': opacity, stroke: state === 'focus' ? INK : 'none', 'stroke-width': 1.4 }));
    if (opts.interactive) parts.push(dot(cx, cy, 8, { fill: '#000', 'fill-opacity': 0, 'data-hit': 'true' }));
    marks.push(el('g', { 'data-direction-id': d.id, 'data-class': d.class }, parts));
  }

  const body: string[] = [heading(14, 'Gauge floor: F / F_live by gauge family', `${input.checkpoint} · ${ds.length} direction${ds.length === 1 ? '' : 's'}`, width - 28), leg.svg];

  // floor region, ρ and the live reference; their labels where no mark is (else left to the legend)
  body.push(rectMark({ ...box, y0: y(rho) }, { fill: FLOOR_FILL, 'data-role': 'floor' }));
  body.push(logAxis('left', y, box, GAUGE_FLOOR_AXES.y, 6));
  body.push(ruleY(y(rho), box, { stroke: CLASS_COLOURS.gauge, 'stroke-width': 1.3, 'stroke-dasharray': '6 3', 'data-role': 'rho' }));
  body.push(ruleY(y(1), box, { stroke: INK, 'stroke-width': 1.2, 'data-role': 'live-reference' }));
  const inside: Box = { x0: box.x0 + 2, y0: box.y0 + 2, x1: box.x1 - 2, y1: box.y1 - 2 };
  // a label keeps clear of the marks, of the other label and of both reference lines
  const placed: Box[] = [1, rho].map((level) => ({ x0: box.x0, x1: box.x1, y0: y(level) - 1.5, y1: y(level) + 1.5 }));
  for (const [content, level, a] of [
    ['live reference F_live', 1, { fill: INK, 'data-role': 'live-reference-label' }],
    [`ρ = ${shortNumber(rho)}`, rho, { fill: CLASS_COLOURS.gauge, 'font-weight': 600, 'data-role': 'rho-label' }],
  ] as const) {
    const spot = placeLabel(lineLabelSpots(y(level), columns), content, LINE_LABEL_SIZE, [...markBoxes, ...placed], inside);
    if (!spot) continue;
    placed.push(spot.box);
    body.push(text(spot.x, spot.y, content, { 'text-anchor': spot.anchor, 'font-size': LINE_LABEL_SIZE, ...a }));
  }

  // the zero strip
  body.push(rectMark({ x0: box.x0, y0: box.y1 + 4, x1: box.x1, y1: box.y1 + zeroStrip }, { fill: '#f6f7f9', stroke: '#e1e4e8' }));
  body.push(text(box.x0 - 7, zeroY + 3, '0', { 'text-anchor': 'end', fill: MUTED, 'data-role': 'zero-label' }));

  // detector columns; a heavier rule and a bracketed label for each family
  const colSpan = { y0: box.y0, y1: box.y1 + zeroStrip };
  let col = 0;
  for (const g of groups) {
    const gx0 = box.x0 + col * bandW, gx1 = gx0 + g.detectors.length * bandW;
    if (col > 0) body.push(ruleX(gx0, colSpan, { stroke: FRAME, 'stroke-width': 1.2 }));
    g.detectors.forEach((det, j) => {
      const cx = gx0 + (j + 0.5) * bandW;
      if (j > 0) body.push(ruleX(gx0 + j * bandW, colSpan, { stroke: '#e6e8eb' }));
      const n = ds.filter((d) => d.detector === det).length;
      const maxChars = Math.max(4, Math.floor(bandW / 6));
      const label = det.length > maxChars ? `${det.slice(0, maxChars - 1)}…` : det;
      body.push(el('text', { x: cx, y: box.y1 + zeroStrip + 15, 'text-anchor': 'middle', 'font-size': 10.5, 'data-detector': det }, [esc(label), el('title', {}, esc(det))]));
      body.push(text(cx, box.y1 + zeroStrip + 27, `n = ${n}`, { 'text-anchor': 'middle', 'font-size': 9.5, fill: MUTED }));
    });
    const by = box.y1 + zeroStrip + 34;
    body.push(lineMark([[gx0 + 4, by], [gx0 + 4, by + 4], [gx1 - 4, by + 4], [gx1 - 4, by]], { stroke: g.gauge ? CLASS_COLOURS.gauge : MUTED, 'stroke-width': 1 }));
    const maxChars = Math.max(4, Math.floor((gx1 - gx0) / 6.3));
    const fam = g.label.length > maxChars ? `${g.label.slice(0, maxChars - 1)}…` : g.label;
    body.push(el('text', { x: (gx0 + gx1) / 2, y: by + 15, 'text-anchor': 'middle', 'font-size': 10.5, 'font-weight': 600, fill: g.gauge ? INK : MUTED, 'data-family': g.label }, [esc(fam), el('title', {}, esc(g.gauge ? `${g.label} gauge` : 'detectors that propose no symmetry'))]));
    col += g.detectors.length;
  }
  // on a phone the bracket labels under the groups say which is "no symmetry": the axis keeps its first part
  const xLabel = [...GAUGE_FLOOR_AXES.x].length * 0.55 * 11.5 <= box.x1 - box.x0 ? GAUGE_FLOOR_AXES.x : GAUGE_FLOOR_AXES.x.split(' (')[0];
  body.push(text((box.x0 + box.x1) / 2, height - 6, xLabel, { 'text-anchor': 'middle', 'font-size': 11.5, 'data-role': 'axis-label' }));

  body.push(el('g', { 'data-role': 'marks' }, marks));
  body.push(frame(box));

  return svgDocument({
    width, height, figure: 'gauge-floor-chart',
    title: `Gauge floor: F / F_live by gauge family — ${input.checkpoint}`,
    desc: 'Ratio of each direction’s directional Fisher to the live reference of its block, on a log axis, grouped by '
      + 'gauge family and detector (the detectors that propose no symmetry last); below ρ a direction is at the floor (METHOD §3). Zeros are drawn on the strip below the axis.',
  }, body);
}
