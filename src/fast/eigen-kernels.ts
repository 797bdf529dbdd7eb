/**
 * The eigensolver's O(n³) loops (tred2's two row sweeps and its accumulation, tql2's rotations)
 * in WebAssembly f64 (src/fast/kernels.wat): the same operations in the same order as the
 * JavaScript loops of src/math/linalg.ts, so the eigenpairs are bit-identical (test/math/linalg.test.ts),
 * 4–5× faster at n = 512 and 801 (BENCHMARKS.md). One instance per thread, its memory reused.
 */
import { ensureBytes, kernelModule } from './kernel-module.ts';

interface EigenExports {
  memory: WebAssembly.Memory;
  tred2Gather(W: number, d: number, e: number, i: number, n: number): void;
  tred2Update(W: number, d: number, e: number, i: number, n: number): void;
  tred2Accumulate(W: number, d: number, col: number, i: number, n: number): void;
  rotate(a: number, b: number, c: number, s: number, n: number): void;
}

/** An n×n workspace in WebAssembly memory: the rows of W, and d, e, col, as views. */
export interface EigenWorkspace {
  /** row j of the matrix (n f64) */
  rows: Float64Array[];
  d: Float64Array;
  e: Float64Array;
  col: Float64Array;
  tred2Gather(i: number): void;
  tred2Update(i: number): void;
  tred2Accumulate(i: number): void;
  /** rotate rows a and b (see kernels.wat) */
  rotate(a: number, b: number, c: number, s: number): void;
}

let instance: EigenExports | null | undefined;

/** Above this many matrix entries the instance is dropped after use, so its memory does not stay grown. */
const KEEP_ENTRIES = 1024 * 1024;

/** Lets a large workspace's memory go (called after each decomposition). */
export function releaseEigenWorkspace(n: number): void {
  if (n * n > KEEP_ENTRIES) instance = undefined;
}

/** A workspace for one n×n decomposition, or null where WebAssembly SIMD is missing. Valid until the next call. */
export function eigenWorkspace(n: number): EigenWorkspace | null {
  if (instance === undefined) {
    const m = kernelModule();
    instance = m ? (new WebAssembly.Instance(m, {}).exports as unknown as EigenExports) : null;
  }
  const x = instance;
  if (!x) return null;
  const rowB = 8 * n;
  const W = 0;
  const d = W + n * rowB;
  const e = d + rowB;
  const col = e + rowB;
  ensureBytes(x.memory, col + rowB);
  const buf = x.memory.buffer;
  const rows = Array.from({ length: n }, (_, j) => new Float64Array(buf, W + j * rowB, n));
  return {
    rows,
    d: new Float64Array(buf, d, n),
    e: new Float64Array(buf, e, n),
    col: new Float64Array(buf, col, n),
    tred2Gather: (i) => x.tred2Gather(W, d, e, i, n),
    tred2Update: (i) => x.tred2Update(W, d, e, i, n),
    tred2Accumulate: (i) => x.tred2Accumulate(W, d, col, i, n),
    rotate: (a, b, c, s) => x.rotate(W + a * rowB, W + b * rowB, c, s, n),
  };
}
