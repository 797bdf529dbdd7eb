/**
 * Geometry shared by the conv2d dispatchers (conv2d.ts, conv2d-sparse.ts): the fields both
 * kernels' uniforms carry after their flows and tensors, read by shaders/common/conv.wgsl.
 */
import type { UniformWords } from './context.ts';

export interface ConvGeometry {
  G: number;
  M: number;
  /** input channels */
  C: number;
  H: number;
  W: number;
  /** output channels computed (conv2d: may be a compact subset, the weights then hold only those) */
  O: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PH: number;
  PW: number;
}

export const convOut = (a: Pick<ConvGeometry, 'H' | 'W' | 'KH' | 'KW' | 'SH' | 'SW' | 'PH' | 'PW'>): [number, number] => [
  Math.floor((a.H + 2 * a.PH - a.KH) / a.SH) + 1,
  Math.floor((a.W + 2 * a.PW - a.KW) / a.SW) + 1,
];

/** Append G, M, C, H, W, O, KH, KW, SH, SW, PH, PW, OH, OW; returns the job size G·M·O·OH·OW. */
export function convGeometryWords(words: UniformWords, a: ConvGeometry): number {
  const [OH, OW] = convOut(a);
  words.u32(a.G, a.M, a.C, a.H, a.W, a.O, a.KH, a.KW, a.SH, a.SW, a.PH, a.PW, OH, OW);
  return a.G * a.M * a.O * OH * OW;
}
