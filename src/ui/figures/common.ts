/** Inputs and pieces shared by the per-direction figures (rate plot, slope plot, gauge floor). */
import { extent, scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3';
import type { DirectionClass, DirectionResult, ReadResult } from '../../read/schema.ts';
import { DEFAULT_SETTINGS } from '../../read/settings.ts';
import { CLASSES, CLASS_COLOURS, CLASS_LABELS } from '../theme.ts';
import type { LegendItem } from './marks/legend.ts';
import type { Box } from './svg.ts';

/** What the per-direction figures draw: one checkpoint's (possibly partial, possibly filtered) read. */
export interface DirectionsInput {
  /** checkpoint label shown in the subtitle */
  checkpoint: string;
  /** the directions drawn (the table's filter already applied) */
  directions: DirectionResult[];
  /** how many directions the read has before the filter (the subtitle says "n of total") */
  total?: number;
  /**
   * Every direction of the read, when a filter keeps fewer: above LINE_LIMIT they are drawn as
   * class bands behind the kept directions' lines (the selection stays in its context).
   */
  context?: DirectionResult[];
  /** ρ (METHOD §3) */
  floorRatio: number;
  /** F at or below numericalFloor × max(F_live, max F) of a direction is rounding noise (the read's setting) */
  numericalFloor?: number;
}

/**
 * Above this many directions a per-direction curve per direction is an unreadable block: the
 * rate and slope plots draw per-class quantile bands instead, with the focused direction on top.
 */
export const LINE_LIMIT = 300;

export interface FigureSize { width: number; height: number }

export interface FigureOptions {
  /** the direction to highlight (hovered or pinned) */
  focus?: string | null;
  /** add transparent wide hit paths for pointer interaction (page only; exports leave it off) */
  interactive?: boolean;
}

/**
 * A built figure. `svg` is the whole standalone document (focus styling written as attributes:
 * what the export and the snapshots use). The page renders `svg({ interactive: true })` once per
 * data change and, on hover, swaps only the focus layers (`<g data-layer="under|over">`) and
 * marks the focused marks with a `data-focused` attribute (styled by the page's CSS).
 */
export interface FigureModel {
  svg(opts?: FigureOptions): string;
  layers(focus: string | null): { under: string; over: string };
  /**
   * A figure whose y-range can be zoomed (the rate plot): its unzoomed y scale and plot box, and
   * how far in it zooms. The page drives d3-zoom with them and rebuilds with `FigureView.yDomain`.
   */
  zoomY?: { scale: Scale; box: Box; maxScale: number };
}

/** What the page's zoom asks of a figure: the y-range shown (omit for the whole range). */
export interface FigureView { yDomain?: [number, number] }

export function directionsInput(r: Pick<ReadResult, 'checkpoint' | 'directions' | 'settings'>, label?: string): DirectionsInput {
  return {
    checkpoint: label ?? r.checkpoint.path, directions: r.directions, floorRatio: r.settings.floorRatio,
    numericalFloor: r.settings.numericalFloor ?? DEFAULT_SETTINGS.numericalFloor,
  };
}

/**
 * A direction's rounding-noise level: numericalFloor × max(F_live, max F) (the read's own rule for
 * excluding points from windows, settings.ts). Below it a scan point carries no information.
 */
export function noiseLevel(d: DirectionResult, numericalFloor: number): number {
  let top = d.fLive > 0 ? d.fLive : 0;
  for (const F of d.scan.F) if (F > top) top = F;
  return numericalFloor * top;
}

export function classesPresent(ds: readonly DirectionResult[]): DirectionClass[] {
  const seen = new Set(ds.map((d) => d.class));
  return CLASSES.filter((c) => seen.has(c));
}

export function classLegendItems(ds: readonly DirectionResult[]): LegendItem[] {
  return classesPresent(ds).map((c) => ({ label: CLASS_LABELS[c], colour: CLASS_COLOURS[c], key: c }));
}

/** A one-line description for SVG <title> hover text: id, layer, tensors (escaped by the caller's el()). */
export function directionTitle(d: DirectionResult): string {
  const k = d.k === null ? 'no order' : `k̂ = ${d.k.toFixed(2)}`;
  return `${d.id} — ${d.class}, ${k} — ${d.tensors.join(', ')}`;
}

/** Draw order: the focus last (on top), the rest in input order. */
export function focusLast(ds: readonly DirectionResult[], focus: string | null | undefined): DirectionResult[] {
  if (!focus) return ds.slice();
  const rest = ds.filter((d) => d.id !== focus);
  const f = ds.find((d) => d.id === focus);
  return f ? [...rest, f] : rest;
}

/** Geometric mean of a and b (the midpoint of a log axis). */
export const gmean = (a: number, b: number): number => Math.sqrt(a * b);

export type Scale = ScaleContinuousNumeric<number, number>;

/** d3's log scale (base 10) over a positive domain. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  return scaleLog().base(10).domain(domain).range(range);
}

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  return scaleLinear().domain(domain[0] === domain[1] ? [domain[0] - 1, domain[1] + 1] : domain).range(range);
}

/** Extent of positive finite values (d3's extent over them), or null. */
export function positiveExtent(values: Iterable<number>): [number, number] | null {
  const [lo, hi] = extent(values, (v) => (v > 0 && Number.isFinite(v) ? v : undefined));
  return lo === undefined || hi === undefined ? null : [lo, hi];
}

/**
 * A positive extent snapped out to whole decades by d3's log-scale nice(), with at least one decade
 * of span. A bound within rounding (1e-9 relative) of a power of ten counts as that power.
 */
export function decadeDomain(ext: [number, number] | null, fallback: [number, number]): [number, number] {
  if (!ext) return fallback;
  const a = ext[0] * (1 + 2.3e-9), b = ext[1] * (1 - 2.3e-9);
  const [lo, hi] = scaleLog().domain(a <= b ? [a, b] : ext).nice().domain();
  return hi / lo < 10 * (1 - 1e-9) ? [lo / 10, hi * 10] : [lo, hi];
}

/** The scan points inside a direction's asymptotic window. */
export function windowPoints(d: DirectionResult): Array<[number, number]> {
  if (!d.window) return [];
  const [a, b] = d.window;
  const out: Array<[number, number]> = [];
  d.scan.t.forEach((t, i) => {
    const F = d.scan.F[i];
    if (t >= a * (1 - 1e-9) && t <= b * (1 + 1e-9) && F > 0) out.push([t, F]);
  });
  return out;
}
