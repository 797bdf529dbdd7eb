/**
 * Probe inputs a user gives to a transformer: an images safetensors for a ViT is the probe as given
 * (the graph's plain forward on it equals the independent ViT forward), and images of another size
 * are the user's mistake, said plainly; without inputs the probe is seeded N(0, 1) images of the
 * configured size.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { writeSafetensors } from '../../src/format/writer.ts';
import { loadModel } from '../../src/read/pipeline.ts';
import { evaluateDense } from '../../src/ops/interpret.ts';
import { createRng } from '../../src/math/random.ts';
import * as T from '../helpers/transformers.ts';
import * as R from '../helpers/transformer-forward.ts';

describe('ViT probe inputs', () => {
  const ck = T.vitHf();
  const images = (n: number, side: number) => {
    const rng = createRng(31);
    return bytesSource(writeSafetensors([{ name: 'images', dtype: 'F32', shape: [n, 3, side, side], data: Array.from({ length: n * 3 * side * side }, () => Math.round(rng.normal() * 64) / 64) }]));
  };
  const sources = (inputs: ReturnType<typeof images> | null) => ({ checkpoint: bytesSource(ck.bytes), checkpointName: 'vit.safetensors', configText: JSON.stringify(ck.config), inputs, inputsName: inputs ? 'images.safetensors' : null });

  it('an images safetensors is the probe, and the graph on it equals the independent forward', async () => {
    const m = await loadModel(sources(images(5, T.IMAGE)), { probe: 64 });
    expect([m.probe.count, m.probe.shape]).toEqual([5, [3, T.IMAGE, T.IMAGE]]);
    expect(m.probeDescription).toMatch(/images\.safetensors/);
    const file = await openSafetensors(bytesSource(ck.bytes), 'vit');
    const w: R.Tensors = {};
    for (const t of file.tensors) w[t.name] = await file.readFloat64(t.name);
    const { z, outWidth } = evaluateDense(m.graph, m.params, m.probe.data, m.probe.count);
    const f = 3 * T.IMAGE * T.IMAGE;
    for (let s = 0; s < 5; s++) {
      const ref = R.vitForward(w, m.probe.data.slice(s * f, (s + 1) * f), { D: T.D, H: T.HEADS, layers: T.LAYERS, eps: 1e-12, act: 'gelu', C: 3, S: T.IMAGE, P: T.PATCH }, 'vit');
      const got = z.slice(s * outWidth, (s + 1) * outWidth);
      const scale = Math.max(...Array.from(ref, Math.abs));
      expect(Math.max(...Array.from(got, (x, i) => Math.abs(x - ref[i]))) / scale, `sample ${s}`).toBeLessThan(1e-12);
    }
  });

  it('images of another size are refused with a plain message; without inputs, seeded images of the configured size', async () => {
    const e = await loadModel(sources(images(3, 2 * T.IMAGE)), {}).then(() => null, (x: Error) => x);
    expect(e?.name).toBe('InputError');
    expect(e?.message).toBe('images.safetensors: 192 features per sample, but the model takes [3,4,4] = 48');
    const m = await loadModel(sources(null), { probe: 7 });
    expect([m.probe.count, m.probe.shape]).toEqual([7, [3, T.IMAGE, T.IMAGE]]);
  });
});
