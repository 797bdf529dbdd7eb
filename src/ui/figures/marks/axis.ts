/**
 * The axis mark: gridlines, ticks and tick labels drawn by d3-axis from a d3 scale, then styled
 * with presentation attributes (no `currentColor`, no classes: the exported file looks the same in
 * a browser and in Inkscape) and returned as markup for the string-built figures. d3-axis needs an
 * element to draw into: the page's document, or jsdom's in the tests.
 */
import { axisBottom, axisLeft, select, type Axis, type NumberValue } from 'd3';
import { GRID, MUTED } from '../../theme.ts';
import type { Scale } from '../common.ts';
import { num, type Box } from '../svg.ts';
import { text } from './text.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MINUS = '−';

function scratch(): SVGGElement {
  const doc = globalThis.document;
  if (!doc) throw new Error('the figure axes are drawn with d3-axis, which needs a DOM (the page, or jsdom in tests)');
  return doc.createElementNS(SVG_NS, 'g') as SVGGElement;
}

/** Markup of an element's children, without the namespace declarations XMLSerializer adds. */
function inner(g: Element): string {
  const s = new XMLSerializer();
  return Array.from(g.childNodes).map((n) => s.serializeToString(n)).join('').replace(/ xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '');
}

/**
 * The decades of a log scale that d3 ticks (its powers of ten), thinned to at most `max` by
 * keeping every stride-th exponent, as exponents.
 */
export function decades(scale: Scale, max = 7): number[] {
  const exps = scale.ticks().map((v) => Math.log10(v)).filter((e) => Math.abs(e - Math.round(e)) < 1e-9).map((e) => Math.round(e));
  const all = [...new Set(exps)];
  if (all.length <= max) return all;
  const stride = Math.ceil(all.length / max);
  return all.filter((e) => e % stride === 0);
}

export interface AxisOptions {
  /** log scales label their decades as 10ⁿ */
  log?: boolean;
  /** tick values (default: the scale's own ticks; decades for a log scale) */
  values?: number[];
  /** at most this many labelled ticks (default 7) */
  maxTicks?: number;
  /** the axis title (omit for none) */
  label?: string;
  /** label format for linear ticks (default: the scale's tickFormat, with a true minus sign) */
  format?: (v: number) => string;
  /** gridlines across the box (default true) */
  grid?: boolean;
}

/** The axis title: centred under the box, or rotated beside it. */
export function axisLabel(orient: 'bottom' | 'left', box: Box, label: string): string {
  if (orient === 'bottom') {
    return text((box.x0 + box.x1) / 2, box.y1 + 34, label, { 'text-anchor': 'middle', 'font-size': 11.5, 'data-role': 'axis-label' });
  }
  const cx = box.x0 - 44, cy = (box.y0 + box.y1) / 2;
  return text(cx, cy, label, {
    'text-anchor': 'middle', 'font-size': 11.5, transform: `rotate(-90 ${num(cx)} ${num(cy)})`, 'data-role': 'axis-label',
  });
}

/** Draw one d3 axis generator into a fresh group and bring its attributes to the figures' style. */
function draw(gen: Axis<NumberValue>, transform: string, style: (g: SVGGElement) => void): string {
  const g = scratch();
  const sel = select(g);
  sel.call(gen);
  sel.select('.domain').remove(); // the frame is drawn by the figure
  for (const a of ['fill', 'font-size', 'font-family']) g.removeAttribute(a);
  sel.selectAll<SVGGElement, unknown>('.tick').each(function () {
    this.removeAttribute('class');
    this.removeAttribute('opacity');
    const t = /translate\(([^,]+),([^)]+)\)/.exec(this.getAttribute('transform') ?? '');
    if (t) this.setAttribute('transform', `translate(${num(Number(t[1]))},${num(Number(t[2]))})`);
  });
  style(g);
  const anchor = g.getAttribute('text-anchor');
  return `<g transform="${transform}"${anchor ? ` text-anchor="${anchor}"` : ''}>${inner(g)}</g>`;
}

/**
 * An axis along the bottom or left edge of `box`: light gridlines across the box, short ticks
 * outside it and tick labels, all placed by d3-axis from `scale`.
 */
export function axis(orient: 'bottom' | 'left', scale: Scale, box: Box, o: AxisOptions = {}): string {
  const exps = o.log ? (o.values ? o.values.map((v) => Math.round(Math.log10(v))) : decades(scale, o.maxTicks ?? 7)) : null;
  const values = exps ? exps.map((e) => 10 ** e) : (o.values ?? scale.ticks(o.maxTicks ?? 7));
  const fmt = o.format ?? ((v: number) => scale.tickFormat(o.maxTicks ?? 7)(v).replace('-', MINUS));
  const make = () => (orient === 'bottom' ? axisBottom(scale) : axisLeft(scale)).tickValues(values).offset(0).tickSizeOuter(0);
  const at = orient === 'bottom' ? `translate(0,${num(box.y1)})` : `translate(${num(box.x0)},0)`;
  const span = orient === 'bottom' ? box.y1 - box.y0 : box.x1 - box.x0;

  const grid = o.grid === false ? '' : draw(make().tickSize(-span).tickFormat(() => ''), at, (g) => {
    select(g).selectAll('line').attr('stroke', GRID).attr('stroke-width', 1);
    select(g).selectAll('text').remove();
  });
  const ticks = draw(make().tickSize(4).tickPadding(3).tickFormat((v) => (exps ? '' : fmt(Number(v)))), at, (g) => {
    select(g).selectAll('line').attr('stroke', MUTED);
    const texts = select(g).selectAll<SVGTextElement, unknown>('text').attr('fill', MUTED);
    if (exps) {
      texts.each(function (_, i) {
        const e = exps[i];
        this.textContent = e === 0 ? '1' : '10';
        if (e !== 0 && e !== 1) {
          const sup = this.ownerDocument.createElementNS(SVG_NS, 'tspan');
          sup.setAttribute('dy', '-5');
          sup.setAttribute('font-size', '8');
          sup.textContent = e < 0 ? `${MINUS}${-e}` : String(e);
          this.appendChild(sup);
        }
      });
    }
  });
  return `<g data-role="axis-${orient === 'bottom' ? 'x' : 'y'}">${grid}${ticks}${o.label ? axisLabel(orient, box, o.label) : ''}</g>`;
}

/** A log axis labelled by decade (10ⁿ). */
export function logAxis(orient: 'bottom' | 'left', scale: Scale, box: Box, label: string, maxTicks = 7): string {
  return axis(orient, scale, box, { log: true, label, maxTicks });
}

/** A linear y axis at the given values (default: the scale's ticks). */
export function linearYAxis(scale: Scale, box: Box, label: string, values?: number[]): string {
  return axis('left', scale, box, { label, values });
}
