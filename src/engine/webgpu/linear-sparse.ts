/** Dispatcher of shaders/linear-sparse.wgsl: a linear layer fed by a sparse flow (change on U). */
import { UniformWords, type Bindings, type FlowRef, type ParamRef, type Recorder } from './context.ts';

export interface LinearSparseArgs {
  /** sparse input flow [G][M][nU]; `tan: false` = no input change at all */
  x: FlowRef;
  /** dense output: full values and tangents [G][M][outF] */
  y: FlowRef;
  /** checkpoint weight [outF][inF] */
  w: ParamRef;
  /** ΔW and Ẇ restricted to the columns U: [G][outF][nU] */
  dwd: ParamRef;
  dwt: ParamRef;
  /** Δb, ḃ: [G][outF] */
  bd: ParamRef;
  bt: ParamRef;
  M: number;
  G: number;
  inF: number;
  outF: number;
  nU: number;
  /** offset of U (sorted feature indices) in the idx buffer */
  idxOff: number;
  /** element offsets of the batch's first sample in the cached input / output */
  bInOff: number;
  bOutOff: number;
}

export function encodeLinearSparse(rec: Recorder, bind: Bindings, a: LinearSparseArgs): void {
  const words = new UniformWords()
    .flow(a.x).flow(a.y).ref(a.w).ref(a.dwd).ref(a.dwt).ref(a.bd).ref(a.bt)
    .u32(a.M, a.inF, a.outF, a.G, a.nU, a.idxOff, a.bInOff, a.bOutOff)
    .finish();
  rec.dispatch1D('linear-sparse', words, bind, a.G * a.M * a.outF);
}
