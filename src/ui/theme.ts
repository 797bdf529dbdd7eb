/** Colours, labels and type shared by the figures, the tables and the legend. */
import type { DirectionClass } from '../read/schema.ts';

/** The order classes are listed in legends, summaries and filters. */
export const CLASSES: readonly DirectionClass[] = ['live', 'singular', 'gauge', 'inactive', 'flat', 'pre-asymptotic'];

/** Okabe–Ito based: distinguishable under the common colour-vision deficiencies and in print. */
export const CLASS_COLOURS: Record<DirectionClass, string> = {
  live: '#0072B2',
  singular: '#D55E00',
  gauge: '#009E73',
  inactive: '#4D4D4D',
  flat: '#E69F00',
  'pre-asymptotic': '#A3A3A3',
};

export const CLASS_LABELS: Record<DirectionClass, string> = {
  live: 'live',
  singular: 'singular (k ≥ 2)',
  gauge: 'gauge',
  inactive: 'inactive',
  flat: 'flat (unexplained)',
  'pre-asymptotic': 'pre-asymptotic',
};

/** What each class means, one line (METHOD.md §3). */
export const CLASS_DOCS: Record<DirectionClass, string> = {
  live: 'window with k̂ rounding to 1 and F/F_live ≥ ρ: a regular direction, λ = 1/2',
  singular: 'window with slope 2(k−1), k ≥ 2: dead of order k, λ = 1/(2k)',
  gauge: 'a symmetry detector’s direction whose scan along its symmetry path stays below ρ',
  inactive: 'F = 0 for small t: a unit that never fires on the probe data (locally flat, not a symmetry)',
  flat: 'F/F_live < ρ along the whole line, no window with k ≥ 2, no symmetry claims it',
  'pre-asymptotic': 'no asymptotic window: no order is read (see the slope plot)',
};

/** What a direction of the class contributes to λ (METHOD §3 table). */
export const CLASS_LAMBDA: Record<DirectionClass, string> = {
  live: 'λ = 1/2 each',
  singular: 'λ = 1/(2k) each',
  gauge: 'λ = 0 (symmetry)',
  inactive: 'λ = 0, flagged',
  flat: 'λ = 0, unexplained',
  'pre-asymptotic': 'no order read',
};

/** Font stack written into every SVG (and used by the page). Liberation Sans is metric-compatible with Arial. */
export const FONT_STACK = "Inter, 'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";
export const MONO_STACK = "'JetBrains Mono', 'SFMono-Regular', Menlo, Consolas, 'Liberation Mono', 'DejaVu Sans Mono', monospace";

export const INK = '#1f2328';
export const MUTED = '#6e7781';
export const GRID = '#e6e8eb';
/** a plot's outline */
export const FRAME = '#c9ced4';
export const GUIDE = '#8c959f';
export const WINDOW_FILL = '#fff1c2';
export const FLOOR_FILL = '#eef6f1';
