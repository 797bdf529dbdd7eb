/** Architecture inference on every chain fixture, without help. */
import { describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/read.ts';
import type { ModelGraph } from '../../src/model/graph.ts';
import { ArchitectureError, inferArchitecture, architectureFromJson } from '../../src/model/infer.ts';

const kinds = (g: ModelGraph) => g.nodes.map(({ op }) => (op.kind === 'activation' ? op.fn : op.kind === 'maxpool' ? `pool${op.kernel}` : op.kind));

describe('architecture inference', () => {
  it('MNIST MLP (dfdx nested names): 784→512→128→32→10 with ReLU after each hidden layer', async () => {
    const { graph } = await loadFixture('mnist-mlp-dfdx.safetensors', {}, 'mnist-test-1000.safetensors');
    expect(kinds(graph)).toEqual(['linear', 'relu', 'linear', 'relu', 'linear', 'relu', 'linear']);
    expect(graph.inputShape).toEqual([784]);
    expect(graph.outputWidth).toBe(10);
    expect(graph.warnings.join(' ')).toMatch(/assuming ReLU/);
  });
  it('MNIST conv net: pools from shape arithmetic, BatchNorm from running stats', async () => {
    const expected = ['conv2d', 'relu', 'conv2d', 'relu', 'batchnorm', 'pool2', 'conv2d', 'relu', 'conv2d', 'relu', 'batchnorm', 'pool2', 'flatten', 'linear'];
    const withInputs = await loadFixture('mnist-convnet-tinygrad.safetensors', { probe: 4 }, 'mnist-test-1000.safetensors');
    expect(kinds(withInputs.graph)).toEqual(expected);
    expect(withInputs.graph.inputShape).toEqual([1, 28, 28]);
    // without inputs the smallest square size the arithmetic accepts is 28, said in a warning
    const alone = await loadFixture('mnist-convnet-tinygrad.safetensors', { probe: 2 });
    expect(kinds(alone.graph)).toEqual(expected);
    expect(alone.graph.inputShape).toEqual([1, 28, 28]);
    expect(alone.graph.warnings.join(' ')).toMatch(/input size 1×28×28 inferred/);
  });
  it('teacher–student MLPs: activation from __metadata__', async () => {
    for (const [file, fn] of [['ts_relu2_adamw_s1', 'relu2'], ['ts_relu_adamw_s1', 'relu'], ['ts_tanh_adamw_s1', 'tanh'], ['ts_relu2_muon_s1', 'relu2']]) {
      const { graph, head } = await loadFixture(`${file}.safetensors`, { probe: 4 });
      expect(kinds(graph)).toEqual(['linear', fn, 'linear']);
      expect(graph.activationSource).toBe('metadata');
      expect(head).toBe('regression');
    }
  });
  it('LayerNorm MLP: 1-D weight without running stats is LayerNorm; the gap after it is the activation', async () => {
    const { graph } = await loadFixture('lnmlp_gelu_s1.safetensors', { probe: 4 });
    expect(kinds(graph)).toEqual(['linear', 'layernorm', 'gelu', 'linear']);
  });
  it('reduced-rank linear chain: no gap, no activation', async () => {
    const { graph } = await loadFixture('rrr_M3H3N5r1_s1.safetensors', { probe: 4 });
    expect(kinds(graph)).toEqual(['linear', 'linear']);
    expect(graph.activation).toBe('identity');
  });
  it('names the tensors it cannot place', () => {
    expect(() => inferArchitecture([{ name: 'a.weight', shape: [3, 4] }, { name: 'blocks.0.attn.c_attn.qkv', shape: [3] }], null))
      .toThrow(/could not place tensors "blocks\.0\.attn\.c_attn\.qkv"/);
    try {
      inferArchitecture([{ name: 'x.weight', shape: [3, 4] }, { name: 'y.weight', shape: [2, 5] }], null);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ArchitectureError);
      expect((e as Error).message).toMatch(/do not chain.*x: linear 4→3 → y: linear 5→2/);
    }
  });
  it('accepts an explicit architecture JSON', () => {
    const tensors = [{ name: 'a.weight', shape: [5, 4] }, { name: 'a.bias', shape: [5] }, { name: 'b.weight', shape: [2, 5] }];
    const g = architectureFromJson({ inputShape: [4], activation: 'tanh', layers: [{ op: 'linear', prefix: 'a' }, { op: 'activation' }, { op: 'linear', prefix: 'b' }] }, tensors, null);
    expect(kinds(g)).toEqual(['linear', 'tanh', 'linear']);
    expect(() => architectureFromJson({ inputShape: [3], layers: [{ op: 'linear', prefix: 'a' }] }, tensors, null)).toThrow(/expects 4 inputs, gets 3/);
  });
});
