/** The rect mark: a filled region given by its box (a floor strip, a window band, a heatmap cell). */
import { el, type Attrs, type Box } from '../svg.ts';

export function rectMark(b: Box, a: Attrs = {}, children?: string): string {
  return el('rect', { x: b.x0, y: b.y0, width: Math.max(0, b.x1 - b.x0), height: Math.max(0, b.y1 - b.y0), ...a }, children);
}
