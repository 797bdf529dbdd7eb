/**
 * Compare — one direction id across checkpoints: its rate plot F(t) or its local slope α(t),
 * one line per checkpoint (same id = the same unit / subspace index of the same layer), with the
 * guides 2(k−1) and each checkpoint's k̂ in the legend.
 */
import { schemeTableau10 } from 'd3';
import type { DirectionResult } from '../../read/schema.ts';
import { MUTED } from '../theme.ts';
import { decadeDomain, gmean, linearScale, logScale, positiveExtent, type FigureModel, type FigureSize } from './common.ts';
import { guideLabel, guideRule } from './direction-plot.ts';
import { el, esc, svgDocument, type Box } from './svg.ts';
import { linearYAxis, logAxis } from './marks/axis.ts';
import { frame } from './marks/frame.ts';
import { legend } from './marks/legend.ts';
import { lineMark } from './marks/line.ts';
import { heading, text } from './marks/text.ts';

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
  const ds = present.map((s) => s.direction!);
  const rateDom = decadeDomain(positiveExtent(ds.flatMap((d) => d.scan.F)), [1e-12, 1]);
  const SLOPE_DOM: [number, number] = [-1, 7];
  /** a direction's points in data space (t, F) or (t, α); null: not drawn (F under the range, α outside it) */
  const dataPoints = (d: DirectionResult): Array<[number, number] | null> => (kind === 'rate'
    ? d.scan.t.map((t, i) => (t > 0 && d.scan.F[i] >= rateDom[0] ? [t, d.scan.F[i]] : null))
    : d.scan.slope.map((a, i) => (Number.isFinite(a) && a >= SLOPE_DOM[0] && a <= SLOPE_DOM[1] && d.scan.t[i + 1] !== undefined ? [gmean(d.scan.t[i], d.scan.t[i + 1]), a] : null)));
  // the legend lists the checkpoints whose line is drawn
  const drawn = present.filter((s) => dataPoints(s.direction!).some((p) => p !== null));
  const items = drawn.map((s) => ({
    label: `${s.name.replace(/\.safetensors$/i, '')}: ${s.direction!.class}${s.direction!.k !== null && (s.direction!.class === 'live' || s.direction!.class === 'singular') ? `, k̂ ${s.direction!.k.toFixed(2)}` : ''}`,
    colour: s.colour, key: s.name,
  }));
  const leg = legend(items, 66, 52, width - 80);
  const box: Box = { x0: 66, y0: 52 + leg.height, x1: width - 40, y1: height - 46 };
  const xDom = decadeDomain(positiveExtent(ds.flatMap((d) => d.scan.t)), [1e-4, 1]);
  const x = logScale(xDom, [box.x0, box.x1]);
  const y = kind === 'rate' ? logScale(rateDom, [box.y1, box.y0]) : linearScale(SLOPE_DOM, [box.y1, box.y0]);
  const body: string[] = [];
  const missing = input.series.filter((s) => !s.direction).map((s) => s.name);
  const undrawn = present.filter((s) => !drawn.includes(s)).map((s) => s.name);
  const subtitle = `${present.length} of ${input.series.length} checkpoints have this direction${missing.length ? ` (${missing.join(', ')} do not)` : ''}`
    + (undrawn.length ? ` · nothing to draw for ${undrawn.join(', ')}` : '');
  body.push(heading(14, `${kind === 'rate' ? 'Rate plot F(t)' : 'Local slope α(t)'} of ${input.id} across checkpoints`, subtitle, width - 28), leg.svg);
  if (kind === 'rate') {
    body.push(logAxis('bottom', x, box, COMPARE_AXES.x), logAxis('left', y, box, COMPARE_AXES.rate));
  } else {
    body.push(logAxis('bottom', x, box, COMPARE_AXES.x), linearYAxis(y, box, COMPARE_AXES.slope, [0, 2, 4, 6]));
    for (let k = 1; k <= 4; k++) {
      body.push(guideRule(y(2 * (k - 1)), box, k), guideLabel(box.x1 + 6, y(2 * (k - 1)) + 3.5, k, 'start'));
    }
  }
  body.push(el('g', { 'data-role': 'curves' }, drawn.map((s) => lineMark(
    dataPoints(s.direction!).map((p) => (p ? [x(p[0]), y(p[1])] : null)),
    { stroke: s.colour, 'stroke-width': 1.8, 'data-checkpoint-name': s.name },
    el('title', {}, esc(`${s.name}: ${input.id}`)),
  ))));
  if (!present.length) body.push(text(box.x0 + 10, box.y0 + 20, 'No checkpoint has this direction.', { fill: MUTED }));
  body.push(frame(box));
  const svg = () => svgDocument({
    width, height, figure: `compare-${kind}-plot`,
    title: `${kind === 'rate' ? 'Rate plot' : 'Local slope'} of ${input.id} across checkpoints`,
    desc: 'The same direction id (the same unit or subspace index of the same layer) read in each checkpoint, one line per checkpoint.',
  }, body);
  return { svg, layers: () => ({ under: '', over: '' }) };
}
