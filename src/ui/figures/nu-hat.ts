/**
 * Figure 5 of the paper — ν̂ against n (METHOD §7): for each order k read on a singular direction,
 * the mean ν̂ (WAIC functional variance on the order-k cell, exact grid posterior) over seeded
 * draws at each sample size n, with ±2 standard errors, and the quadrature value ν(k) as a line.
 * Data: ReadResult.fluctuation (computed by src/read/fluctuation-estimate.ts).
 */
import type { ReadResult } from '../../read/schema.ts';
import { GUIDE, MUTED } from '../theme.ts';
import { decadeDomain, linearScale, logScale, positiveExtent, type FigureModel, type FigureSize } from './common.ts';
import { el, esc, shortNumber, svgDocument, type Box } from './svg.ts';
import { linearYAxis, logAxis } from './marks/axis.ts';
import { dot } from './marks/dot.ts';
import { frame } from './marks/frame.ts';
import { legend } from './marks/legend.ts';
import { lineMark } from './marks/line.ts';
import { ruleX, ruleY } from './marks/rule.ts';
import { heading, text } from './marks/text.ts';

export const NU_HAT_AXES = { x: 'sample size n', y: 'ν̂ = ½ Σᵢ Var_post log p(yᵢ | s)' } as const;

/** one colour per order (Okabe–Ito, order 1 … 6) */
const ORDER_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

export interface NuHatInput {
  checkpoint: string;
  orders: NonNullable<ReadResult['fluctuation']>['orders'];
}

export function nuHatPlotModel(input: NuHatInput, size: FigureSize): FigureModel {
  return { svg: () => buildNuHatPlot(input, size), layers: () => ({ under: '', over: '' }) };
}

export function buildNuHatPlot(input: NuHatInput, size: FigureSize): string {
  const { width, height } = size;
  const orders = input.orders;
  const leg = legend(orders.map((o, i) => ({ label: `k = ${o.k}: ν(${o.k}) = ${o.nu.toFixed(4)}`, colour: ORDER_COLOURS[i % ORDER_COLOURS.length], kind: 'line' as const, key: String(o.k) })), 66, 52, width - 80);
  const box: Box = { x0: 66, y0: 52 + leg.height + 6, x1: width - 14, y1: height - 44 };
  const ns = orders.flatMap((o) => o.nuHat.map((p) => p.n));
  const xDom = decadeDomain(positiveExtent(ns), [10, 1e4]);
  const x = logScale(xDom, [box.x0, box.x1]);
  const ys = orders.flatMap((o) => [o.nu, ...o.nuHat.flatMap((p) => [p.mean - 2 * p.se, p.mean + 2 * p.se])]);
  const yMax = Math.max(0.6, ...ys) * 1.05;
  const y = linearScale([0, yMax], [box.y1, box.y0]);
  const ticks = y.ticks(8);
  const draws = orders[0]?.nuHat[0]?.draws ?? 0;
  const body: string[] = [
    heading(14, 'Singular fluctuation: ν̂ against n', `${input.checkpoint} · order-k cell, ${draws} seeded draws per n, ±2 s.e.`),
    leg.svg,
    logAxis('bottom', x, box, NU_HAT_AXES.x, 6),
    linearYAxis(y, box, NU_HAT_AXES.y, ticks),
  ];
  orders.forEach((o, i) => {
    const colour = ORDER_COLOURS[i % ORDER_COLOURS.length];
    const parts: string[] = [];
    parts.push(ruleY(y(o.nu), box, { stroke: colour, 'stroke-width': 1.2, 'stroke-dasharray': '6 3', 'data-role': 'nu' }));
    parts.push(text(box.x1 - 4, y(o.nu) - 4, `ν(${o.k})`, { 'text-anchor': 'end', 'font-size': 10, fill: colour }));
    parts.push(lineMark(o.nuHat.map((p) => [x(p.n), y(p.mean)]), { stroke: colour, 'stroke-width': 1.6 }));
    for (const p of o.nuHat) {
      const px = x(p.n);
      parts.push(ruleX(px, { y0: y(p.mean - 2 * p.se), y1: y(p.mean + 2 * p.se) }, { stroke: colour, 'stroke-width': 1.2 }));
      parts.push(dot(px, y(p.mean), 3.4, { fill: colour, stroke: '#ffffff', 'stroke-width': 0.8 },
        el('title', {}, esc(`k = ${o.k}, n = ${p.n}: ν̂ = ${p.mean.toFixed(4)} ± ${p.se.toFixed(4)} (ν(${o.k}) = ${o.nu.toFixed(4)})`))));
    }
    body.push(el('g', { 'data-order': o.k }, parts));
  });
  if (!orders.length) body.push(text((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2, 'no singular direction read: no order to show', { 'text-anchor': 'middle', fill: MUTED }));
  body.push(text(box.x0 + 6, box.y0 + 14, 'a trained network’s realised ν falls below ν(k) (METHOD §7)', { 'font-size': 9.5, fill: GUIDE }));
  body.push(frame(box));
  return svgDocument({
    width, height, figure: 'nu-hat-plot',
    title: `Singular fluctuation ν̂ against n — ${input.checkpoint}`,
    desc: `Mean WAIC functional variance ν̂ on the isolated order-k cell for each order read (${orders.map((o) => o.k).join(', ') || 'none'}), `
      + `against the sample size n on a log axis, with ±2 standard errors and ν(k) from quadrature as a dashed line. ${shortNumber(draws)} draws per point.`,
  }, body);
}
