/**
 * The UI tests' input reads (test/ui/data/<name>.read.json): each is what `deadscope read` prints
 * with these arguments, run from the repository root. Shared by regenerate.ts (writes them) and
 * stored.test.ts (reads again with the current code and fails where a stored read differs).
 */
export interface UiDataCase {
  name: string;
  args: string[];
  /**
   * Checked by re-reading only these layers (`--layers`, a shard of the same read: its directions
   * equal the whole read's on those layers) where the whole read is too long for every CI run.
   */
  checkLayers?: string[];
}

export const UI_DATA_CASES: readonly UiDataCase[] = [
  ...['ts_relu2_adamw_s1', 'ts_relu2_muon_s1', 'ts_relu_adamw_s1', 'ts_tanh_adamw_s1', 'lnmlp_gelu_s1'].map((name) => ({
    name, args: [`fixtures/${name}.safetensors`, '--backend', 'cpu'],
  })),
  // the real MNIST MLP (1 400+ directions: the band-mode figures), 64 test images on the CPU engine
  {
    name: 'mnist_mlp_probe64',
    args: ['fixtures/mnist-mlp-dfdx.safetensors', '--inputs', 'fixtures/mnist-test-1000.safetensors', '--input-cap', '64', '--backend', 'cpu'],
    checkLayers: ['3'],
  },
  // the 12-block GPT-2 (scripts/make-gpt2-blocks.ts) read block by block, as the blocks e2e test reads it in the browser
  {
    name: 'gpt2_12blocks_s7',
    args: ['fixtures/gpt2_12blocks_s7.safetensors', '--config', 'fixtures/gpt2_12blocks_s7.config.json', '--scope', 'block-local', '--probe', '64', '--backend', 'cpu'],
  },
];
