/**
 * Figure 2 — the local slope α(t) = d log F / d log t between neighbouring scan points
 * (METHOD §2), with horizontal guides at 2(k−1), k = 1…4. The order is read on the flat
 * run with the largest median slope (the asymptotic window), shaded for the focused direction.
 */
import { CLASS_COLOURS, GUIDE, INK, MUTED, WINDOW_FILL } from '../theme.ts';
import {
  classLegendItems, decadeDomain, directionPath, focusLast, gmean, linearScale, logScale, pathD, positiveExtent,
  type DirectionsInput, type FigureOptions, type FigureSize,
} from './common.ts';
import { el, frame, heading, legend, linearYAxis, logAxis, svgDocument, text, type Box } from './svg.ts';

export const SLOPE_PLOT_AXES = { x: 'step t along the direction', y: 'local slope α(t) = d log F / d log t' } as const;

/** Slopes beyond this range are noise below the numerical floor; they are left out (gaps). */
const Y_CLAMP: [number, number] = [-4, 14];

export function buildSlopePlot(input: DirectionsInput, size: FigureSize, opts: FigureOptions = {}): string {
  const { width, height } = size;
  const ds = input.directions;
  const focus = opts.focus ? ds.find((d) => d.id === opts.focus) ?? null : null;

  const finite = ds.flatMap((d) => d.scan.slope.filter((s) => Number.isFinite(s)));
  const lo = Math.max(Y_CLAMP[0], Math.min(-0.5, ...finite.filter((s) => s >= Y_CLAMP[0])));
  const hi = Math.min(Y_CLAMP[1], Math.max(6.5, ...finite.filter((s) => s <= Y_CLAMP[1])));
  const yDom: [number, number] = [Math.floor(lo), Math.ceil(hi)];
  const dropped = finite.filter((s) => s < Y_CLAMP[0] || s > Y_CLAMP[1]).length;

  const subtitle = `${input.checkpoint} · ${ds.length} direction${ds.length === 1 ? '' : 's'}`
    + (dropped ? ` · ${dropped} slope${dropped === 1 ? '' : 's'} outside ${Y_CLAMP[0]}…${Y_CLAMP[1]} not drawn` : '');
  const leg = legend([
    ...classLegendItems(ds),
    { label: 'asymptotic window', colour: WINDOW_FILL, kind: 'band' },
    { label: '2(k̂−1) on the window', colour: INK, kind: 'line' },
    { label: 'slope 2(k−1)', colour: GUIDE, kind: 'dash' },
  ], 66, 52, width - 80);

  const box: Box = { x0: 66, y0: 52 + leg.height, x1: width - 40, y1: height - 46 };
  const xDom = decadeDomain(positiveExtent(ds.flatMap((d) => d.scan.t)), [1e-4, 1]);
  const x = logScale(xDom, [box.x0, box.x1]);
  const y = linearScale(yDom, [box.y1, box.y0]);
  const ticks: number[] = [];
  const step = yDom[1] - yDom[0] > 12 ? 4 : 2;
  for (let v = Math.ceil(yDom[0] / step) * step; v <= yDom[1]; v += step) ticks.push(v);

  const body: string[] = [heading(14, 'Local slope α(t)', subtitle), leg.svg];
  body.push(logAxis('bottom', x, xDom, box, SLOPE_PLOT_AXES.x));
  body.push(linearYAxis(y, ticks, box, SLOPE_PLOT_AXES.y));

  if (focus?.window) {
    const [a, b] = focus.window;
    body.push(el('rect', { x: x(a), y: box.y0, width: Math.max(1, x(b) - x(a)), height: box.y1 - box.y0, fill: WINDOW_FILL, 'data-role': 'window' }));
  }

  const guides: string[] = [];
  for (let k = 1; k <= 4; k++) {
    const v = 2 * (k - 1);
    if (v < yDom[0] || v > yDom[1]) continue;
    guides.push(el('line', { x1: box.x0, x2: box.x1, y1: y(v), y2: y(v), stroke: GUIDE, 'stroke-width': 1, 'stroke-dasharray': '4 3' }));
    guides.push(text(box.x1 + 5, y(v) + 3.5, `k=${k}`, { 'font-size': 9.5, fill: MUTED }));
  }
  body.push(el('g', { 'data-role': 'guides' }, guides));

  const inRange = (s: number) => Number.isFinite(s) && s >= yDom[0] && s <= yDom[1];
  const curves: string[] = [];
  for (const d of focusLast(ds, focus?.id)) {
    const pts = d.scan.slope.map((s, i) => {
      const t0 = d.scan.t[i], t1 = d.scan.t[i + 1];
      return t1 !== undefined && t0 > 0 && inRange(s) ? [x(gmean(t0, t1)), y(s)] as [number, number] : null;
    });
    const state = !focus ? 'normal' : d.id === focus.id ? 'focus' : 'dim';
    curves.push(directionPath(d, pathD(pts), state, !!opts.interactive));
  }
  body.push(el('g', { 'data-role': 'curves' }, curves));

  if (focus) {
    const colour = CLASS_COLOURS[focus.class];
    const pts: string[] = [];
    focus.scan.slope.forEach((s, i) => {
      const t0 = focus.scan.t[i], t1 = focus.scan.t[i + 1];
      if (t1 !== undefined && inRange(s)) pts.push(el('circle', { cx: x(gmean(t0, t1)), cy: y(s), r: 2.6, fill: '#fff', stroke: colour, 'stroke-width': 1.4 }));
    });
    body.push(el('g', { 'data-role': 'focus-points' }, pts));
    if (focus.k !== null && focus.window) {
      const a = 2 * (focus.k - 1);
      if (a >= yDom[0] && a <= yDom[1]) {
        body.push(el('line', { x1: x(focus.window[0]), x2: x(focus.window[1]), y1: y(a), y2: y(a), stroke: INK, 'stroke-width': 2, 'data-role': 'fit' }));
        const label = `α = ${a.toFixed(2)} → k̂ = ${focus.k.toFixed(2)}`;
        const w = label.length * 6.2;
        const wx0 = x(focus.window[0]), wx1 = x(focus.window[1]);
        // beside the window when there is room, else inside the plot above the level
        const [lx, anchor, ly] = wx1 + 6 + w <= box.x1 ? [wx1 + 6, 'start', y(a) + 4]
          : wx0 - 6 - w >= box.x0 ? [wx0 - 6, 'end', y(a) + 4]
            : [box.x1 - 6, 'end', y(a) - 7];
        body.push(text(lx, ly, label, { 'text-anchor': anchor, 'font-size': 10.5, 'font-weight': 600, fill: INK, 'data-role': 'fit-label' }));
      }
    }
  }

  body.push(frame(box));
  return svgDocument({
    width, height, figure: 'slope-plot',
    title: `Local slope α(t) — ${input.checkpoint}`,
    desc: 'Local slope of log F against log t between neighbouring scan points. Order k̂ = 1 + α/2 on the asymptotic window '
      + '(the flat run with the largest median slope above the numerical floor; METHOD §2).',
  }, body);
}
