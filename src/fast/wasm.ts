/**
 * Where the fast scan keeps its stacked matrices and how it multiplies them: a `RowStack` is one
 * growing block of memory used as a stack (weights kept at the bottom for the scan's lifetime,
 * each step's operands above them, rewound after the step), so no query allocates matrices.
 *  - `WasmRows` (f32): WebAssembly memory and the SIMD row kernel of src/fast/kernels.wat
 *    (4.6–5.4× the JavaScript kernels on the MNIST MLP's shapes, BENCHMARKS.md);
 *  - `JsRows` (f64, the reference mode): a Float64Array and `addSparseRowsTimes`.
 * Offsets are in elements. A view from `at` is valid until the next `alloc` (the memory may grow).
 */
import { kernelModule } from './kernel-module.ts';
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
  softmaxVariance(zb: number, m: number, W: number, gam: number, count: number, out: number, expo: number, p: number): void;
}

const PAGE = 65536;

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
    const need = (this.top + 4) * 4 - this.x.memory.buffer.byteLength;
    if (need > 0) this.x.memory.grow(Math.ceil(need / PAGE));
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

  headForms(head: Head, zb: number, m: number, W: number, gam: number, count: number, out: number, expo: number, scratch: number): void {
    if (head !== 'classification') {
      headFormsJs(this.f32, head, zb, m, W, gam, count, out, expo, this.scratch.fit(W).z, this.scratch.p);
      return;
    }
    this.x.softmaxVariance(4 * zb, 4 * m, W, 4 * gam, count, 4 * out, 4 * expo, 4 * scratch);
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
}
