/** Dispatcher of shaders/conv2d-sparse.wgsl: a conv2d fed by a sparse flow on whole input channels. */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from './context.ts';
import { convGeometryWords, type ConvGeometry } from './conv-geometry.ts';

export interface Conv2dSparseArgs extends ConvGeometry {
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
  nC: number;
  /** offset of Cin (sorted channel indices) in idx */
  idxOff: number;
  bInOff: number;
  bOutOff: number;
}

export function encodeConv2dSparse(rec: Recorder, bind: Bindings, a: Conv2dSparseArgs): void {
  const words = new UniformWords().flow(a.x).flow(a.y).ref(a.w).ref(a.dwd).ref(a.dwt).ref(a.bd).ref(a.bt);
  const total = convGeometryWords(words, a);
  words.u32(a.nC, a.idxOff, a.bInOff, a.bOutOff);
  rec.dispatch1D('conv2d-sparse', words.finish(), bind, total);
}
