/**
 * Axis alignment (METHOD §5) of gated MLPs (SwiGLU): the units are the features of φ(gate·x) ⊙ up·x
 * that the down map reads. A planted dead unit (gate row, up row, down column zero) makes e_u an
 * exact null vector of A = E[h hᵀ]: r = 1 and alignment 1 (closed form). Block-locally, the r-sweep
 * equals the alignment computed from a plain forward pass of the block (RMSNorm, SiLU gate) with
 * A diagonalised by Jacobi rotations.
 */
import { describe, expect, it } from 'vitest';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { createRng } from '../../src/math/random.ts';
import { jacobiEigen } from '../../src/math/linalg.ts';
import * as T from '../helpers/transformers.ts';

describe('axis alignment of SwiGLU MLPs', () => {
  it('whole LLaMA network: every gated MLP has its layer statistics; a planted dead unit gives r = 1, alignment 1', async () => {
    const ck = T.llamaHf(3);
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) },
      { probe: 8, detectors: ['glu-unit'], perDecade: 2 }, new CpuEngine({ precision: 'f64' }));
    expect(r.scope).toBe('whole');
    expect(r.layers.map((l) => [l.layer, l.width, l.inactiveUnits])).toEqual([['model.layers.0.mlp.gate_proj', T.MLP, null], ['model.layers.1.mlp.gate_proj', T.MLP, null]]);
    const planted = r.layers[0].axisAlignment!;
    expect([planted.r, planted.d, planted.baseline]).toEqual([1, T.MLP, 1 / T.MLP]);
    expect(planted.value).toBeCloseTo(1, 12);
    // the other layer: 8 samples × 5 positions = 40 rows, A of full rank 16: no dead direction but the bottom one
    const other = r.layers[1].axisAlignment!;
    expect(other.value).toBeGreaterThanOrEqual(1 / T.MLP);
    expect(other.value).toBeLessThan(1);
  }, 60_000);

  it('block-local: the r-sweep equals the alignment of A from a plain forward of the block (Jacobi eigenvectors)', async () => {
    const ck = T.llamaHf();
    const probe = 24;
    const r = await readCheckpoint({ checkpoint: bytesSource(ck.bytes), checkpointName: 'llama.safetensors', configText: JSON.stringify(ck.config) },
      { probe, detectors: ['glu-unit'], scope: 'block-local', perDecade: 2 }, new CpuEngine({ precision: 'f64' }));
    const layer = r.layers.find((l) => l.layer === 'model.layers.1.mlp.gate_proj')!;
    expect([layer.width, layer.scope, layer.block]).toEqual([T.MLP, 'block-local', 'model.layers.1.mlp']);
    const file = await openSafetensors(bytesSource(ck.bytes), 'llama');
    const get = (n: string) => file.readFloat64(`model.layers.1.${n}`);
    const g = await get('post_attention_layernorm.weight'), gate = await get('mlp.gate_proj.weight'), up = await get('mlp.up_proj.weight');
    const d = T.D, h = T.MLP, eps = 1e-6;
    // the block's seeded N(0, 1) inputs (the read states them), RMSNorm, h_j = silu(gate_j·n) · (up_j·n)
    const rng = createRng(0 ^ 0x5eed);
    const A = new Float64Array(h * h);
    for (let s = 0; s < probe; s++) {
      const x = Float64Array.from({ length: d }, () => rng.normal());
      const rms = 1 / Math.sqrt(x.reduce((a, z) => a + z * z, 0) / d + eps);
      const n = x.map((z, i) => z * rms * g[i]);
      const hid = Array.from({ length: h }, (_, j) => {
        let a = 0, b = 0;
        for (let i = 0; i < d; i++) { a += gate[j * d + i] * n[i]; b += up[j * d + i] * n[i]; }
        return (a / (1 + Math.exp(-a))) * b;
      });
      for (let i = 0; i < h; i++) for (let j = 0; j < h; j++) A[i * h + j] += (hid[i] * hid[j]) / probe;
    }
    // alignment at r: (1/r) · the r largest leverages ‖Uᵀ e_i‖² of the bottom-r eigenvectors
    const eig = jacobiEigen(A, h);
    const order = Array.from(eig.values, (v, i) => [v, i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
    for (const row of layer.axisAlignment!.sweep) {
      const lev = Array.from({ length: h }, (_, i) => order.slice(0, row.r).reduce((a, k) => a + eig.vectors[k][i] ** 2, 0));
      const want = lev.sort((a, b) => b - a).slice(0, row.r).reduce((a, b) => a + b, 0) / row.r;
      expect(row.value, `r = ${row.r}`).toBeCloseTo(want, 8);
      expect(row.baseline).toBeCloseTo(row.r / h, 15);
    }
  }, 60_000);
});
