/** The frame mark: the outline of a plot's box (drawn last, over the marks' ends). */
import { FRAME } from '../../theme.ts';
import type { Box } from '../svg.ts';
import { rectMark } from './rect.ts';

export function frame(box: Box): string {
  return rectMark(box, { fill: 'none', stroke: FRAME, 'stroke-width': 1 });
}
