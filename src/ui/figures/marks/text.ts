/**
 * The text mark: a label at a point, the figure heading, and label placement that keeps a label's
 * box clear of the marks' boxes. Widths are estimated from the character count (no text
 * measuring: the figures are built without a layout engine, and the estimate is deterministic).
 */
import { MUTED } from '../../theme.ts';
import { el, esc, ROOT_FONT_SIZE, textContent, type Attrs, type Box } from '../svg.ts';

export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, textContent(content, typeof a['font-size'] === 'number' ? a['font-size'] : ROOT_FONT_SIZE));
}

/** Text with a white halo (stroke painted under the fill): legible where lines pass under it. */
export function haloText(x: number, y: number, content: string, a: Attrs = {}): string {
  return text(x, y, content, { ...a, stroke: '#ffffff', 'stroke-width': 3, 'stroke-linejoin': 'round', 'paint-order': 'stroke' });
}

/**
 * Figure title (top-left) and optional subtitle. A subtitle wider than `maxWidth` (a phone-width
 * figure) is cut after its last ` · ` part that fits, marked with an ellipsis, and kept whole as the
 * text's tooltip, rather than running off the figure.
 */
export function heading(x: number, title: string, subtitle?: string, maxWidth = Infinity): string {
  const fits = (s: string) => [...s].length * 0.52 * 10.5 <= maxWidth;
  let shown = subtitle ?? '';
  if (!fits(shown)) {
    const parts = shown.split(' · ');
    while (parts.length > 1 && !fits(`${parts.join(' · ')} …`)) parts.pop();
    shown = `${parts.join(' · ')} …`;
    while (!fits(shown) && shown.length > 2) shown = `${[...shown].slice(0, -3).join('')}…`;
  }
  return [
    text(x, 18, title, { 'font-size': 13, 'font-weight': 600, 'data-role': 'title' }),
    subtitle ? el('text', { x, y: 33, 'font-size': 10.5, fill: MUTED }, (shown !== subtitle ? el('title', {}, esc(subtitle)) : '') + esc(shown)) : '',
  ].join('');
}

export type Anchor = 'start' | 'middle' | 'end';

/**
 * The box a one-line label covers: 0.6 em per character (wider than Liberation Sans / Arial's
 * average, so the box errs large), 0.8 em above the baseline and 0.25 em below.
 */
export function textBox(x: number, y: number, content: string, fontSize: number, anchor: Anchor = 'start'): Box {
  const w = [...content].length * 0.6 * fontSize;
  const x0 = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  return { x0, y0: y - 0.8 * fontSize, x1: x0 + w, y1: y + 0.25 * fontSize };
}

export function boxesIntersect(a: Box, b: Box): boolean {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

export interface LabelSpot { x: number; y: number; anchor: Anchor }

/**
 * The first candidate spot where the label's box lies inside `within` and meets none of the
 * `obstacles` (the marks' boxes, other labels), or null when every spot collides.
 */
export function placeLabel(candidates: readonly LabelSpot[], content: string, fontSize: number, obstacles: readonly Box[], within: Box): (LabelSpot & { box: Box }) | null {
  for (const c of candidates) {
    const box = textBox(c.x, c.y, content, fontSize, c.anchor);
    if (box.x0 < within.x0 || box.x1 > within.x1 || box.y0 < within.y0 || box.y1 > within.y1) continue;
    if (obstacles.some((o) => boxesIntersect(box, o))) continue;
    return { ...c, box };
  }
  return null;
}
