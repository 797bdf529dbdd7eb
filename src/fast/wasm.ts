/**
 * Where the fast scan keeps its stacked matrices and how it multiplies them: a `RowStack` is one
 * growing block of memory used as a stack (weights kept at the bottom for the scan's lifetime,
 * each step's operands above them, rewound after the step), so no query allocates matrices.
 *  - `WasmRows` (f32): WebAssembly memory and the SIMD row kernel of src/fast/kernels.wat
 *    (4.6–5.4× the JavaScript kernels on the MNIST MLP's shapes, BENCHMARKS.md);
 *  - `JsRows` (f64, the reference mode): a Float64Array and `addSparseRowsTimes`.
 * Offsets are in elements. A view from `at` is valid until the next `alloc` (the memory may grow).
 */
import { ensureBytes, kernelModule } from './kernel-module.ts';
import { addSparseRowsTimes, macCounter, type FloatArray } from './gemm.ts';
import { headFisherRow } from '../engine/cpu/fisher.ts';
import type { Head } from '../engine/types.ts';

export interface RowStack {
  /** room for `len` elements; returns its offset */
  alloc(len: number): number;
  /** the stack position, to `rewind` to when a step's operands are no longer needed */
  mark(): number;
  rewind(mark: number): void;
  /** the `len` elements at `offset` (valid until the next alloc) */
  at(offset: number, len: number): FloatArray;
  /** C[r, :] += Σ_{A[r, c] ≠ 0} A[r, c]·WT[c, :] for r < rows (A rows × k, WT k × N, C rows × N) */
  rowsTimes(A: number, rows: number, k: number, WT: number, N: number, C: number): void;
  /**
   * out[j]·e^expo[j] = the head's per-sample Fisher form (METHOD §1) of the output tangent m at the
   * outputs zb + gam[j]·m, for j < count (zb, m: W elements; gam, out, expo: count); rows of one
   * sample. expo[j] ≠ 0 only where the form would underflow this stack's precision.
   * `scratch`: 2·W + 8 elements. Allocates nothing (views taken before stay valid).
   */
  headForms(head: Head, zb: number, m: number, W: number, gam: number, count: number, out: number, expo: number, scratch: number): void;
  /** Copies `data` onto the stack in f64 (whatever the stack's precision); returns its offset, for reluIntervals. */
  putF64(data: ArrayLike<number>): number;
  /**
   * Kink intervals through one ReLU of a tail: for a < S, with ub = u[samples[a]·width + e] (u from
   * putF64) and g = M[a·width + e], every e with g ≠ 0 narrows (lo[a], hi[a]) to the γ where ub + γ·g
   * keeps the side of ub (x = −ub/g raises lo when ub > 0 and g > 0 agree, else lowers hi); then
   * M[a, e] = 0 where ub ≤ 0 (the ReLU's Jacobian at θ̂). Computed in f64.
   */
  reluIntervals(u: number, samples: Int32Array, S: number, M: number, width: number, lo: Float64Array, hi: Float64Array): void;
}

/** reluIntervals in JavaScript: u and M views of the stack's array (the WebAssembly kernel does the same operations). */
function reluIntervalsJs(u: Float64Array, samples: Int32Array, S: number, M: FloatArray, width: number, lo: Float64Array, hi: Float64Array): void {
  for (let a = 0; a < S; a++) {
    const uo = samples[a] * width;
    const mo = a * width;
    let l = lo[a];
    let h = hi[a];
    for (let e = 0; e < width; e++) {
      const ub = u[uo + e];
      const g = M[mo + e];
      if (g !== 0) {
        const x = -ub / g;
        if ((ub > 0) === (g > 0)) { if (x > l) l = x; } else if (x < h) h = x;
      }
      if (!(ub > 0)) M[mo + e] = 0;
    }
    lo[a] = l;
    hi[a] = h;
  }
}

/** headForms in JavaScript over any array (f64 sums; `z`, `p`: scratch of W). */
function headFormsJs(a: FloatArray, head: Head, zb: number, m: number, W: number, gam: number, count: number, out: number, expo: number, z: Float64Array, p: Float64Array): void {
  a.fill(0, expo, expo + count);
  for (let j = 0; j < count; j++) {
    const g = a[gam + j];
    for (let e = 0; e < W; e++) z[e] = a[zb + e] + g * a[m + e];
    a[out + j] = headFisherRow(head, z, 0, a, m, W, p);
  }
}

/** Scratch rows of W f64, reused. */
class Scratch {
  z = new Float64Array(16);
  p = new Float64Array(16);
  fit(W: number): this {
    if (this.z.length < W) {
      this.z = new Float64Array(W);
      this.p = new Float64Array(W);
    }
    return this;
  }
}

/** Copies `data` onto the stack; returns its offset. */
export function put(stack: RowStack, data: ArrayLike<number>): number {
  const at = stack.alloc(data.length);
  stack.at(at, data.length).set(data);
  return at;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  rowsTimes(A: number, rows: number, k: number, WT: number, N: number, C: number, scratch: number): number;
  denseRowsTimes(A: number, rows: number, k: number, WTp: number, panels: number, C: number): void;
  softmaxVariance(zb: number, m: number, W: number, gam: number, count: number, out: number, expo: number, p: number): void;
  reluIntervals(u: number, samples: number, S: number, M: number, width: number, lo: number, hi: number): void;
}


export class WasmRows implements RowStack {
  private readonly x: KernelExports;
  private view: Float32Array;
  private top = 0;
  private readonly scratch = new Scratch();

  /** null where WebAssembly SIMD is missing (the caller then uses JsRows) */
  static create(): WasmRows | null {
    const m = kernelModule();
    return m ? new WasmRows(m) : null;
  }

  private constructor(m: WebAssembly.Module) {
    this.x = new WebAssembly.Instance(m, {}).exports as unknown as KernelExports;
    this.view = new Float32Array(this.x.memory.buffer);
  }

  private get f32(): Float32Array {
    if (this.view.buffer !== this.x.memory.buffer) this.view = new Float32Array(this.x.memory.buffer);
    return this.view;
  }

  alloc(len: number): number {
    const at = this.top;
    this.top = at + ((len + 3) & ~3); // 16-byte aligned
    // four lanes past the top stay addressable (softmaxVariance reads a row four at a time)
    ensureBytes(this.x.memory, (this.top + 4) * 4);
    return at;
  }

  mark(): number {
    return this.top;
  }

  rewind(mark: number): void {
    this.top = mark;
  }

  at(offset: number, len: number): Float32Array {
    return this.f32.subarray(offset, offset + len);
  }

  rowsTimes(A: number, rows: number, k: number, WT: number, N: number, C: number): void {
    const m = this.mark();
    const scratch = this.alloc(2 * k);
    macCounter.value += this.x.rowsTimes(4 * A, rows, k, 4 * WT, N, 4 * C, 4 * scratch) * N;
    this.rewind(m);
  }

  /**
   * C[r, :] += A[r, :]·W for r < rows, every entry of A, with W (k × 8·panels) packed by `packPanels`
   * and C rows × 8·panels: four rows share each load of W, read in order (for dense rows; the row
   * kernel reads all of W once per row).
   */
  denseTimes(A: number, rows: number, k: number, Wp: number, panels: number, C: number): void {
    this.x.denseRowsTimes(4 * A, rows, k, 4 * Wp, panels, 4 * C);
    macCounter.value += rows * k * 8 * panels;
  }

  /**
   * W (k × N, W[c, o] = at(c, o)) packed for denseTimes: panel p holds W[c, 8p … 8p + 7] for c < k
   * (zeros past N); returns its offset. ceil(N / 8) panels.
   */
  packPanels(k: number, N: number, at: (c: number, o: number) => number): number {
    const panels = Math.ceil(N / 8);
    const off = this.alloc(panels * 8 * k);
    const w = this.at(off, panels * 8 * k);
    for (let p = 0; p < panels; p++) for (let c = 0; c < k; c++) for (let j = 0; j < 8; j++) {
      const o = 8 * p + j;
      w[(p * k + c) * 8 + j] = o < N ? at(c, o) : 0;
    }
    return off;
  }

  headForms(head: Head, zb: number, m: number, W: number, gam: number, count: number, out: number, expo: number, scratch: number): void {
    if (head !== 'classification') {
      headFormsJs(this.f32, head, zb, m, W, gam, count, out, expo, this.scratch.fit(W).z, this.scratch.p);
      return;
    }
    this.x.softmaxVariance(4 * zb, 4 * m, W, 4 * gam, count, 4 * out, 4 * expo, 4 * scratch);
  }

  putF64(data: ArrayLike<number>): number {
    const at = this.alloc(2 * data.length);
    new Float64Array(this.x.memory.buffer, 4 * at, data.length).set(data);
    return at;
  }

  reluIntervals(u: number, samples: Int32Array, S: number, M: number, width: number, lo: Float64Array, hi: Float64Array): void {
    const m = this.mark();
    const sAt = this.alloc(S);
    const loAt = this.alloc(2 * S);
    const hiAt = this.alloc(2 * S);
    const buf = this.x.memory.buffer;
    new Int32Array(buf, 4 * sAt, S).set(samples.subarray(0, S));
    const loV = new Float64Array(buf, 4 * loAt, S);
    const hiV = new Float64Array(buf, 4 * hiAt, S);
    loV.set(lo.subarray(0, S));
    hiV.set(hi.subarray(0, S));
    this.x.reluIntervals(4 * u, 4 * sAt, S, 4 * M, width, 4 * loAt, 4 * hiAt);
    lo.set(loV);
    hi.set(hiV);
    this.rewind(m);
  }
}

export class JsRows implements RowStack {
  private buf = new Float64Array(1 << 16);
  private top = 0;
  private readonly scratch = new Scratch();

  alloc(len: number): number {
    const at = this.top;
    this.top += len;
    if (this.top > this.buf.length) {
      const bigger = new Float64Array(Math.max(this.top, 2 * this.buf.length));
      bigger.set(this.buf.subarray(0, at));
      this.buf = bigger;
    }
    return at;
  }

  mark(): number {
    return this.top;
  }

  rewind(mark: number): void {
    this.top = mark;
  }

  at(offset: number, len: number): Float64Array {
    return this.buf.subarray(offset, offset + len);
  }

  rowsTimes(A: number, rows: number, k: number, WT: number, N: number, C: number): void {
    addSparseRowsTimes(this.at(A, rows * k), rows, k, this.at(WT, k * N), N, this.at(C, rows * N));
  }

  headForms(head: Head, zb: number, m: number, W: number, gam: number, count: number, out: number, expo: number): void {
    headFormsJs(this.buf, head, zb, m, W, gam, count, out, expo, this.scratch.fit(W).z, this.scratch.p);
  }

  putF64(data: ArrayLike<number>): number {
    return put(this, data);
  }

  reluIntervals(u: number, samples: Int32Array, S: number, M: number, width: number, lo: Float64Array, hi: Float64Array): void {
    reluIntervalsJs(this.buf.subarray(u), samples, S, this.buf.subarray(M), width, lo, hi);
  }
}
