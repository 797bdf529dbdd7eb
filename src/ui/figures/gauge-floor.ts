/**
 * Figure 4 — the gauge-floor chart (METHOD §3), grouped as the paper's Fig. 8: per gauge family
 * (LayerNorm, RMSNorm, query–key, value–output, softmax shift, residual stream, ReLU rescaling),
 * one column per detector of the family, then the detectors that propose no symmetry; each
 * direction's ratio R = F/F_live on a log axis against the live reference (R = 1) and the floor threshold ρ.
 * For a gauge direction R is the largest along its symmetry path; where the path is a curved
 * orbit the whisker spans R along it. Exact zeros sit on a separate "0" strip below the axis.
 */
import type { DirectionResult } from '../../read/schema.ts';
import { CLASS_COLOURS, FLOOR_FILL, GUIDE, INK, MUTED } from '../theme.ts';
import { GAUGE_FAMILIES, gaugeFamily } from '../blocks.ts';
import {
  classLegendItems, decadeDomain, directionTitle, focusLast, logScale, positiveExtent,
  type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize,
} from './common.ts';
import { el, esc, frame, hash01, heading, legend, shortNumber, svgDocument, text, type Box } from './svg.ts';
import { logAxis } from './axis.ts';

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

export function buildGaugeFloor(input: DirectionsInput, size: FigureSize, opts: FigureOptions = {}): string {
  const { width, height } = size;
  const ds = input.directions;
  const rho = input.floorRatio;
  const focus = opts.focus ? ds.find((d) => d.id === opts.focus) ?? null : null;
  const groups = detectorGroups(ds);
  const dets = groups.flatMap((g) => g.detectors);

  const leg = legend([
    ...classLegendItems(ds),
    { label: `floor: R < ρ = ${shortNumber(rho)}`, colour: FLOOR_FILL, kind: 'square' },
    { label: 'live reference R = 1', colour: INK, kind: 'line' },
    // listed only where some direction has a curved symmetry path (legends list what is drawn)
    ...(ds.some((d) => orbitRatios(d).some((r) => r > 0)) ? [{ label: 'R along the orbit', colour: GUIDE, kind: 'line' as const }] : []),
  ], 66, 52, width - 80);

  const zeroStrip = 22;
  const box: Box = { x0: 66, y0: 52 + leg.height, x1: width - 14, y1: height - 74 - zeroStrip };
  const positives = ds.flatMap((d) => [d.ratio, ...orbitRatios(d)]);
  const ext = positiveExtent([...positives, rho, 1]);
  const yDom = decadeDomain(ext && [ext[0] / 3, ext[1] * 3], [1e-12, 10]);
  const y = logScale(yDom, [box.y1, box.y0]);
  const bandW = (box.x1 - box.x0) / Math.max(1, dets.length);
  const zeroY = box.y1 + zeroStrip / 2 + 4;

  const body: string[] = [heading(14, 'Gauge floor: F / F_live by gauge family', `${input.checkpoint} · ${ds.length} direction${ds.length === 1 ? '' : 's'}`), leg.svg];

  // floor region, ρ and the live reference
  body.push(el('rect', { x: box.x0, y: y(rho), width: box.x1 - box.x0, height: box.y1 - y(rho), fill: FLOOR_FILL, 'data-role': 'floor' }));
  body.push(logAxis('left', y, box, GAUGE_FLOOR_AXES.y, 6));
  body.push(el('line', { x1: box.x0, x2: box.x1, y1: y(rho), y2: y(rho), stroke: CLASS_COLOURS.gauge, 'stroke-width': 1.3, 'stroke-dasharray': '6 3', 'data-role': 'rho' }));
  body.push(text(box.x1 - 4, y(rho) - 4, `ρ = ${shortNumber(rho)}`, { 'text-anchor': 'end', 'font-size': 10, fill: CLASS_COLOURS.gauge, 'font-weight': 600 }));
  body.push(el('line', { x1: box.x0, x2: box.x1, y1: y(1), y2: y(1), stroke: INK, 'stroke-width': 1.2, 'data-role': 'live-reference' }));
  body.push(text(box.x1 - 4, y(1) - 4, 'live reference F_live', { 'text-anchor': 'end', 'font-size': 10, fill: INK }));

  // the zero strip
  body.push(el('rect', { x: box.x0, y: box.y1 + 4, width: box.x1 - box.x0, height: zeroStrip - 4, fill: '#f6f7f9', stroke: '#e1e4e8' }));
  body.push(text(box.x0 - 7, zeroY + 3, '0', { 'text-anchor': 'end', fill: MUTED, 'data-role': 'zero-label' }));

  // detector columns; a heavier rule and a bracketed label for each family
  let col = 0;
  for (const g of groups) {
    const gx0 = box.x0 + col * bandW, gx1 = gx0 + g.detectors.length * bandW;
    if (col > 0) body.push(el('line', { x1: gx0, x2: gx0, y1: box.y0, y2: box.y1 + zeroStrip, stroke: '#c9ced4', 'stroke-width': 1.2 }));
    g.detectors.forEach((det, j) => {
      const cx = gx0 + (j + 0.5) * bandW;
      if (j > 0) body.push(el('line', { x1: gx0 + j * bandW, x2: gx0 + j * bandW, y1: box.y0, y2: box.y1 + zeroStrip, stroke: '#e6e8eb' }));
      const n = ds.filter((d) => d.detector === det).length;
      const maxChars = Math.max(4, Math.floor(bandW / 6));
      const label = det.length > maxChars ? `${det.slice(0, maxChars - 1)}…` : det;
      body.push(el('text', { x: cx, y: box.y1 + zeroStrip + 15, 'text-anchor': 'middle', 'font-size': 10.5, 'data-detector': det }, [esc(label), el('title', {}, esc(det))]));
      body.push(text(cx, box.y1 + zeroStrip + 27, `n = ${n}`, { 'text-anchor': 'middle', 'font-size': 9.5, fill: MUTED }));
    });
    const by = box.y1 + zeroStrip + 34;
    body.push(el('path', { d: `M${(gx0 + 4).toFixed(2)},${by}v4H${(gx1 - 4).toFixed(2)}v-4`, fill: 'none', stroke: g.gauge ? CLASS_COLOURS.gauge : MUTED, 'stroke-width': 1 }));
    const maxChars = Math.max(4, Math.floor((gx1 - gx0) / 6.3));
    const fam = g.label.length > maxChars ? `${g.label.slice(0, maxChars - 1)}…` : g.label;
    body.push(el('text', { x: (gx0 + gx1) / 2, y: by + 15, 'text-anchor': 'middle', 'font-size': 10.5, 'font-weight': 600, fill: g.gauge ? INK : MUTED, 'data-family': g.label }, [esc(fam), el('title', {}, esc(g.gauge ? `${g.label} gauge` : 'detectors that propose no symmetry'))]));
    col += g.detectors.length;
  }
  body.push(text((box.x0 + box.x1) / 2, height - 6, GAUGE_FLOOR_AXES.x, { 'text-anchor': 'middle', 'font-size': 11.5, 'data-role': 'axis-label' }));

  const marks: string[] = [];
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
      parts.push(el('line', { x1: cx, x2: cx, y1: y(lo), y2: y(hi), stroke: GUIDE, 'stroke-width': state === 'focus' ? 2 : 1.2, 'stroke-opacity': opacity }));
    }
    const cy = d.ratio > 0 ? y(d.ratio) : zeroY;
    const r = state === 'focus' ? 5.5 : 3.6;
    parts.push(d.ratio > 0
      ? el('circle', { cx, cy, r, fill: colour, 'fill-opacity': opacity * 0.9, stroke: state === 'focus' ? INK : '#ffffff', 'stroke-width': state === 'focus' ? 1.6 : 0.8 })
      : el('path', { d: `M${(cx - r).toFixed(2)},${(cy - r * 0.8).toFixed(2)}L${(cx + r).toFixed(2)},${(cy - r * 0.8).toFixed(2)}L${cx.toFixed(2)},${(cy + r * 0.9).toFixed(2)}Z`, fill: colour, 'fill-opacity': opacity, stroke: state === 'focus' ? INK : 'none', 'stroke-width': 1.4 }));
    if (opts.interactive) parts.push(el('circle', { cx, cy, r: 8, fill: '#000', 'fill-opacity': 0, 'data-hit': 'true' }));
    marks.push(el('g', { 'data-direction-id': d.id, 'data-class': d.class }, parts));
  }
  body.push(el('g', { 'data-role': 'marks' }, marks));
  body.push(frame(box));

  return svgDocument({
    width, height, figure: 'gauge-floor-chart',
    title: `Gauge floor: F / F_live by gauge family — ${input.checkpoint}`,
    desc: 'Ratio of each direction’s directional Fisher to the live reference of its block, on a log axis, grouped by '
      + 'gauge family and detector (the detectors that propose no symmetry last); below ρ a direction is at the floor (METHOD §3). Zeros are drawn on the strip below the axis.',
  }, body);
}
