// @vitest-environment jsdom
/**
 * The guides' "k=…" labels of the rate and slope plots sit where nothing of the data is drawn.
 * Derived from the SVG alone, independently of the placement code: each label's box (from its
 * text, font size, anchor, with a width of 0.62 em per character, wider than Liberation Sans'
 * "k=4") is tested against every drawn curve, band, focus point and fit in pixel space (path
 * data parsed back into segments and polygons, strokes widened by half their width, clipped
 * groups cut to their clip rectangle). Threshold: no overlap at all. Checked on every stored read
 * (36 to 1 462 directions: line and band modes), without a focus and with one direction of each
 * class focused, and on a zoomed rate plot.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';
import { directionsInput, type DirectionsInput } from '../../src/ui/figures/common.ts';
import { ratePlotModel } from '../../src/ui/figures/rate-plot.ts';
import { slopePlotModel } from '../../src/ui/figures/slope-plot.ts';
import { DATA_DIR, DATASETS, loadRead, parseSvg } from './helpers.ts';

const SIZE = { width: 760, height: 420 };
interface Rect { x0: number; y0: number; x1: number; y1: number }
type Pt = [number, number];

const num = (el: Element, a: string, d = 0): number => {
  const v = el.getAttribute(a);
  return v === null ? d : Number(v);
};

/** Inherited presentation attribute (the curves' stroke width can sit on a group). */
function inherited(el: Element, a: string): string | null {
  for (let e: Element | null = el; e; e = e.parentElement) if (e.hasAttribute(a)) return e.getAttribute(a);
  return null;
}

function labelBox(t: Element): Rect {
  const fs = num(t, 'font-size', 11), x = num(t, 'x'), y = num(t, 'y');
  const w = [...(t.textContent ?? '')].length * 0.62 * fs;
  const anchor = t.getAttribute('text-anchor') ?? 'start';
  const x0 = anchor === 'end' ? x - w : anchor === 'middle' ? x - w / 2 : x;
  return { x0, y0: y - 0.8 * fs, x1: x0 + w, y1: y + 0.25 * fs };
}

/** Subpaths of an absolute M/L/Z path (what d3's line and area write). */
function subpaths(d: string): Array<{ pts: Pt[]; closed: boolean }> {
  const out: Array<{ pts: Pt[]; closed: boolean }> = [];
  for (const m of d.matchAll(/([MLZ])([^MLZ]*)/g)) {
    if (m[1] === 'Z') { if (out.length) out[out.length - 1].closed = true; continue; }
    const nums = m[2].trim().split(/[\s,]+/).filter(Boolean).map(Number);
    expect(nums.length % 2, `path data ${m[0]}`).toBe(0);
    if (m[1] === 'M') out.push({ pts: [], closed: false });
    for (let i = 0; i < nums.length; i += 2) out[out.length - 1].pts.push([nums[i], nums[i + 1]]);
  }
  return out;
}

const inside = (p: Pt, r: Rect) => p[0] >= r.x0 && p[0] <= r.x1 && p[1] >= r.y0 && p[1] <= r.y1;
const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
function segmentsCross(p: Pt, q: Pt, a: Pt, b: Pt): boolean {
  const d1 = cross(a, b, p), d2 = cross(a, b, q), d3 = cross(p, q, a), d4 = cross(p, q, b);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}
function segmentMeetsRect(p: Pt, q: Pt, r: Rect): boolean {
  if (inside(p, r) || inside(q, r)) return true;
  const c: Pt[] = [[r.x0, r.y0], [r.x1, r.y0], [r.x1, r.y1], [r.x0, r.y1]];
  return c.some((a, i) => segmentsCross(p, q, a, c[(i + 1) % 4]));
}
/** Even–odd point in polygon. */
function inPolygon(p: Pt, poly: Pt[]): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}
const grow = (r: Rect, m: number): Rect => ({ x0: r.x0 - m, y0: r.y0 - m, x1: r.x1 + m, y1: r.y1 + m });
const meet = (a: Rect, b: Rect): Rect | null => {
  const r = { x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) };
  return r.x0 < r.x1 && r.y0 < r.y1 ? r : null;
};

/** Whether a drawn data element covers any of the rectangle. */
function covers(el: Element, r0: Rect, clip: Rect | null): boolean {
  const r = clip ? meet(r0, clip) : r0;
  if (!r) return false;
  const fill = inherited(el, 'fill');
  const stroke = inherited(el, 'stroke');
  const sw = stroke && stroke !== 'none' ? Number(inherited(el, 'stroke-width') ?? 1) : 0;
  const g = grow(r, sw / 2);
  if (el.tagName === 'circle') {
    const cx = num(el, 'cx'), cy = num(el, 'cy'), rad = num(el, 'r') + sw / 2;
    return meet({ x0: cx - rad, y0: cy - rad, x1: cx + rad, y1: cy + rad }, r) !== null;
  }
  if (el.tagName === 'line') return segmentMeetsRect([num(el, 'x1'), num(el, 'y1')], [num(el, 'x2'), num(el, 'y2')], g);
  if (el.tagName === 'rect') return meet({ x0: num(el, 'x'), y0: num(el, 'y'), x1: num(el, 'x') + num(el, 'width'), y1: num(el, 'y') + num(el, 'height') }, g) !== null;
  if (el.tagName !== 'path') return false;
  const filled = fill !== null && fill !== 'none';
  for (const sp of subpaths(el.getAttribute('d') ?? '')) {
    const edges = sp.pts.slice(1).map((q, i) => [sp.pts[i], q] as [Pt, Pt]);
    if (filled || sp.closed) edges.push([sp.pts[sp.pts.length - 1], sp.pts[0]]);
    if ((sw > 0 || filled) && edges.some(([p, q]) => segmentMeetsRect(p, q, sw > 0 ? g : r))) return true;
    if (filled && inPolygon([(r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2], sp.pts)) return true;
  }
  return false;
}

/** What the figure draws of the data: curves or bands, and the focus's curve, points and fit. */
const DATA_MARKS = '[data-role="curves"] *, [data-role="focus-curve"] *, [data-role="focus-points"] *, [data-role="fit"]';

function clipRect(doc: Document, el: Element): Rect | null {
  const ref = el.closest('[clip-path]')?.getAttribute('clip-path');
  if (!ref) return null;
  const rect = doc.querySelector(`${ref.replace(/^url\((.*)\)$/, '$1')} rect`)!;
  return { x0: num(rect, 'x'), y0: num(rect, 'y'), x1: num(rect, 'x') + num(rect, 'width'), y1: num(rect, 'y') + num(rect, 'height') };
}

/** Checks every guide label of the figure; returns how many there are. */
function checkLabels(svg: string, what: string): number {
  const doc = parseSvg(svg);
  const labels = Array.from(doc.querySelectorAll('text')).filter((t) => /^k=\d$/.test(t.textContent ?? ''));
  expect(labels.length, `${what}: a label per guide`).toBe(doc.querySelectorAll('[data-role="guides"] line[data-k]').length);
  const marks = Array.from(doc.querySelectorAll(DATA_MARKS)).filter((m) => ['path', 'line', 'circle', 'rect'].includes(m.tagName));
  expect(marks.length, `${what}: drawn marks`).toBeGreaterThan(0);
  const W = num(doc.documentElement, 'width'), H = num(doc.documentElement, 'height');
  const boxes = labels.map(labelBox);
  boxes.forEach((b, i) => {
    const k = labels[i].textContent;
    // inside the figure (not cut off in the export)
    expect(b.x0 >= 0 && b.x1 <= W && b.y0 >= 0 && b.y1 <= H, `${what}: ${k} inside the figure`).toBe(true);
    const hit = marks.find((m) => covers(m, b, clipRect(doc, m)));
    expect(hit ? `${k} covers ${hit.tagName} ${hit.getAttribute('data-role') ?? hit.getAttribute('data-direction-id') ?? hit.parentElement?.getAttribute('data-class') ?? ''}` : null, what).toBeNull();
    boxes.slice(0, i).forEach((o, j) => expect(meet(b, o), `${what}: ${k} over ${labels[j].textContent}`).toBeNull());
    // beside its own guide: within 20 px of the guide line of the same k
    const guide = doc.querySelector(`line[data-k="${k!.slice(2)}"]`)!;
    expect(guide, `${what}: the guide of ${k}`).not.toBeNull();
    const ends: Pt[] = [[num(guide, 'x1'), num(guide, 'y1')], [num(guide, 'x2'), num(guide, 'y2')]];
    const gap = Math.min(...ends.map(([x, y]) => Math.hypot(Math.max(b.x0 - x, 0, x - b.x1), Math.max(b.y0 - y, 0, y - b.y1))));
    expect(gap, `${what}: ${k} ${gap.toFixed(1)} px from its guide`).toBeLessThan(20);
  });
  return labels.length;
}

const mnist = JSON.parse(readFileSync(resolve(DATA_DIR, 'mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;
const gpt2 = JSON.parse(readFileSync(resolve(DATA_DIR, 'gpt2_12blocks_s7.read.json'), 'utf8')) as ReadResult;
const inputs: Array<[string, DirectionsInput]> = [
  ...DATASETS.map((n): [string, DirectionsInput] => [n, directionsInput(loadRead(n))]),
  ['mnist_mlp_probe64', directionsInput(mnist)], ['gpt2_12blocks_s7', directionsInput(gpt2)],
];

/** No focus, then the first direction of each class with a window (the fan anchors there), and one without. */
function foci(inp: DirectionsInput): Array<string | null> {
  const seen = new Set<string>();
  const out: Array<string | null> = [null];
  for (const d of inp.directions) {
    const key = `${d.class}:${d.window ? 'w' : '-'}`;
    if (!seen.has(key)) { seen.add(key); out.push(d.id); }
  }
  return out;
}

describe('guide labels sit where no curve or band is drawn', () => {
  for (const [name, inp] of inputs) {
    it(`rate and slope plots — ${name} (${inp.directions.length} directions)`, () => {
      let n = 0;
      const rate = ratePlotModel(inp, SIZE), slope = slopePlotModel(inp, SIZE);
      for (const focus of foci(inp)) {
        n += checkLabels(rate.svg({ focus }), `${name} rate plot, focus ${focus}`);
        n += checkLabels(slope.svg({ focus }), `${name} slope plot, focus ${focus}`);
      }
      expect(n).toBeGreaterThan(0);
    });
  }

  it('a zoomed rate plot (the curves run past the plot, clipped) — mnist_mlp_probe64', () => {
    const inp = directionsInput(mnist);
    const full = ratePlotModel(inp, SIZE).zoomY!.scale.domain() as [number, number];
    const lo = Math.log10(full[0]), hi = Math.log10(full[1]);
    let n = 0;
    for (const [a, b] of [[lo + 0.3 * (hi - lo), lo + 0.6 * (hi - lo)], [lo, lo + 0.4 * (hi - lo)], [lo + 0.7 * (hi - lo), hi]]) {
      const model = ratePlotModel(inp, SIZE, { yDomain: [10 ** a, 10 ** b] });
      // a zoom that leaves the fan's anchor above the view draws no guide (and no label)
      for (const focus of foci(inp).slice(0, 4)) n += checkLabels(model.svg({ focus }), `zoom ${a.toFixed(1)}…${b.toFixed(1)}, focus ${focus}`);
    }
    expect(n).toBeGreaterThan(0);
  });
});
