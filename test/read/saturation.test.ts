/**
 * The saturated-softmax check on the real MNIST MLP (dfdx) and the first 64 test images: the
 * share of probe inputs with 1 − max p < 1e-6 against a plain forward pass written here (ReLU
 * MLP from the raw tensors, log-sum-exp in the log domain), and the read's `saturation` field.
 */
import { describe, expect, it } from 'vitest';
import { fileSource } from '../../src/format/node-source.ts';
import { openSafetensors } from '../../src/format/safetensors.ts';
import { softmaxSaturation } from '../../src/read/saturation.ts';
import { fixture, readFixture } from '../helpers/read.ts';

const N = 64;

async function tensors(name: string): Promise<Map<string, { shape: number[]; data: Float64Array }>> {
  const src = await fileSource(fixture(name));
  try {
    const f = await openSafetensors(src, name);
    const out = new Map<string, { shape: number[]; data: Float64Array }>();
    for (const t of f.tensors) if (t.dtype !== 'I64') out.set(t.name, { shape: t.shape, data: await f.readFloat64(t.name) });
    return out;
  } finally {
    await src.close();
  }
}

/** log(1 − max p) per sample by a plain MLP forward and log-sum-exp. */
async function plainLogComplement(): Promise<{ logits: Float64Array; logComp: number[] }> {
  const w = await tensors('mnist-mlp-dfdx.safetensors');
  const images = (await tensors('mnist-test-1000.safetensors')).get('images')!;
  const layers = ['0.0', '1.0', '2.0', '3'];
  const logits = new Float64Array(N * 10);
  const logComp: number[] = [];
  for (let s = 0; s < N; s++) {
    let x = Array.from(images.data.subarray(s * 784, (s + 1) * 784), (v) => v / 255);
    layers.forEach((l, li) => {
      const W = w.get(`${l}.weight`)!, b = w.get(`${l}.bias`)!;
      const [out, inp] = W.shape;
      const y = new Array<number>(out).fill(0);
      for (let o = 0; o < out; o++) {
        let acc = b.data[o];
        for (let i = 0; i < inp; i++) acc += W.data[o * inp + i] * x[i];
        y[o] = li < layers.length - 1 ? Math.max(0, acc) : acc;
      }
      x = y;
    });
    logits.set(x, s * 10);
    const top = x.indexOf(Math.max(...x));
    const lse = (vs: number[]) => { const m = Math.max(...vs); return m + Math.log(vs.reduce((a, v) => a + Math.exp(v - m), 0)); };
    logComp.push(lse(x.filter((_, c) => c !== top)) - lse(x));
  }
  return { logits, logComp };
}

describe('saturated softmax head', () => {
  it('share and median of 1 − max p match a plain forward pass and log-sum-exp', async () => {
    const { logits, logComp } = await plainLogComplement();
    const s = softmaxSaturation(logits, N, 10);
    expect(s.saturated).toBe(logComp.filter((l) => l < Math.log(1e-6)).length);
    const sorted = logComp.slice().sort((a, b) => a - b);
    const med = (sorted[N / 2 - 1] + sorted[N / 2]) / 2; // log of the geometric middle: compare in logs
    expect(Math.log(s.medianComplement)).toBeCloseTo(Math.log((Math.exp(sorted[N / 2 - 1]) + Math.exp(sorted[N / 2])) / 2), 6);
    expect(med).toBeLessThan(Math.log(1e-6)); // the dfdx model is confident: most inputs saturate
  }, 60_000);

  it('a read of the MNIST MLP carries the share and says what it does to F', async () => {
    const r = await readFixture('mnist-mlp-dfdx.safetensors', { detectors: ['inactive'], inputCap: N, probe: N }, 'mnist-test-1000.safetensors');
    const { logComp } = await plainLogComplement();
    expect(r.saturation!.of).toBe(N);
    expect(r.saturation!.saturated).toBe(logComp.filter((l) => l < Math.log(1e-6)).length);
    expect(r.warnings.some((w) => /softmax head is saturated on \d+ of 64/.test(w))).toBe(r.saturation!.share >= 0.5);
  }, 120_000);

  it('a softmax far from saturation is not flagged', () => {
    const logits = Float64Array.from({ length: 30 }, (_, i) => (i % 3) * 0.5);
    const s = softmaxSaturation(logits, 10, 3);
    expect(s.saturated).toBe(0);
    // p = softmax(0, .5, 1): 1 − max p = (1 + e^-.5)/(1 + e^-.5 + e^-1) … written out
    const e = Math.exp;
    expect(s.medianComplement).toBeCloseTo((e(-1) + e(-0.5)) / (1 + e(-0.5) + e(-1)), 14);
  });
});
