/**
 * denseRowsTimes (the f64 engine's dense linear product, four rows × two outputs a pass) gives the
 * bits of the plain definition y[r, o] = b[o] + Σ_c W[o, c]·x[r, c], summed in c order, for both
 * stored layouts ([out, in] and GPT-2's Conv1D [in, out]) and row/output counts off the tile.
 */
import { describe, expect, it } from 'vitest';
import { denseRowsTimes } from '../../src/fast/gemm.ts';
import { createRng } from '../../src/math/random.ts';

function plain(x: Float64Array, rows: number, inF: number, W: Float32Array, at: (o: number, c: number) => number, outF: number, b: Float64Array | null): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) for (let o = 0; o < outF; o++) {
    let a = b ? b[o] : 0;
    for (let c = 0; c < inF; c++) a += W[at(o, c)] * x[r * inF + c];
    y[r * outF + o] = a;
  }
  return y;
}

describe('dense linear rows (denseRowsTimes) = the definition, to the bit', () => {
  for (const [rows, inF, outF, layout, bias] of [[7, 13, 5, 'out-in', true], [8, 16, 6, 'in-out', false], [3, 9, 1, 'in-out', true], [12, 32, 33, 'out-in', false]] as const) {
    it(`${rows} rows, ${inF} → ${outF}, W stored ${layout}${bias ? ', bias' : ''}`, () => {
      const rng = createRng(rows * 100 + outF);
      const W = Float32Array.from({ length: inF * outF }, () => rng.normal());
      const x = Float64Array.from({ length: (rows + 2) * inF }, () => rng.normal());
      const b = bias ? Float64Array.from({ length: outF }, () => rng.normal()) : null;
      const at = layout === 'out-in' ? (o: number, c: number) => o * inF + c : (o: number, c: number) => c * outF + o;
      const rowStart = Int32Array.from({ length: outF }, (_, o) => at(o, 0));
      const inStride = layout === 'out-in' ? 1 : outF;
      // rows taken from an offset of x into an offset of y
      const y = new Float64Array((rows + 1) * outF).fill(NaN);
      denseRowsTimes(x, 2 * inF, rows, inF, W, rowStart, inStride, outF, y, outF, b);
      const want = plain(x.subarray(2 * inF), rows, inF, W, at, outF, b);
      expect(Number.isNaN(y[0])).toBe(true);
      expect(Array.from(y.subarray(outF))).toEqual(Array.from(want));
    });
  }

  it("'add' continues Y's sums and k scales W (k·W[o, c]·x[r, c] added to the start in c order)", () => {
    const rng = createRng(5);
    const rows = 6, inF = 11, outF = 7, k = 0.37;
    const W = Float64Array.from({ length: inF * outF }, () => rng.normal());
    const x = Float64Array.from({ length: rows * inF }, () => rng.normal());
    const y0 = Float64Array.from({ length: rows * outF }, () => rng.normal());
    const y = y0.slice();
    denseRowsTimes(x, 0, rows, inF, W, Int32Array.from({ length: outF }, (_, o) => o * inF), 1, outF, y, 0, 'add', k);
    const want = new Float64Array(rows * outF);
    for (let r = 0; r < rows; r++) for (let o = 0; o < outF; o++) {
      let a = y0[r * outF + o];
      for (let c = 0; c < inF; c++) {
        const w = k * W[o * inF + c];
        a += w * x[r * inF + c];
      }
      want[r * outF + o] = a;
    }
    expect(Array.from(y)).toEqual(Array.from(want));
  });
});
