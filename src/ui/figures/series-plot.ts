/**
 * Figure 7 — a training run over time (the paper's Figs. 6 and 9): against the training step,
 * stacked panels share one x axis: the census λ (and the assembled global λ when the reads carry
 * it), directions per class, the axis-alignment of each layer, the order k̂ of chosen directions,
 * and the numeric metadata the checkpoints carry (losses, accuracies).
 */
import { scaleLinear, scaleLog, scaleSymlog, schemeTableau10 } from 'd3';
import type { DirectionResult } from '../../read/schema.ts';
import { SERIES_CLASSES, type SeriesRow } from '../../series/series.ts';
import { CLASS_COLOURS, CLASS_LABELS, INK } from '../theme.ts';
import type { FigureModel, FigureOptions, FigureSize, Scale } from './common.ts';
import { el, esc, shortNumber, svgDocument, type Box } from './svg.ts';
import { axis as axisMark } from './marks/axis.ts';
import { dot } from './marks/dot.ts';
import { frame } from './marks/frame.ts';
import { legend, type LegendItem } from './marks/legend.ts';
import { lineMark } from './marks/line.ts';
import { ruleX } from './marks/rule.ts';
import { heading, text } from './marks/text.ts';
import { guideRule } from './direction-plot.ts';

export interface SeriesPoint {
  /** the loaded checkpoint's key (marks carry it, so a click opens that checkpoint) */
  key: string;
  row: SeriesRow;
  directions: DirectionResult[];
}

export interface SeriesInput {
  run: string;
  /** by step; points without a step are left out */
  points: SeriesPoint[];
  /** direction ids whose k̂ is followed across the run */
  chosen: string[];
}

/** The tracks of what the read measured on its labelled probe (a probe given with labels or targets). */
export const PROBE_TRACKS = { accuracy: 'probe accuracy (read)', r2: 'probe R² (read)', loss: 'probe loss (read)' } as const;

export const SERIES_AXES = { x: 'training step', y: ['λ', 'directions per class', 'axis-alignment', 'k̂ of chosen directions'] } as const;

interface Track { label: string; colour: string; values: Array<number | null>; dash?: boolean; key?: string }
interface Panel { title: string; tracks: Track[]; log?: boolean; guides?: number[]; domain?: [number, number] }

const PANEL_H = 118;
const GAP = 30;

/** The directions to follow when none is chosen: those singular at the last step (up to four). */
export function defaultChosen(points: readonly SeriesPoint[]): string[] {
  const last = points[points.length - 1];
  if (!last) return [];
  return last.directions.filter((d) => d.class === 'singular').slice(0, 4).map((d) => d.id);
}

function panels(input: SeriesInput): Panel[] {
  const pts = input.points;
  const out: Panel[] = [];
  const lambda: Track[] = [{ label: 'census λ = Σ 1/(2k)', colour: INK, values: pts.map((p) => p.row.censusLambda) }];
  if (pts.some((p) => p.row.global)) lambda.push({ label: 'global λ (assembled)', colour: '#8250df', values: pts.map((p) => p.row.global?.lambda ?? null), dash: true });
  out.push({ title: SERIES_AXES.y[0], tracks: lambda });
  out.push({
    title: SERIES_AXES.y[1],
    tracks: SERIES_CLASSES.filter((c) => pts.some((p) => p.row.counts[c] > 0))
      .map((c) => ({ label: CLASS_LABELS[c], colour: CLASS_COLOURS[c], values: pts.map((p) => p.row.counts[c]), key: c })),
  });
  const layers = [...new Set(pts.flatMap((p) => Object.keys(p.row.alignment)))];
  if (layers.length) {
    out.push({
      title: SERIES_AXES.y[2], domain: [0, 1],
      tracks: layers.map((l, i) => ({ label: `layer ${l}`, colour: schemeTableau10[i % 10], values: pts.map((p) => p.row.alignment[l] ?? null) })),
    });
  }
  if (input.chosen.length) {
    out.push({
      title: SERIES_AXES.y[3], guides: [1, 2, 3, 4],
      tracks: input.chosen.map((id, i) => ({
        label: id, colour: schemeTableau10[(i + 3) % 10], key: id,
        values: pts.map((p) => p.directions.find((d) => d.id === id)?.k ?? null),
      })),
    });
  }
  // what the checkpoints' metadata says (train/test accuracy, losses) beside what the read measured on its labelled probe
  const meta = [...new Set(pts.flatMap((p) => Object.keys(p.row.metadata)))].sort();
  const probe = (label: string, value: (pr: NonNullable<SeriesRow['probe']>) => number | null): Track[] => {
    const values = pts.map((p) => (p.row.probe ? value(p.row.probe) : null));
    return values.some((v) => v !== null) ? [{ label, colour: '', values, key: label }] : [];
  };
  const metaTracks = (keys: string[]): Track[] => keys.map((k) => ({ label: k, colour: '', values: pts.map((p) => p.row.metadata[k] ?? null) }));
  const groups = [
    [...metaTracks(meta.filter((k) => /acc/i.test(k))), ...probe(PROBE_TRACKS.accuracy, (pr) => pr.accuracy), ...probe(PROBE_TRACKS.r2, (pr) => pr.r2)],
    [...metaTracks(meta.filter((k) => !/acc/i.test(k))), ...probe(PROBE_TRACKS.loss, (pr) => pr.loss)],
  ];
  for (const group of groups) {
    if (!group.length) continue;
    const pos = group.flatMap((t) => t.values).filter((v): v is number => v !== null);
    const log = pos.length > 0 && pos.every((v) => v > 0) && Math.max(...pos) / Math.min(...pos) > 100;
    out.push({
      title: group.map((t) => t.label).join(', '), log,
      tracks: group.map((t, i) => ({ ...t, colour: schemeTableau10[(i + 6) % 10] })),
    });
  }
  return out;
}

/**
 * A track's name in the 170 px legend column: a long name (a layer or direction id) keeps its start
 * and its end (the index that tells two apart) around an ellipsis; the whole name is the item's tooltip.
 */
export function legendLabel(name: string, max = 26): string {
  const chars = [...name];
  if (chars.length <= max) return name;
  const head = Math.ceil((max - 1) / 2), tail = max - 1 - head;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/** Below this width the panels' legends go under the panels. */
const NARROW_WIDTH = 560;

/** Tick values whose labels (about 6.5 px a digit) do not overlap at their positions on x; the last one is kept. */
function thinTicks(ticks: readonly number[], x: Scale): number[] {
  const half = (v: number) => (String(v).length * 6.5) / 2 + 3;
  const kept: number[] = [];
  for (const v of ticks) {
    while (kept.length && x(v) - half(v) < x(kept[kept.length - 1]) + half(kept[kept.length - 1])) {
      // keep the first tick (step 0) and the last (the run's end); drop what is between
      if (kept.length === 1) break;
      kept.pop();
    }
    if (!kept.length || x(v) - half(v) >= x(kept[kept.length - 1]) + half(kept[kept.length - 1])) kept.push(v);
  }
  return kept;
}

/** Symlog x: step 0 and the first hundred steps stay apart from the tens of thousands. */
export function stepScale(steps: readonly number[], range: [number, number]): Scale {
  const positive = steps.filter((s) => s > 0);
  const constant = positive.length ? Math.max(1, Math.min(...positive)) : 1;
  const hi = Math.max(1, ...steps);
  return scaleSymlog().constant(constant).domain([Math.min(0, ...steps), hi]).range(range) as unknown as Scale;
}

function stepTicks(steps: readonly number[]): number[] {
  const hi = Math.max(1, ...steps);
  const positive = steps.filter((s) => s > 0);
  // decades from the symlog constant (the smallest positive step) up: below it the axis is linear and short
  const from = positive.length ? 10 ** Math.ceil(Math.log10(Math.min(...positive))) : 10;
  const ticks = [0];
  for (let p = from; p <= hi; p *= 10) ticks.push(p);
  if (hi / ticks[ticks.length - 1] >= 2) ticks.push(hi);
  return ticks;
}

export function seriesPlotModel(input: SeriesInput, size: FigureSize): FigureModel {
  const { width } = size;
  const pts = input.points;
  const steps = pts.map((p) => p.row.step ?? 0);
  const ps = panels(input);
  // a phone-width figure puts each panel's legend under it (a column beside would leave the plot ~70 px)
  const narrow = width < NARROW_WIDTH;
  const x0 = narrow ? 52 : 66, x1 = narrow ? width - 12 : width - 190;
  const x = stepScale(steps, [x0 + 6, x1 - 6]);
  const n = `${pts.length} checkpoint${pts.length === 1 ? '' : 's'}`;
  const body: string[] = [heading(14, `Training run: ${input.run}`, narrow ? `${n}, same settings and probe` : `${n} read with the same settings and probe · x: training step`)];
  let y0 = 52, lastY1 = y0;
  ps.forEach((p, pi) => {
    const last = pi === ps.length - 1;
    const box: Box = { x0, y0, x1, y1: y0 + PANEL_H };
    const vals = p.tracks.flatMap((t) => t.values).filter((v): v is number => v !== null && Number.isFinite(v) && (!p.log || v > 0));
    let y: Scale;
    const axis: string[] = [];
    if (p.log) {
      const lo = Math.min(...vals), hi = Math.max(...vals);
      const dom: [number, number] = [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
      y = scaleLog().domain(dom).range([box.y1, box.y0]);
      axis.push(axisMark('left', y, box, { log: true, maxTicks: 5 }));
    } else {
      const lo = p.domain?.[0] ?? Math.min(0, ...vals), hi = p.domain?.[1] ?? Math.max(1, ...vals, ...(p.guides ?? []));
      y = scaleLinear().domain([lo, hi]).nice(4).range([box.y1, box.y0]);
      axis.push(axisMark('left', y, box, { maxTicks: 4, values: y.ticks(4), format: (v) => shortNumber(v).replace('-', '−') }));
    }
    for (const g of p.guides ?? []) {
      // the same reference guides k = 1…4 as the rate and slope plots; the axis's ticks name them (a label inside would sit on the tracks)
      axis.push(guideRule(y(g), box, g));
    }
    const items = p.tracks.filter((t) => t.values.some((v) => v !== null && (!p.log || v > 0)))
      .map((t): LegendItem => ({ label: legendLabel(t.label), title: t.label, colour: t.colour, kind: t.dash ? 'dash' : 'line', key: t.label }));
    const legY = narrow ? box.y1 + (last ? 62 : 18) : y0 + 10;
    const leg = narrow ? legend(items, x0, legY, width - x0 - 12) : legend(items, x1 + 12, legY, 170);
    body.push(el('g', { 'data-role': 'panel', 'data-panel': p.title }, [
      text(x0, y0 - 6, p.title, { 'font-size': 11.5, 'font-weight': 600, 'data-role': 'axis-label' }),
      ...axis,
      ...p.tracks.map((t) => {
        const drawn = (v: number | null): v is number => v !== null && (!p.log || v > 0);
        const dots = t.values.map((v, i) => (!drawn(v) ? '' : dot(x(steps[i]), y(v), 2.6, { fill: t.colour, 'data-checkpoint': pts[i].key, 'data-step': steps[i] },
          el('title', {}, esc(`${t.label} at step ${steps[i]}: ${shortNumber(v)} (${pts[i].row.file})`)))));
        return el('g', { 'data-track': t.label, 'data-key': t.key ?? null }, [
          lineMark(t.values.map((v, i) => (drawn(v) ? [x(steps[i]), y(v)] : null)), { stroke: t.colour, 'stroke-width': 1.6, 'stroke-dasharray': t.dash ? '5 3' : null }),
          ...dots,
        ]);
      }),
      frame(box),
      // the panel's legend lists the tracks that have a drawn value (beside the panel, or under it, below the step axis of the last)
      leg.svg,
    ]));
    // step ticks under the last panel only
    if (last) {
      body.push(axisMark('bottom', x, box, { values: thinTicks(stepTicks(steps), x), format: String, grid: false, label: `${SERIES_AXES.x} (symmetric log scale)` }));
    }
    lastY1 = box.y1;
    y0 = narrow ? legY + leg.height + (last ? 0 : 12) : y0 + PANEL_H + GAP;
  });
  const height = narrow ? y0 + 4 : y0 + 20;
  const over = (key: string | null): string => {
    const i = pts.findIndex((p) => p.key === key);
    if (i < 0) return '';
    return ruleX(x(steps[i]), { y0: 52, y1: lastY1 }, { stroke: INK, 'stroke-opacity': 0.35, 'stroke-width': 6, 'data-role': 'current-step' });
  };
  const svg = (opts: FigureOptions = {}) => svgDocument({
    width, height, figure: 'series-plot', title: `Training run over time — ${input.run}`,
    desc: 'Per checkpoint of one training run, read with the same settings and probe: the census λ, directions per class (inactive units once), '
      + 'the axis-alignment of each layer, the order k̂ of chosen directions and the checkpoints’ numeric metadata, against the training step.',
  }, [...body, el('g', { 'data-layer': 'over' }, over(opts.focus ?? null))]);
  return { svg, layers: (key) => ({ under: '', over: over(key) }) };
}

/** The figure's height for an input (the panels stack). */
export function seriesPlotHeight(input: SeriesInput): number {
  return 52 + panels(input).length * (PANEL_H + GAP) + 20;
}
