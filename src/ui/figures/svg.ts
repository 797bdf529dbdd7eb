/**
 * Tiny string builder for standalone SVG (the marks in marks/ are built on it). Every figure is
 * built as a string, so the same code renders in the page, in the export and in a Vitest snapshot. Styles are
 * written as presentation attributes: the file opens the same in a browser and in Inkscape.
 */
import { FONT_STACK, INK } from '../theme.ts';

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

/** The figures' base text size (px): the root's font-size. */
export const ROOT_FONT_SIZE = 11;

/**
 * Serif faces whose combining circumflex is drawn centred over an italic k: in the figures' sans
 * stack at 11 px the hat of "k̂" is a pixel or two over the stem and reads as "k".
 */
export const HAT_FONT = "'DejaVu Serif', 'STIX Two Text', Cambria, 'Times New Roman', serif";

/**
 * Visible text content: escaped, each "k̂" set as a math symbol (italic serif, 1.15× the text's
 * size) so its hat reads at figure sizes. The characters stay "k̂" (the text's textContent and a
 * search in the exported file find them).
 */
export function textContent(s: string, fontSize: number): string {
  return s.split('k\u0302').map(esc).join(`<tspan font-family="${esc(HAT_FONT)}" font-style="italic" font-size="${num(fontSize * 1.15)}">k\u0302</tspan>`);
}

export function attrs(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === null || v === undefined || v === false) continue;
    out += ` ${k}="${typeof v === 'number' ? num(v) : esc(v)}"`;
  }
  return out;
}

/** An element; `children` is already-built markup (escape text with `esc`, or use the text mark). */
export function el(tag: string, a: Attrs, children?: string | string[]): string {
  const inner = Array.isArray(children) ? children.join('') : children;
  return inner === undefined || inner === '' ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${inner}</${tag}>`;
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
    'font-size': ROOT_FONT_SIZE,
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

export interface Box { x0: number; y0: number; x1: number; y1: number }

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

/** A deterministic pseudo-random number in [0, 1) from a string (for jitter). */
export function hash01(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
  return ((h >>> 0) % 100000) / 100000;
}
