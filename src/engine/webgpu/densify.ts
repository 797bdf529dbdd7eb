/** Dispatcher of shaders/densify.wgsl: a sparse flow (change on U) → dense values and tangents. */
import { UniformWords, type Bindings, type FlowRef, type Recorder } from './context.ts';

export interface DensifyArgs {
  x: FlowRef;
  y: FlowRef;
  G: number;
  M: number;
  F: number;
  nU: number;
  /** offset in idx of the position map (length F; 0xffffffff = not in U) */
  posOff: number;
  /** element offset of the batch's first sample in the cached activation */
  bInOff: number;
}

/** Position map of a sorted support U over F features (0xffffffff where absent). */
export function positionMap(U: ArrayLike<number>, F: number): Uint32Array {
  const pos = new Uint32Array(F).fill(0xffffffff);
  for (let a = 0; a < U.length; a++) pos[U[a]] = a;
  return pos;
}

export function encodeDensify(rec: Recorder, bind: Bindings, a: DensifyArgs): void {
  const words = new UniformWords()
    .flow(a.x).flow(a.y)
    .u32(a.G, a.M, a.F, a.nU, a.posOff, a.bInOff)
    .finish();
  rec.dispatch1D('densify', words, bind, a.G * a.M * a.F);
}
