/**
 * The WebAssembly SIMD row kernel (src/fast/kernels.wat) against a plain f64 triple loop, on
 * shapes that exercise every branch (widths not a multiple of 4, non-zero counts not a multiple of
 * 8, all-zero rows), its f64 twin JsRows, and the checked-in compiled module against the text.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { JsRows, put, WasmRows, type RowStack } from '../../src/fast/wasm.ts';
import { macCounter } from '../../src/fast/gemm.ts';
import { createRng } from '../../src/math/random.ts';
// @ts-expect-error: a plain .mjs build script without types
import { MODULES, moduleText } from '../../scripts/build-wasm.mjs';

function sparseMatrix(rows: number, k: number, density: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const A = new Float64Array(rows * k);
  for (let i = 0; i < A.length; i++) if (rng.next() < density) A[i] = rng.normal();
  // an all-zero row
  A.fill(0, 0, k);
  return A;
}

/** C0 + A·WT by the definition, in f64 */
function reference(A: Float64Array, rows: number, k: number, WT: Float64Array, N: number, C0: Float64Array): Float64Array {
  const C = C0.slice();
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) for (let o = 0; o < N; o++) C[r * N + o] += A[r * k + c] * WT[c * N + o];
  return C;
}

function product(stack: RowStack, A: Float64Array, rows: number, k: number, WT: Float64Array, N: number, C0: Float64Array): { C: Float64Array; macs: number } {
  const m = stack.mark();
  const a = put(stack, A);
  const w = put(stack, WT);
  const c = put(stack, C0);
  const mac0 = macCounter.value;
  stack.rowsTimes(a, rows, k, w, N, c);
  const C = Float64Array.from(stack.at(c, rows * N));
  stack.rewind(m);
  return { C, macs: macCounter.value - mac0 };
}

describe('row kernel C += A·WT over the non-zeros of A', () => {
  const wasm = WasmRows.create();
  it('WebAssembly SIMD is available in this runtime', () => expect(wasm).not.toBeNull());
  for (const [rows, k, N, density] of [[7, 13, 5, 0.4], [9, 37, 18, 0.7], [4, 20, 32, 1], [3, 50, 1, 0.3], [12, 64, 130, 0.15]] as const) {
    it(`${rows}×${k} · ${k}×${N} (density ${density})`, () => {
      const A = sparseMatrix(rows, k, density, rows * 1000 + k);
      const rng = createRng(N);
      const WT = Float64Array.from({ length: k * N }, () => rng.normal());
      const C0 = Float64Array.from({ length: rows * N }, () => rng.normal());
      const want = reference(A, rows, k, WT, N, C0);
      let nnz = 0;
      A.forEach((x) => { if (x !== 0) nnz++; });
      // f32 operands: the f32 rounding of the inputs and of each partial sum
      const scale = Math.max(...want.map(Math.abs));
      const got32 = product(wasm!, A, rows, k, WT, N, C0);
      got32.C.forEach((x, i) => expect(Math.abs(x - want[i]), `f32 entry ${i}`).toBeLessThanOrEqual(1e-5 * scale));
      expect(got32.macs).toBe(nnz * N);
      const got64 = product(new JsRows(), A, rows, k, WT, N, C0);
      got64.C.forEach((x, i) => expect(Math.abs(x - want[i]), `f64 entry ${i}`).toBeLessThanOrEqual(1e-13 * scale));
      expect(got64.macs).toBe(nnz * N);
    });
  }

  // the dense kernel over packed panels (four rows share each load): rows and widths off its 4 × 8 tile
  for (const [rows, k, N] of [[1, 5, 3], [4, 16, 8], [7, 13, 21], [9, 37, 40], [12, 64, 130]] as const) {
    it(`dense ${rows}×${k} · ${k}×${N} (denseTimes over packPanels, every entry of A)`, () => {
      const rng = createRng(rows * 31 + N);
      const A = Float64Array.from({ length: rows * k }, () => rng.normal());
      const WT = Float64Array.from({ length: k * N }, () => rng.normal());
      const C0 = Float64Array.from({ length: rows * N }, () => rng.normal());
      const want = reference(A, rows, k, WT, N, C0);
      const scale = Math.max(...want.map(Math.abs));
      const st = wasm!;
      const m = st.mark();
      const panels = Math.ceil(N / 8);
      const wp = st.packPanels(k, N, (c, o) => WT[c * N + o]);
      const a = put(st, A);
      const c = st.alloc(rows * 8 * panels);
      const cv = st.at(c, rows * 8 * panels);
      for (let r = 0; r < rows; r++) for (let o = 0; o < 8 * panels; o++) cv[r * 8 * panels + o] = o < N ? C0[r * N + o] : 0;
      st.denseTimes(a, rows, k, wp, panels, c);
      const got = st.at(c, rows * 8 * panels);
      for (let r = 0; r < rows; r++) for (let o = 0; o < N; o++) {
        expect(Math.abs(got[r * 8 * panels + o] - want[r * N + o]), `entry ${r}, ${o}`).toBeLessThanOrEqual(1e-5 * scale);
      }
      st.rewind(m);
    });
  }

  it('keeps what lies below a mark when the memory grows', () => {
    const st = WasmRows.create()!;
    const kept = put(st, [1, 2, 3]);
    const m = st.mark();
    st.alloc(4 << 20); // 16 MiB: grows the memory
    expect(Array.from(st.at(kept, 3))).toEqual([1, 2, 3]);
    st.rewind(m);
    expect(st.mark()).toBe(m);
  });
});

describe('classification Fisher form of rows of one sample', () => {
  /** Var_{softmax(z)}[m] by the definition, in f64 */
  const variance = (z: number[], m: number[]) => {
    const mx = Math.max(...z);
    const e = z.map((x) => Math.exp(x - mx));
    const sum = e.reduce((a, b) => a + b, 0);
    const p = e.map((x) => x / sum);
    const mean = p.reduce((a, pc, c) => a + pc * m[c], 0);
    return p.reduce((a, pc, c) => a + pc * (m[c] - mean) ** 2, 0);
  };
  for (const [W, spread] of [[10, 3], [10, 40], [10, 400], [3, 1], [1, 1], [17, 8]] as const) {
    it(`W = ${W}, logits spread ${spread}${spread > 20 ? ' (saturated)' : ''}`, () => {
      const rng = createRng(W * 7 + spread);
      const zb = Array.from({ length: W }, () => spread * rng.normal());
      const m = Array.from({ length: W }, () => rng.normal());
      const gam = [0, 1e-4, -0.3, 2, 25];
      const want = gam.map((g) => variance(zb.map((z, c) => z + g * m[c]), m));
      for (const [name, st, tol] of [['f32 (SIMD)', WasmRows.create()!, 1e-4], ['f64', new JsRows(), 1e-13]] as const) {
        const at = { zb: put(st, zb), m: put(st, m), gam: put(st, gam), out: st.alloc(gam.length), expo: st.alloc(gam.length), scratch: st.alloc(2 * W + 8) };
        st.headForms('classification', at.zb, at.m, W, at.gam, gam.length, at.out, at.expo, at.scratch);
        const expo = st.at(at.expo, gam.length);
        const got = Array.from(st.at(at.out, gam.length), (v, j) => v * Math.exp(expo[j]));
        // relative to each row's own variance, saturated rows included (f32: logits of size ~10³ are
        // rounded by ~6e-5, which moves e^(z − max) by as much)
        got.forEach((v, j) => expect(Math.abs(v - want[j]), `${name} γ = ${gam[j]}: ${v} vs ${want[j]}`).toBeLessThanOrEqual(tol * want[j] + 1e-300));
      }
    });
  }
});

describe('kink intervals through a ReLU (reluIntervals)', () => {
  it('WebAssembly (f32 M) and JavaScript (f64 M) give the interval where no unit changes side, and mask M', () => {
    const rng = createRng(77);
    const n = 9;
    const width = 13;
    // u with exact zeros (units off at θ̂) and both signs; M with zeros
    const u = Float64Array.from({ length: n * width }, () => (rng.next() < 0.2 ? 0 : rng.normal()));
    const samples = Int32Array.of(0, 2, 3, 7, 8);
    const S = samples.length;
    const M = Float64Array.from({ length: S * width }, () => (rng.next() < 0.15 ? 0 : Math.fround(rng.normal())));
    for (const st of [WasmRows.create()!, new JsRows()]) {
      const uAt = st.putF64(u);
      const mAt = put(st, M);
      const lo = new Float64Array(S).fill(-Infinity);
      const hi = new Float64Array(S).fill(Infinity);
      st.reluIntervals(uAt, samples, S, mAt, width, lo, hi);
      const masked = st.at(mAt, S * width);
      for (let a = 0; a < S; a++) {
        expect(lo[a]).toBeLessThanOrEqual(0);
        expect(hi[a]).toBeGreaterThanOrEqual(0);
        const side = (g: number) => Array.from({ length: width }, (_, e) => u[samples[a] * width + e] + g * M[a * width + e] > 0);
        const at0 = side(0);
        // inside: every unit on its side; just outside either end: some unit has crossed
        for (const g of [lo[a] * 0.999, hi[a] * 0.999, 0.5 * (Math.max(lo[a], -1e3) + Math.min(hi[a], 1e3))]) expect(side(g)).toEqual(at0);
        const past = (x: number) => 1e-3 * Math.abs(x) + 1e-9;
        if (Number.isFinite(lo[a])) expect(side(lo[a] - past(lo[a]))).not.toEqual(at0);
        if (Number.isFinite(hi[a])) expect(side(hi[a] + past(hi[a]))).not.toEqual(at0);
        for (let e = 0; e < width; e++) expect(masked[a * width + e]).toBe(u[samples[a] * width + e] > 0 ? M[a * width + e] : 0);
      }
    }
  });
});

describe('compiled kernels', () => {
  for (const m of MODULES as { wat: string; out: string }[]) {
    const name = (f: string) => `src/fast/${f.split(/[\\/]/).pop()}`;
    it(`${name(m.out)} is the compile of ${name(m.wat)} (run \`node scripts/build-wasm.mjs\`)`, async () => {
      expect(readFileSync(m.out, 'utf8')).toBe(await moduleText(m));
    });
  }
});
