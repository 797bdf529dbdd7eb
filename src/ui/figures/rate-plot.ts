/**
 * Figure 1 — the rate plot: F(t) along the straight line θ̂ + t·v, log–log, one curve per
 * direction (METHOD §2). The focused direction shows its asymptotic window, the fitted slope
 * 2(k̂−1) through the window, and a fan of reference slopes 2(k−1), k = 1…4.
 */
import type { DirectionResult } from '../../read/schema.ts';
import { DEFAULT_SETTINGS } from '../../read/settings.ts';
import { FLOOR_FILL, INK, MUTED } from '../theme.ts';
import { bandsSvg, classBands } from './class-bands.ts';
import {
  decadeDomain, logScale, noiseLevel, positiveExtent, windowPoints,
  type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize, type FigureView,
} from './common.ts';
import {
  bandMode, contextMode, directionLegend, rangeDirections, directionPlotModel, directionsSubtitle, edgeGuideLabels, focusLegend, focusPoints, guideLine, windowBand, type GuideExit,
} from './direction-plot.ts';
import { el, shortNumber, type Box } from './svg.ts';
import { logAxis } from './marks/axis.ts';
import type { PixelPoint } from './marks/line.ts';
import { rectMark } from './marks/rect.ts';
import { clipSegment, ruleY, segment } from './marks/rule.ts';
import { haloText, heading, text } from './marks/text.ts';

/**
 * The rate plot's y-range: from the data's top down to a decade under the lowest direction's
 * noise level (numericalFloor × max(F_live, max F)), not to the smallest F — on a saturated
 * softmax F reaches 1e-130, and the hundred decades below the noise level say nothing.
 * `floor` is that lowest noise level when some F lies under it (it is marked), else null.
 */
export function rateYDomain(ds: readonly DirectionResult[], numericalFloor: number): { domain: [number, number]; floor: number | null } {
  const ext = positiveExtent(ds.flatMap((d) => d.scan.F));
  const noise = positiveExtent(ds.map((d) => noiseLevel(d, numericalFloor)));
  if (ext && noise && ext[0] < noise[0]) {
    const domain = decadeDomain([noise[0] / 10 ** 0.5, ext[1]], [1e-12, 1]);
    return { domain, floor: noise[0] };
  }
  return { domain: decadeDomain(ext, [1e-12, 1]), floor: null };
}

export const RATE_PLOT_AXES = { x: 'step t along the direction', y: 'F(t)  (directional Fisher)' } as const;

/** Slope and anchor of the least-squares-free fit the read reports: slope 2(k̂−1) through the window's centroid. */
export function fittedLine(d: DirectionResult): { slope: number; logT: number; logF: number; window: [number, number] } | null {
  if (d.k === null || !d.window) return null;
  const pts = windowPoints(d);
  if (!pts.length) return null;
  const logT = pts.reduce((s, p) => s + Math.log10(p[0]), 0) / pts.length;
  const logF = pts.reduce((s, p) => s + Math.log10(p[1]), 0) / pts.length;
  return { slope: 2 * (d.k - 1), logT, logF, window: d.window };
}

/** F at t on the scan, interpolated in log–log space (null where it is not positive). */
function fAt(d: DirectionResult, t: number): number | null {
  const { t: ts, F } = d.scan;
  for (let i = 0; i + 1 < ts.length; i++) {
    if (t >= ts[i] && t <= ts[i + 1] && F[i] > 0 && F[i + 1] > 0) {
      const u = (Math.log10(t) - Math.log10(ts[i])) / (Math.log10(ts[i + 1]) - Math.log10(ts[i]) || 1);
      return 10 ** (Math.log10(F[i]) + u * (Math.log10(F[i + 1]) - Math.log10(F[i])));
    }
  }
  const j = ts.indexOf(t);
  return j >= 0 && F[j] > 0 ? F[j] : null;
}

/**
 * The rate plot. `view.yDomain` zooms the y-range (the page's d3-zoom); the curves are then
 * clipped to the plot, and F under the whole range still sits on its bottom edge (off the plot
 * unless the zoom reaches it).
 */
export function ratePlotModel(input: DirectionsInput, size: FigureSize, view: FigureView = {}): FigureModel {
  const { width, height } = size;
  const ds = input.directions;

  // in context mode the ranges are the whole read's: its bands are drawn behind the kept lines
  const ranged = rangeDirections(input);
  const { domain: fullDom, floor } = rateYDomain(ranged, input.numericalFloor ?? DEFAULT_SETTINGS.numericalFloor);
  const yDom = view.yDomain ?? fullDom;
  const zoomed = view.yDomain !== undefined;
  const below = ds.filter((d) => d.scan.F.some((F) => !(F >= fullDom[0]))).length;
  const subtitle = directionsSubtitle(input, (below
    ? ` · F under ${shortNumber(fullDom[0])} (or 0) on the bottom edge (${below} direction${below === 1 ? '' : 's'})` : '')
    + (zoomed ? ` · y zoomed to ${shortNumber(yDom[0])}…${shortNumber(yDom[1])}` : ''));

  // the floor strip is explained in the legend (a label in the plot sat on the curves and bands); in view unless the zoom is above it
  const floorShown = floor !== null && floor > yDom[0];
  const leg = directionLegend(input, width, (d) => d.scan.t.some((t) => t > 0), floorShown
    ? [{ label: `numerical floor ${shortNumber(floor!)}: F under it is rounding noise`, colour: FLOOR_FILL, kind: 'square', key: 'floor' }] : []);

  // a column on the right and a strip above the plot hold the guides' labels (outside every curve)
  const box: Box = { x0: 66, y0: 58 + leg.height, x1: width - 40, y1: height - 46 };
  const xDom = decadeDomain(positiveExtent(ranged.flatMap((d) => d.scan.t)), [1e-4, 1]);
  const x = logScale(xDom, [box.x0, box.x1]);
  const y = logScale(yDom, [box.y1, box.y0]);
  // F under the whole y-range (and exact zeros) sit on its bottom edge, inside the marked floor strip
  const clampF = (F: number): number => (F >= fullDom[0] ? F : fullDom[0]);
  const inBox = (t: number, F: number): PixelPoint => (t > 0 ? [x(t), y(clampF(F))] : null);
  const pointsOf = (d: DirectionResult) => d.scan.t.map((t, i) => inBox(t, d.scan.F[i]));
  const logF = (d: DirectionResult): Array<[number, number] | null> => d.scan.t.map((t, i) => (t > 0 ? [t, Math.log10(clampF(d.scan.F[i]))] : null));
  const bands = bandMode(input) ? bandsSvg(classBands(ds, logF), x, y, (v) => 10 ** v) : undefined;
  const contextBands = contextMode(input) ? el('g', zoomed ? { 'clip-path': 'url(#rate-plot-plot-area)' } : {}, bandsSvg(classBands(input.context!, logF), x, y, (v) => 10 ** v, true)) : '';

  // the floor strip, cut to the plot when the zoom moves it (its line and label only while in view)
  const fy = floor === null ? null : Math.max(box.y0, y(floor));
  const inView = fy !== null && fy < box.y1;
  const floorMarks = !inView ? '' : el('g', { 'data-role': 'floor' }, rectMark({ ...box, y0: fy }, { fill: FLOOR_FILL }));
  // its line goes over the focus's window band (which is drawn over the strip), under the curves
  const floorLine = !inView || fy <= box.y0 ? undefined : el('g', { 'data-role': 'floor-line' }, [
    ruleY(fy, box, { stroke: MUTED, 'stroke-width': 1, 'stroke-dasharray': '2 3' }),
  ]);

  const head = [
    heading(14, 'Rate plot: F(t) along each direction', subtitle, width - 28), leg.svg,
    logAxis('bottom', x, box, RATE_PLOT_AXES.x),
    logAxis('left', y, box, RATE_PLOT_AXES.y),
    floorMarks,
  ].join('');

  /**
   * Behind the curves: the focus's asymptotic window and the reference fan of slopes 2(k−1), from
   * the focus's window start (else 1.5 decades left of the right edge, near the bottom or the floor) rightwards
   * to where each guide leaves the plot. Every label sits outside the plot at that exit, so no curve
   * or band is ever under it (edgeGuideLabels).
   */
  const under = (focus: DirectionResult | null): string => {
    const out: string[] = [];
    if (focus?.window) out.push(windowBand(focus.window, x, box));
    // (without a focus: above the numerical floor when one is marked, guides through rounding noise would say nothing)
    let aT = xDom[1] / 10 ** 1.5, aF = Math.max(yDom[0], floor ?? 0) * 10 ** 0.5;
    if (focus?.window) {
      const F = fAt(focus, focus.window[0]);
      if (F) { aT = focus.window[0]; aF = F; }
    }
    const guides: string[] = [];
    const exits: GuideExit[] = [];
    for (let k = 1; k <= 4; k++) {
      const s = 2 * (k - 1);
      const seg = clipSegment(x(aT), y(aF), x(xDom[1]), y(aF * (xDom[1] / aT) ** s), box);
      if (!seg) continue;
      guides.push(guideLine(seg, undefined, k));
      exits.push({ k, x: seg[2], y: seg[3] });
    }
    guides.push(...edgeGuideLabels(exits, box));
    out.push(el('g', { 'data-role': 'guides' }, guides));
    return out.join('');
  };

  /** Over the curves: the focus's scan points, its fitted slope and the reading. */
  const over = (focus: DirectionResult | null): string => {
    if (!focus) return '';
    const out: string[] = [focusLegend(focus, 'fitted slope', width)];
    // the points inside the plot (a zoomed range leaves some out)
    out.push(focusPoints(focus, focus.scan.t.map((t, i) => inBox(t, focus.scan.F[i])).map((p) => (p && p[1] >= box.y0 - 0.5 && p[1] <= box.y1 + 0.5 ? p : null))));
    const fit = fittedLine(focus);
    if (fit) {
      const ext = 0.25;
      const la = Math.log10(fit.window[0]) - ext, lb = Math.log10(fit.window[1]) + ext;
      const Fa = 10 ** (fit.logF + fit.slope * (la - fit.logT)), Fb = 10 ** (fit.logF + fit.slope * (lb - fit.logT));
      out.push(segment([x(10 ** la), y(Fa), x(10 ** lb), y(Fb)], { stroke: INK, 'stroke-width': 1.4, 'data-role': 'fit' }, box));
      const lx = Math.min(box.x1 - 4, x(fit.window[1]) + 6);
      // a halo: the guides of the fan may pass under it
      out.push(haloText(lx, box.y0 + 14, `slope ${fit.slope.toFixed(2)} → k̂ = ${focus.k!.toFixed(2)}`, {
        'text-anchor': lx > (box.x0 + box.x1) / 2 ? 'end' : 'start', 'font-size': 10.5, 'font-weight': 600, fill: INK, 'data-role': 'fit-label',
      }));
    }
    return out.join('');
  };

  const model = directionPlotModel(input, size, {
    figure: 'rate-plot',
    title: `Rate plot: F(t) along each direction — ${input.checkpoint}`,
    desc: 'Log–log directional Fisher F(t) = F_v(θ̂ + t·v) per candidate direction, coloured by class. '
      + 'A direction dead of order k reads slope 2(k−1) on its asymptotic window (METHOD §2).',
    head, box, pointsOf, bands, under, over, clip: zoomed, behind: contextBands + (floorLine ?? ''),
  });
  // whole decades of the full range stay in view at the deepest zoom
  const decadesShown = Math.log10(fullDom[1] / fullDom[0]);
  return { ...model, zoomY: { scale: logScale(fullDom, [box.y1, box.y0]), box, maxScale: Math.max(1, decadesShown / 1.5) } };
}

export function buildRatePlot(input: DirectionsInput, size: FigureSize, opts: FigureOptions = {}): string {
  return ratePlotModel(input, size).svg(opts);
}
