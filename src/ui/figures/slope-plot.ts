/**
 * Figure 2 — the local slope α(t) = d log F / d log t between neighbouring scan points
 * (METHOD §2), with horizontal guides at 2(k−1), k = 1…4. The order is read on the flat
 * run with the largest median slope (the asymptotic window), shaded for the focused direction.
 */
import { INK } from '../theme.ts';
import {
  decadeDomain, gmean, linearScale, logScale, noiseLevel, positiveExtent,
  type DirectionsInput, type FigureModel, type FigureOptions, type FigureSize,
} from './common.ts';
import { range } from 'd3';
import type { DirectionResult } from '../../read/schema.ts';
import { DEFAULT_SETTINGS } from '../../read/settings.ts';
import { bandsSvg, classBands } from './class-bands.ts';
import {
  bandMode, contextMode, directionLegend, rangeDirections, directionPlotModel, directionsSubtitle, focusLegend, focusPoints, guideLabel, guideRule, windowBand,
} from './direction-plot.ts';
import { el, type Box } from './svg.ts';
import { linearYAxis, logAxis } from './marks/axis.ts';
import type { PixelPoint } from './marks/line.ts';
import { ruleY } from './marks/rule.ts';
import { haloText, heading } from './marks/text.ts';

export const SLOPE_PLOT_AXES = { x: 'step t along the direction', y: 'local slope α(t) = d log F / d log t' } as const;

/** Slopes beyond this range are noise below the numerical floor; they are left out (gaps). */
const Y_CLAMP: [number, number] = [-4, 14];

export function slopePlotModel(input: DirectionsInput, size: FigureSize): FigureModel {
  const { width, height } = size;
  const ds = input.directions;
  // in context mode the ranges are the whole read's: its bands are drawn behind the kept lines
  const ranged = rangeDirections(input);
  const kept = new Set(ds.map((d) => d.id));

  // a slope between points at or under the direction's noise level measures rounding, not F: left out
  const nf = input.numericalFloor ?? DEFAULT_SETTINGS.numericalFloor;
  const informative = new Map(ranged.map((d) => {
    const noise = noiseLevel(d, nf);
    return [d.id, d.scan.slope.map((s, i) => (d.scan.F[i] > noise && d.scan.F[i + 1] > noise ? s : NaN))];
  }));
  let lo = -0.5, hi = 6.5, dropped = 0;
  for (const d of ranged) {
    for (const s of informative.get(d.id)!) {
      if (!Number.isFinite(s)) continue;
      if (s < Y_CLAMP[0] || s > Y_CLAMP[1]) { if (kept.has(d.id)) dropped++; continue; }
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
  }
  const yDom: [number, number] = [Math.floor(lo), Math.ceil(hi)];

  const subtitle = directionsSubtitle(input, dropped ? ` · ${dropped} slope${dropped === 1 ? '' : 's'} outside ${Y_CLAMP[0]}…${Y_CLAMP[1]} not drawn` : '');
  const inRange = (s: number) => Number.isFinite(s) && s >= yDom[0] && s <= yDom[1];
  const values = (d: DirectionResult): Array<[number, number] | null> => (informative.get(d.id) ?? []).map((s, i) => {
    const t0 = d.scan.t[i], t1 = d.scan.t[i + 1];
    return t1 !== undefined && t0 > 0 && inRange(s) ? [gmean(t0, t1), s] : null;
  });
  // a direction whose every slope is left out has no curve: its class is listed only if another of it is drawn
  const leg = directionLegend(input, width, (d) => values(d).some((p) => p !== null));

  const box: Box = { x0: 66, y0: 52 + leg.height, x1: width - 40, y1: height - 46 };
  const xDom = decadeDomain(positiveExtent(ranged.flatMap((d) => d.scan.t)), [1e-4, 1]);
  const x = logScale(xDom, [box.x0, box.x1]);
  const y = linearScale(yDom, [box.y1, box.y0]);
  // the slopes an order reads are the even numbers 2(k − 1): ticks on them (every 4 on a tall range)
  const step = yDom[1] - yDom[0] > 12 ? 4 : 2;
  const ticks = range(Math.ceil(yDom[0] / step) * step, yDom[1] + 1e-9, step);

  const pointsOf = (d: DirectionResult): PixelPoint[] => values(d).map((p) => (p ? [x(p[0]), y(p[1])] : null));
  const bands = bandMode(input) ? bandsSvg(classBands(ds, values), x, y) : undefined;
  const contextBands = contextMode(input) ? bandsSvg(classBands(input.context!, values), x, y, undefined, true) : '';

  const guides: string[] = [];
  for (let k = 1; k <= 4; k++) {
    const v = 2 * (k - 1);
    if (v < yDom[0] || v > yDom[1]) continue;
    guides.push(guideRule(y(v), box, k));
    guides.push(guideLabel(box.x1 + 6, y(v) + 3.5, k, 'start'));
  }
  const head = [
    heading(14, 'Local slope α(t)', subtitle, width - 28), leg.svg,
    logAxis('bottom', x, box, SLOPE_PLOT_AXES.x),
    linearYAxis(y, box, SLOPE_PLOT_AXES.y, ticks),
  ].join('');

  const under = (focus: DirectionResult | null): string => (focus?.window ? windowBand(focus.window, x, box) : '');

  const over = (focus: DirectionResult | null): string => {
    if (!focus) return '';
    const out: string[] = [focusLegend(focus, '2(k̂−1) on the window', width)];
    out.push(focusPoints(focus, pointsOf(focus)));
    if (focus.k !== null && focus.window) {
      const a = 2 * (focus.k - 1);
      if (a >= yDom[0] && a <= yDom[1]) {
        out.push(ruleY(y(a), { x0: x(focus.window[0]), x1: x(focus.window[1]) }, { stroke: INK, 'stroke-width': 2, 'data-role': 'fit' }));
        const label = `α = ${a.toFixed(2)} → k̂ = ${focus.k.toFixed(2)}`;
        const w = label.length * 6.2;
        const wx0 = x(focus.window[0]), wx1 = x(focus.window[1]);
        // beside the window when there is room, else inside the plot above the level
        const [lx, anchor, ly] = wx1 + 6 + w <= box.x1 ? [wx1 + 6, 'start', y(a) + 4]
          : wx0 - 6 - w >= box.x0 ? [wx0 - 6, 'end', y(a) + 4]
            : [box.x1 - 6, 'end', y(a) - 7];
        out.push(haloText(lx, ly, label, { 'text-anchor': anchor, 'font-size': 10.5, 'font-weight': 600, fill: INK, 'data-role': 'fit-label' }));
      }
    }
    return out.join('');
  };

  return directionPlotModel(input, size, {
    figure: 'slope-plot',
    title: `Local slope α(t) — ${input.checkpoint}`,
    desc: 'Local slope of log F against log t between neighbouring scan points. Order k̂ = 1 + α/2 on the asymptotic window '
      + '(the flat run with the largest median slope above the numerical floor; METHOD §2).',
    head, box, pointsOf, bands, under, over,
    behind: contextBands + el('g', { 'data-role': 'guides' }, guides),
  });
}

export function buildSlopePlot(input: DirectionsInput, size: FigureSize, opts: FigureOptions = {}): string {
  return slopePlotModel(input, size).svg(opts);
}
