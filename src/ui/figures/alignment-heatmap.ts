/**
 * Figure 3 — axis-alignment of each layer's dead subspace (METHOD §5): rows = layers by depth,
 * columns = loaded checkpoints, colour = alignment in [r/d, 1]. Each cell also prints r, d and
 * the random baseline r/d, which the legend marks.
 */
import { interpolatePuBu, scaleBand, scaleLinear } from 'd3';
import type { LayerResult } from '../../read/schema.ts';
import { INK, MUTED } from '../theme.ts';
import type { FigureModel, FigureOptions, FigureSize } from './common.ts';
import { el, esc, num, svgDocument } from './svg.ts';
import { dot } from './marks/dot.ts';
import { rectMark } from './marks/rect.ts';
import { ruleX, ruleY } from './marks/rule.ts';
import { heading, text } from './marks/text.ts';

export interface HeatmapColumn {
  /** checkpoint label */
  name: string;
  layers: LayerResult[];
}

export interface HeatmapOptions {
  /** layer of the focused direction (its row is outlined) */
  focusLayer?: string | null;
}

/** Which r the cells show: the read's automatic r, or one r of `axisAlignment.sweep` (r = 1 … min(8, d)). */
export type HeatmapRank = 'auto' | number;

/** The alignment a cell shows at `rank`: the automatic one, the sweep's entry at r, or null where r > d (or the read has no sweep).
 *  `undetermined`: r cuts tied eigenvalues from … to, and value and baseline are those of r = to. */
export function alignmentAt(l: LayerResult, rank: HeatmapRank): { r: number; d: number; value: number; baseline: number; undetermined?: { from: number; to: number } } | null {
  const a = l.axisAlignment;
  if (!a) return null;
  const s = rank === 'auto' ? a : (a.sweep ?? []).find((x) => x.r === rank);
  return s ? { r: s.r, d: a.d, value: s.value, baseline: s.baseline, ...(s.undetermined ? { undetermined: s.undetermined } : {}) } : null;
}

/** Diagonal hatch lines (45°, every `step` px) clipped to a cell: marks a value that is the whole tied cluster's. */
function hatch(c: { x0: number; y0: number; x1: number; y1: number }, ink: string, step = 7): string {
  const segs: string[] = [];
  const w = c.x1 - c.x0, h = c.y1 - c.y0;
  // line x − x0 + (y − y0) = s for s along the cell's diagonal extent, clipped to the rectangle
  for (let s = step; s < w + h; s += step) {
    const ax = c.x0 + Math.min(s, w), ay = c.y0 + (s - Math.min(s, w));
    const bx = c.x0 + Math.max(0, s - h), by = c.y0 + Math.min(s, h);
    segs.push(`M${num(ax)},${num(ay)}L${num(bx)},${num(by)}`);
  }
  return el('path', { d: segs.join(''), stroke: ink, 'stroke-opacity': 0.28, 'stroke-width': 1, fill: 'none', 'data-role': 'undetermined' });
}

/** The r values a selector offers: those some layer's sweep has. */
export function sweepRanks(cols: readonly HeatmapColumn[]): number[] {
  const rs = new Set<number>();
  for (const c of cols) for (const l of c.layers) for (const s of l.axisAlignment?.sweep ?? []) rs.add(s.r);
  return [...rs].sort((a, b) => a - b);
}

export const HEATMAP_AXES = { x: 'checkpoint', y: 'layer (by depth)' } as const;

export function alignmentColour(v: number): string {
  // PuBu from 0.04 so that 0 is still distinguishable from the white page
  return interpolatePuBu(0.04 + 0.96 * Math.min(1, Math.max(0, v)));
}

/** The heatmap's height on the page (and so in its export): header, 46 px a layer row and the colour legend, no empty band under them. */
export function heatmapHeight(cols: readonly HeatmapColumn[]): number {
  return Math.max(200, 150 + layerRows(cols).length * 46);
}

/** Layer names in order of first appearance over the columns (each column lists layers by depth). */
export function layerRows(cols: readonly HeatmapColumn[]): string[] {
  const rows: string[] = [];
  const seen = new Set<string>();
  for (const c of cols) for (const l of c.layers) if (!seen.has(l.layer)) { seen.add(l.layer); rows.push(l.layer); }
  return rows;
}

function clip(label: string, maxChars: number): string {
  return label.length <= maxChars ? label : `${label.slice(0, Math.max(1, maxChars - 1))}…`;
}

/** A layer name kept by its tail (`…h.11.mlp.c_fc`): transformer layers share their head, not their end. */
function clipStart(label: string, maxChars: number): string {
  return label.length <= maxChars ? label : `…${label.slice(-(maxChars - 1))}`;
}

/** The heatmap as a figure model: its focus key is a layer name (the focused direction's layer). */
export function alignmentHeatmapModel(cols: readonly HeatmapColumn[], size: FigureSize, rank: HeatmapRank = 'auto'): FigureModel {
  const { width, height } = size;
  const rows = layerRows(cols);
  const labelW = 112;
  const legendH = 54;
  const gridW = width - labelW - 20;
  const shorts = cols.map((c) => c.name.replace(/\.safetensors$/i, ''));
  // names that do not fit across a column are set at an angle (up to 24 characters)
  const longest = Math.min(24, Math.max(0, ...shorts.map((s) => s.length)));
  const ANGLE = 32;
  const fitW = cols.length ? Math.min(170, gridW / cols.length) : gridW;
  const slanted = longest * 6 > fitW - 6;
  // a slanted name reaches right of its column's centre: the grid leaves the last one room inside the figure
  const reach = slanted ? longest * 6 * Math.cos((ANGLE * Math.PI) / 180) - 6 : 0;
  const colW = slanted && cols.length ? Math.min(fitW, Math.max(8, (gridW + 8 - reach) / (cols.length - 0.5))) : fitW;
  const top = 70 + (slanted ? Math.round(longest * 6 * Math.sin((ANGLE * Math.PI) / 180)) + 2 : 0);
  const avail = height - top - legendH - 12;
  const rowH = rows.length ? Math.max(24, Math.min(50, avail / rows.length)) : 40;
  const x0 = labelW + 6;
  // one band per checkpoint across, one per layer down (d3's band scales, no padding: cells inset by 1 px)
  const colX = scaleBand<number>().domain(cols.map((_, j) => j)).range([x0, x0 + colW * cols.length]);
  const rowY = scaleBand<string>().domain(rows).range([top, top + rowH * rows.length]);

  const rankText = rank === 'auto' ? 'automatic r' : `r = ${rank}`;
  const body: string[] = [heading(14, 'Axis-alignment of the dead subspace',
    `at ${rankText} · ${cols.length} checkpoint${cols.length === 1 ? '' : 's'} · 1 = spanned by single neurons · r/d = random baseline`, width - 28)];
  // text goes in a cell only where it fits (many checkpoints on a phone: the colour and the cell's tooltip carry the value)
  const roomy = rowH >= 40 && colW >= 64, valueFits = colW >= 32;

  body.push(text(x0 - 8, top - 8, HEATMAP_AXES.y, { 'text-anchor': 'end', 'font-size': 11.5, 'data-role': 'axis-label' }));
  body.push(text(x0 + (colW * cols.length) / 2, slanted ? 56 : top - 24, HEATMAP_AXES.x, { 'text-anchor': 'middle', 'font-size': 11.5, 'data-role': 'axis-label' }));

  // column headers
  // slanted names closer than a line of text overprint: name every stride-th column (each cell's tooltip names its checkpoint)
  const stride = slanted ? Math.max(1, Math.ceil(12 / (colW * Math.sin((ANGLE * Math.PI) / 180)))) : 1;
  cols.forEach((c, j) => {
    if (j % stride) return;
    const cx = colX(j)! + colW / 2;
    // every column alike (the page's tabs say which checkpoint is active; the export has no active one)
    const style = { 'font-size': 10.5, fill: INK, 'data-column': j };
    const label = [esc(clip(shorts[j], slanted ? 24 : Math.max(4, Math.floor(colW / 6.2)))), el('title', {}, esc(c.name))];
    body.push(slanted
      ? el('text', { x: cx - 6, y: top - 8, 'text-anchor': 'start', transform: `rotate(${-ANGLE} ${num(cx - 6)} ${num(top - 8)})`, ...style }, label)
      : el('text', { x: cx, y: top - 8, 'text-anchor': 'middle', ...style }, label));
  });

  if (!rows.length) {
    body.push(text(x0, top + 24, cols.length ? 'No layer has an activation-side subspace.' : 'No checkpoint read yet.', { fill: MUTED }));
  }

  rows.forEach((layer) => {
    const y = rowY(layer)!;
    const width0 = cols.map((c) => c.layers.find((l) => l.layer === layer)?.width).find((w) => w !== undefined);
    body.push(el('text', { x: x0 - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', 'font-size': 11, 'data-layer': layer }, [
      esc(clipStart(layer, 14)),
      width0 !== undefined ? el('tspan', { fill: MUTED, 'font-size': 9.5 }, esc(` (${width0} units)`)) : '',
      el('title', {}, esc(`layer ${layer}${width0 !== undefined ? `, width ${width0}` : ''}`)),
    ]));
    cols.forEach((c, j) => {
      const x = colX(j)!;
      const l = c.layers.find((q) => q.layer === layer);
      const a = l ? alignmentAt(l, rank) : null;
      const beyond = l?.axisAlignment && !a; // a chosen r the layer's sweep does not reach (r > d, or an older read)
      const cellTitle = a?.undetermined
        ? `${c.name} · layer ${layer}: bottom-${a.r} subspace not unique: eigenvalues ${a.undetermined.from}…${a.undetermined.to} tie; `
          + `shown: the whole cluster, r = ${a.undetermined.to}: alignment ${a.value.toFixed(3)} (d = ${a.d}, random baseline ${a.undetermined.to}/d = ${a.baseline.toFixed(3)})`
        : a
        ? `${c.name} · layer ${layer}: alignment ${a.value.toFixed(3)} (r = ${a.r}, d = ${a.d}, random baseline r/d = ${a.baseline.toFixed(3)})`
        : beyond ? `${c.name} · layer ${layer}: no alignment at ${rankText} (d = ${l!.axisAlignment!.d})`
          : l ? `${c.name} · layer ${layer}: no activation-side subspace` : `${c.name} has no layer ${layer}`;
      const parts: string[] = [el('title', {}, esc(cellTitle))];
      if (a) {
        const fill = alignmentColour(a.value);
        const dark = a.value > 0.55;
        const cell = { x0: x + 1, y0: y + 1, x1: x + colW - 1, y1: y + rowH - 1 };
        parts.push(rectMark(cell, { rx: 3, fill }));
        if (a.undetermined) parts.push(hatch(cell, dark ? '#ffffff' : INK));
        // the baseline and the value on a 0–1 track along the cell bottom
        const track = scaleLinear().domain([0, 1]).range([x + 8, x + colW - 8]), ty = y + rowH - 7;
        const trackInk = dark ? '#ffffff' : INK;
        if (roomy) parts.push(ruleY(ty, { x0: track(0), x1: track(1) }, { stroke: trackInk, 'stroke-opacity': 0.35, 'stroke-width': 1 }));
        if (roomy) parts.push(ruleX(track(a.baseline), { y0: ty - 3, y1: ty + 3 }, { stroke: trackInk, 'stroke-width': 1.2, 'data-role': 'baseline' }));
        if (roomy) parts.push(dot(track(a.value), ty, 2.2, { fill: trackInk }));
        const ink = dark ? '#ffffff' : INK;
        if (roomy) {
          parts.push(text(x + 8, y + 19, a.value.toFixed(2), { 'font-size': 14, 'font-weight': 600, fill: ink }));
          const rShown = a.undetermined ? `${a.r}→${a.undetermined.to}` : `${a.r}`; // r cut a tie: the cluster's end is shown
          const detail = colW >= 120 ? `r = ${rShown} of ${a.d} · r/d ${a.baseline.toFixed(2)}` : `r ${rShown}/${a.d} · ${a.baseline.toFixed(2)}`;
          parts.push(text(x + 8, y + 32, detail, { 'font-size': 9.5, fill: dark ? '#ffffff' : INK }));
        } else if (valueFits) {
          parts.push(text(x + colW / 2, y + rowH / 2 + 1, a.value.toFixed(2), { 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 600, fill: ink }));
        }
      } else {
        parts.push(rectMark({ x0: x + 1, y0: y + 1, x1: x + colW - 1, y1: y + rowH - 1 }, { rx: 3, fill: '#f4f5f7', stroke: '#e1e4e8', 'stroke-dasharray': '3 3' }));
        const empty = beyond ? `no ${rankText}` : l ? 'no subspace' : 'no such layer';
        if (empty.length * 5.6 + 6 <= colW) parts.push(text(x + colW / 2, y + rowH / 2 + 4, empty, { 'text-anchor': 'middle', fill: MUTED, 'font-size': 10 }));
      }
      body.push(el('g', { 'data-layer': layer, 'data-column': j, 'data-value': a ? a.value.toFixed(4) : null }, parts));
    });
  });
  const over = (focusLayer: string | null): string => {
    const y = focusLayer === null ? undefined : rowY(focusLayer);
    if (y === undefined || !cols.length) return '';
    return rectMark({ x0: x0 - 1, y0: y - 0.5, x1: x0 + colW * cols.length + 1, y1: y + rowH + 0.5 }, { rx: 4, fill: 'none', stroke: INK, 'stroke-width': 1.6, 'data-role': 'focus-row' });
  };

  // colour legend: 0…1 with the cell's track explained
  const ly = Math.min(height - legendH + 18, top + rows.length * rowH + 30);
  const lx = x0, lw = Math.max(120, Math.min(260, width - lx - 150));
  const ramp = scaleLinear().domain([0, 1]).range([lx, lx + lw]);
  const steps = 40;
  const sw: string[] = [];
  for (let i = 0; i < steps; i++) {
    sw.push(rectMark({ x0: ramp(i / steps), y0: ly, x1: ramp(i / steps) + lw / steps + 0.4, y1: ly + 10 }, { fill: alignmentColour((i + 0.5) / steps) }));
  }
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((v) => [
    ruleX(ramp(v), { y0: ly + 10, y1: ly + 14 }, { stroke: MUTED }),
    text(ramp(v), ly + 24, String(v), { 'text-anchor': 'middle', 'font-size': 9.5, fill: MUTED }),
  ].join(''));
  body.push(el('g', { 'data-role': 'legend' }, [
    text(lx, ly - 5, 'alignment = (1/r) Σ of the r largest neuron leverages', { 'font-size': 10.5 }),
    ...sw, ...ticks,
    ruleX(lx + lw + 16, { y0: ly - 1, y1: ly + 9 }, { stroke: INK, 'stroke-width': 1.2 }),
    text(lx + lw + 22, ly + 8, 'random baseline r/d', { 'font-size': 10, fill: MUTED }),
    dot(lx + lw + 19, ly + 20, 2.2, { fill: INK }),
    text(lx + lw + 25, ly + 23, 'alignment (cell track)', { 'font-size': 10, fill: MUTED }),
  ]));

  const svg = (opts: FigureOptions = {}): string => svgDocument({
    width, height, figure: 'alignment-heatmap',
    title: `Axis-alignment of the dead subspace at ${rankText}`,
    desc: 'For each layer, the bottom-r eigenvectors of the input second moment A; alignment = (1/r)·(sum of the r largest '
      + `neuron leverages), in [r/d, 1] (METHOD §5), at ${rankText}. One column per checkpoint.`,
  }, [...body, el('g', { 'data-layer': 'over' }, over(opts.focus ?? null))]);
  return { svg, layers: (focusLayer) => ({ under: '', over: over(focusLayer) }) };
}

export function buildAlignmentHeatmap(cols: readonly HeatmapColumn[], size: FigureSize, opts: HeatmapOptions & { rank?: HeatmapRank } = {}): string {
  return alignmentHeatmapModel(cols, size, opts.rank ?? 'auto').svg({ focus: opts.focusLayer ?? null });
}
