/**
 * The probe check: the model's accuracy and loss on labelled probe inputs, against hand
 * computations and an independent numpy forward pass (scripts/reference/mnist_conv_probe_accuracy.py).
 */
import { describe, expect, it } from 'vitest';
import { checkLabels, metadataInputScale, probeWarning } from '../../src/read/probe-check.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { loadModel } from '../../src/read/pipeline.ts';
import { fixture, readFixture } from '../helpers/read.ts';

describe('checkLabels', () => {
  it('classification: accuracy, cross-entropy by hand, majority-class chance', () => {
    // logits of 3 samples over 2 classes; labels 0, 1, 1
    const z = [2, 0, 0, 1, 3, 0];
    const c = checkLabels('classification', z, 2, [0, 1, 1], 3, 'labels');
    expect(c.accuracy).toBeCloseTo(2 / 3, 15);
    const ce = (Math.log(1 + Math.exp(-2)) + Math.log(1 + Math.exp(-1)) + Math.log(1 + Math.exp(3))) / 3;
    expect(c.loss).toBeCloseTo(ce, 14);
    expect(c.chance).toBeCloseTo(2 / 3, 15);
    expect(c.nearChance).toBe(true); // 2/3 < 2/3 + (1/3)/4
    expect(checkLabels('classification', [5, 0, 0, 5, 0, 5], 2, [0, 1, 1], 3, 'labels').nearChance).toBe(false);
  });
  it('regression: MSE and R² by hand', () => {
    const c = checkLabels('regression', [1, 2, 3], 1, [1, 2, 5], 3, 'targets');
    expect(c.loss).toBeCloseTo(4 / 3, 15);
    // Var·n of targets: mean 8/3 → (25 + 4 + 49)/9 = 78/9
    expect(c.r2).toBeCloseTo(1 - 4 / (78 / 9), 14);
    expect(c.accuracy).toBeNull();
  });
  it('labels that are not class indices are a plain error', () => {
    expect(() => checkLabels('classification', [0, 0], 2, [2], 1, 'labels')).toThrow(/not a class index/);
  });
});

describe('__metadata__.input_scale', () => {
  it('parses decimals and fractions, rejects the rest', () => {
    expect(metadataInputScale(null)).toBeNull();
    expect(metadataInputScale({ input_scale: '1' })).toBe(1);
    expect(metadataInputScale({ input_scale: '1/255' })).toBeCloseTo(1 / 255, 18);
    expect(metadataInputScale({ input_scale: '0.5' })).toBe(0.5);
    expect(() => metadataInputScale({ input_scale: 'raw' })).toThrow(/not a positive number/);
    expect(() => metadataInputScale({ input_scale: '-1' })).toThrow(/not a positive number/);
  });

  it('is used when no setting is given; the setting wins; the JSON says which', async () => {
    const src = await fileSource(fixture('mnist-mlp-dfdx.safetensors'));
    const st = await openSafetensors(src, 'mlp');
    const tensors = [];
    for (const t of st.tensors) tensors.push({ name: t.name, dtype: 'F32' as const, shape: t.shape, data: await st.readFloat64(t.name) });
    await src.close();
    const bytes = writeSafetensors(tensors, { input_scale: '1' });
    const inputs = await fileSource(fixture('mnist-test-1000.safetensors'));
    try {
      const load = (o: { inputScale?: number }) => loadModel({ checkpoint: bytesSource(bytes), checkpointName: 'mlp-raw.safetensors', inputs, inputsName: 'mnist' }, { inputCap: 50, ...o });
      const meta = await load({});
      expect(meta.probeReport.inputScale).toEqual({ value: 1, from: 'metadata' });
      expect(Math.max(...meta.probe.data)).toBe(255);
      const set = await load({ inputScale: 1 / 255 });
      expect(set.probeReport.inputScale).toEqual({ value: 1 / 255, from: 'setting' });
      expect(Math.max(...set.probe.data)).toBe(1);
      expect(meta.labels?.tensor).toBe('labels');
      expect(meta.labels?.data.length).toBe(50);
    } finally {
      await inputs.close();
    }
  });
});

describe('MNIST conv net (trained on raw 0–255 pixels): the probe check catches the default scale', () => {
  // numpy f64 reference on the first 100 test images (scripts/reference/mnist_conv_probe_accuracy.py)
  it('at 1/255: 14 % accurate (majority class 15 %), cross-entropy 6.8916 — a loud warning', async () => {
    const r = await readFixture('mnist-convnet-tinygrad.safetensors', { detectors: ['ln-mean'], inputCap: 100 }, 'mnist-test-1000.safetensors');
    const l = r.probe!.labels!;
    expect(l.accuracy).toBeCloseTo(0.14, 12);
    expect(l.chance).toBeCloseTo(0.15, 12);
    expect(l.loss).toBeCloseTo(6.8915564071215565, 9);
    expect(l.nearChance).toBe(true);
    expect(r.probe!.inputScale).toEqual({ value: 1 / 255, from: 'default' });
    expect(r.warnings[0]).toMatch(/^PROBE CHECK: the model is 14\.0 % accurate on its 100 labelled probe inputs \(chance 15\.0 %\)/);
    expect(probeWarning(r.probe!)).toBe(r.warnings[0]);
  });
  it('at scale 1 (raw pixels): 100 % accurate, cross-entropy 0.0043823, no warning', async () => {
    const r = await readFixture('mnist-convnet-tinygrad.safetensors', { detectors: ['ln-mean'], inputCap: 100, inputScale: 1 }, 'mnist-test-1000.safetensors');
    const l = r.probe!.labels!;
    expect(l.accuracy).toBe(1);
    expect(l.loss).toBeCloseTo(0.00438231912746466, 9);
    expect(l.nearChance).toBe(false);
    expect(r.warnings.some((w) => w.startsWith('PROBE CHECK'))).toBe(false);
    expect(r.probe!.description).toMatch(/images \(first 100 of 1000: inputCap 100\)/);
  });
});
