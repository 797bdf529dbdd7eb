/**
 * Tiny string builder for standalone SVG. Every figure is built as a string (no DOM needed),
 * so the same code renders in the page, in the export and in a Vitest snapshot. Styles are
 * written as presentation attributes: the file opens the same in a browser and in Inkscape.
 */
import { FONT_STACK, INK, MUTED } from '../theme.ts';

export type Attrs = Record<string, string | number | null | undefined | false>;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escape text and attribute values for XML (tensor names can hold any character). */
export function esc(s: string): string {
  // Also drop characters XML 1.0 forbids (C0 controls other than tab, newline, return).
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

/** A coordinate, rounded to 2 decimals so that snapshots are stable across platforms. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return '0';
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) || r === 0 ? '0' : String(r);
}

export function attrs(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === null || v === undefined || v === false) continue;
    out += ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`;
  }
  return out;
}

/** An element; `children` is already-built markup (escape text with `esc` or use `text`). */
export function el(tag: string, a: Attrs, children?: string | string[]): string {
  const inner = Array.isArray(children) ? children.join('') : children;
  return inner === undefined || inner === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${inner}</${tag}>`;
}

export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, esc(content));
}

export interface SvgDocOptions {
  width: number;
  height: number;
  /** figure id: becomes the root's data-figure attribute */
  figure: string;
  title: string;
  desc?: string;
}

/** The root element with xmlns, size, font stack, a title/desc for accessibility and a white background. */
export function svgDocument(o: SvgDocOptions, body: string[]): string {
  return el('svg', {
    xmlns: 'http://www.w3.org/2000/svg',
    version: '1.1',
    width: o.width,
    height: o.height,
    viewBox: `0 0 ${num(o.width)} ${num(o.height)}`,
    'font-family': FONT_STACK,
    'font-size': 11,
    fill: INK,
    'data-figure': o.figure,
    role: 'img',
  }, [
    el('title', {}, esc(o.title)),
    o.desc ? el('desc', {}, esc(o.desc)) : '',
    el('rect', { x: 0, y: 0, width: o.width, height: o.height, fill: '#ffffff' }),
    ...body,
  ]);
}

/** Figure title (top-left) and optional subtitle. */
export function heading(x: number, title: string, subtitle?: string): string {
  return [
    text(x, 18, title, { 'font-size': 13, 'font-weight': 600, 'data-role': 'title' }),
    subtitle ? text(x, 33, subtitle, { 'font-size': 10.5, fill: MUTED }) : '',
  ].join('');
}

export interface Box { x0: number; y0: number; x1: number; y1: number }

/** Liang–Barsky: the part of segment (x0,y0)–(x1,y1) inside the box, or null. */
export function clipSegment(x0: number, y0: number, x1: number, y1: number, b: Box): [number, number, number, number] | null {
  let t0 = 0, t1 = 1;
  const dx = x1 - x0, dy = y1 - y0;
  const p = [-dx, dx, -dy, dy];
  const q = [x0 - b.x0, b.x1 - x0, y0 - b.y0, b.y1 - y0];
  for (let i = 0; i < 4; i++) {
    if (p[i] === 0) {
      if (q[i] < 0) return null;
    } else {
      const r = q[i] / p[i];
      if (p[i] < 0) { if (r > t1) return null; if (r > t0) t0 = r; }
      else { if (r < t0) return null; if (r < t1) t1 = r; }
    }
  }
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}

const SUPERSCRIPT_MINUS = '−';

/** A compact, deterministic number label: 0.25, 1.5, 1e-3 → "1e−3". */
export function shortNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-2 && a < 1e4) return String(Math.round(v * 1000) / 1000);
  const [m, e] = v.toExponential(1).split('e');
  const mant = m.endsWith('.0') ? m.slice(0, -2) : m;
  return `${mant}e${e.replace('-', SUPERSCRIPT_MINUS).replace('+', '')}`;
}

export function axisLabel(orient: 'bottom' | 'left', box: Box, label: string): string {
  if (orient === 'bottom') {
    return text((box.x0 + box.x1) / 2, box.y1 + 34, label, { 'text-anchor': 'middle', 'font-size': 11.5, 'data-role': 'axis-label' });
  }
  const cx = box.x0 - 44, cy = (box.y0 + box.y1) / 2;
  return text(cx, cy, label, {
    'text-anchor': 'middle', 'font-size': 11.5, transform: `rotate(-90 ${num(cx)} ${num(cy)})`, 'data-role': 'axis-label',
  });
}

export function frame(box: Box): string {
  return el('rect', {
    x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0, fill: 'none', stroke: '#c9ced4', 'stroke-width': 1,
  });
}

export interface LegendItem {
  label: string;
  colour: string;
  /** swatch shape */
  kind?: 'line' | 'dash' | 'dot' | 'band' | 'square';
  /** class name (so the page can highlight it) */
  key?: string;
  /** band swatch outline (default a neutral tan) */
  stroke?: string;
}

const LEGEND_ROW_H = 15;
/** width estimate of one legend item: 6 px per character at 10.5 px (deterministic; no text measuring) */
const legendItemWidth = (it: LegendItem): number => 22 + it.label.length * 5.9 + 14;

/** The width of a legend's items on one row. */
export function legendWidth(items: readonly LegendItem[]): number {
  return items.reduce((s, it) => s + legendItemWidth(it), 0) - 14;
}

/** A one-or-more-row legend starting at (x, y), wrapped to `maxWidth`. Returns markup and its height. */
export function legend(items: LegendItem[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  const parts: string[] = [];
  let cx = x, cy = y;
  const rowH = LEGEND_ROW_H;
  for (const it of items) {
    const w = legendItemWidth(it);
    if (cx + w > x + maxWidth && cx > x) { cx = x; cy += rowH; }
    const kind = it.kind ?? 'line';
    let sw: string;
    if (kind === 'dot') sw = el('circle', { cx: cx + 7, cy: cy - 3.5, r: 3.5, fill: it.colour });
    else if (kind === 'band') sw = el('rect', { x: cx, y: cy - 9, width: 16, height: 11, fill: it.colour, 'fill-opacity': it.stroke ? 0.35 : null, stroke: it.stroke ?? '#d9c27a', 'stroke-width': it.stroke ? 1.2 : 0.5 });
    else if (kind === 'square') sw = el('rect', { x: cx + 2, y: cy - 9, width: 11, height: 11, fill: it.colour });
    else sw = el('line', { x1: cx, x2: cx + 16, y1: cy - 3.5, y2: cy - 3.5, stroke: it.colour, 'stroke-width': kind === 'dash' ? 1.2 : 2.2, 'stroke-dasharray': kind === 'dash' ? '4 3' : null });
    parts.push(el('g', { 'data-legend': it.key ?? null }, [sw, text(cx + 21, cy, it.label, { 'font-size': 10.5, fill: INK })]));
    cx += w;
  }
  return { svg: el('g', { 'data-role': 'legend' }, parts), height: cy - y + rowH };
}

/** A deterministic pseudo-random number in [0, 1) from a string (for jitter). */
export function hash01(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
  return ((h >>> 0) % 100000) / 100000;
}
