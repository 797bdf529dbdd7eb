/** Dispatcher of shaders/conv2d.wgsl: direct conv2d with its tangent. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from './context.ts';

export interface Conv2dArgs {
  x: FlowRef;
  y: FlowRef;
  w: ParamRef;
  b: ParamRef;
  dw: ParamRef;
  db: ParamRef;
  G: number;
  M: number;
  C: number;
  H: number;
  W: number;
  /** output channels computed (may be a compact subset: the weights then hold only those) */
  O: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PH: number;
  PW: number;
}

export const convOut = (a: Pick<Conv2dArgs, 'H' | 'W' | 'KH' | 'KW' | 'SH' | 'SW' | 'PH' | 'PW'>): [number, number] => [
  Math.floor((a.H + 2 * a.PH - a.KH) / a.SH) + 1,
  Math.floor((a.W + 2 * a.PW - a.KW) / a.SW) + 1,
];

export function encodeConv2d(rec: Recorder, bind: Bindings, a: Conv2dArgs): void {
  const [OH, OW] = convOut(a);
  const words = new UniformWords()
    .flow(a.x).flow(a.y).ref(a.w).ref(a.b).ref(a.dw).ref(a.db)
    .u32(a.G, a.M, a.C, a.H, a.W, a.O, a.KH, a.KW, a.SH, a.SW, a.PH, a.PW, OH, OW)
    .finish();
  rec.dispatch1D('conv2d', words, bind, a.G * a.M * a.O * OH * OW);
}
