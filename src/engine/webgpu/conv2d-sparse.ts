/** Dispatcher of shaders/conv2d-sparse.wgsl: a conv2d fed by a sparse flow on whole input channels. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from './context.ts';
import { convOut } from './conv2d.ts';

export interface Conv2dSparseArgs {
  /** sparse input flow [G][M][nC][H][W]; `tan: false` = no input change */
  x: FlowRef;
  /** dense output [G][M][O][OH][OW] */
  y: FlowRef;
  /** checkpoint weight [O][C][KH][KW] */
  w: ParamRef;
  /** ΔW and Ẇ on the input channels Cin: [G][O][nC][KH][KW] */
  dwd: ParamRef;
  dwt: ParamRef;
  bd: ParamRef;
  bt: ParamRef;
  G: number;
  M: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  SH: number;
  SW: number;
  PH: number;
  PW: number;
  nC: number;
  /** offset of Cin (sorted channel indices) in idx */
  idxOff: number;
  bInOff: number;
  bOutOff: number;
}

export function encodeConv2dSparse(rec: Recorder, bind: Bindings, a: Conv2dSparseArgs): void {
  const [OH, OW] = convOut(a);
  const words = new UniformWords()
    .flow(a.x).flow(a.y).ref(a.w).ref(a.dwd).ref(a.dwt).ref(a.bd).ref(a.bt)
    .u32(a.G, a.M, a.C, a.H, a.W, a.O, a.KH, a.KW, a.SH, a.SW, a.PH, a.PW, OH, OW, a.nC, a.idxOff, a.bInOff, a.bOutOff)
    .finish();
  rec.dispatch1D('conv2d-sparse', words, bind, a.G * a.M * a.O * OH * OW);
}
