/**
 * Compare — one direction id across checkpoints: its rate plot F(t) or its local slope α(t),
 * one line per checkpoint (same id = the same unit / subspace index of the same layer), with the
 * guides 2(k−1) and each checkpoint's k̂ in the legend.
 */
import { schemeTableau10 } from 'd3';
import type { DirectionResult } from '../../read/schema.ts';
import { MUTED } from '../theme.ts';
import { decadeDomain, gmean, linearScale, logScale, pathD, positiveExtent, type FigureModel, type FigureSize } from './common.ts';
import { guideLabel, guideLine } from './direction-plot.ts';
import { el, esc, frame, heading, legend, svgDocument, text, type Box } from './svg.ts';
import { linearYAxis, logAxis } from './axis.ts';

export interface CompareInput {
  id: string;
  /** one entry per checkpoint that has the direction (null: it does not) */
  series: Array<{ name: string; direction: DirectionResult | null }>;
}

export const COMPARE_AXES = { x: 'step t along the direction', rate: 'F(t)  (directional Fisher)', slope: 'local slope α(t)' } as const;

export const compareColour = (i: number): string => schemeTableau10[i % 10];

export function comparePlotModel(input: CompareInput, size: FigureSize, kind: 'rate' | 'slope'): FigureModel {
  const { width, height } = size;
  const present = input.series.map((s, i) => ({ ...s, colour: compareColour(i) })).filter((s) => s.direction);
  const items = present.map((s) => ({
    label: `${s.name.replace(/\.safetensors$/i, '')}: ${s.direction!.class}${s.direction!.k !== null && (s.direction!.class === 'live' || s.direction!.class === 'singular') ? `, k̂ ${s.direction!.k.toFixed(2)}` : ''}`,
    colour: s.colour,
  }));
  const leg = legend(items, 66, 52, width - 80);
  const box: Box = { x0: 66, y0: 52 + leg.height, x1: width - 40, y1: height - 46 };
  const ds = present.map((s) => s.direction!);
  const xDom = decadeDomain(positiveExtent(ds.flatMap((d) => d.scan.t)), [1e-4, 1]);
  const x = logScale(xDom, [box.x0, box.x1]);
  const body: string[] = [];
  const missing = input.series.length - present.length;
  const subtitle = `${present.length} of ${input.series.length} checkpoints have this direction${missing ? ` (${input.series.filter((s) => !s.direction).map((s) => s.name).join(', ')} do not)` : ''}`;
  body.push(heading(14, `${kind === 'rate' ? 'Rate plot F(t)' : 'Local slope α(t)'} of ${input.id} across checkpoints`, subtitle), leg.svg);
  if (kind === 'rate') {
    const yDom = decadeDomain(positiveExtent(ds.flatMap((d) => d.scan.F)), [1e-12, 1]);
    const y = logScale(yDom, [box.y1, box.y0]);
    body.push(logAxis('bottom', x, box, COMPARE_AXES.x), logAxis('left', y, box, COMPARE_AXES.rate));
    body.push(el('g', { 'data-role': 'curves' }, present.map((s) => el('path', {
      d: pathD(s.direction!.scan.t.map((t, i) => (t > 0 && s.direction!.scan.F[i] >= yDom[0] ? [x(t), y(s.direction!.scan.F[i])] : null))),
      fill: 'none', stroke: s.colour, 'stroke-width': 1.8, 'data-checkpoint-name': s.name,
    }, el('title', {}, esc(`${s.name}: ${input.id}`))))));
  } else {
    const y = linearScale([-1, 7], [box.y1, box.y0]);
    body.push(logAxis('bottom', x, box, COMPARE_AXES.x), linearYAxis(y, box, COMPARE_AXES.slope, [0, 2, 4, 6]));
    for (let k = 1; k <= 4; k++) {
      body.push(guideLine({ x1: box.x0, x2: box.x1, y1: y(2 * (k - 1)), y2: y(2 * (k - 1)) }), guideLabel(box.x1 + 5, y(2 * (k - 1)) + 3.5, k));
    }
    body.push(el('g', { 'data-role': 'curves' }, present.map((s) => {
      const d = s.direction!;
      return el('path', {
        d: pathD(d.scan.slope.map((a, i) => (Number.isFinite(a) && a >= -1 && a <= 7 && d.scan.t[i + 1] !== undefined ? [x(gmean(d.scan.t[i], d.scan.t[i + 1])), y(a)] : null))),
        fill: 'none', stroke: s.colour, 'stroke-width': 1.8, 'data-checkpoint-name': s.name,
      }, el('title', {}, esc(`${s.name}: ${input.id}`)));
    })));
  }
  if (!present.length) body.push(text(box.x0 + 10, box.y0 + 20, 'No checkpoint has this direction.', { fill: MUTED }));
  body.push(frame(box));
  const svg = () => svgDocument({
    width, height, figure: `compare-${kind}-plot`,
    title: `${kind === 'rate' ? 'Rate plot' : 'Local slope'} of ${input.id} across checkpoints`,
    desc: 'The same direction id (the same unit or subspace index of the same layer) read in each checkpoint, one line per checkpoint.',
  }, body);
  return { svg, layers: () => ({ under: '', over: '' }) };
}
