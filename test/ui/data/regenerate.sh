#!/bin/sh
# Regenerate the figure-test inputs with the real CLI (never hand-written numbers).
# Run from the repository root: sh test/ui/data/regenerate.sh ; then review and update the SVG snapshots
# (npm run snapshots does both) if the read itself changed.
set -e
for f in ts_relu2_adamw_s1 ts_relu2_muon_s1 ts_relu_adamw_s1 ts_tanh_adamw_s1 lnmlp_gelu_s1; do
  npx deadscope read "fixtures/$f.safetensors" 2>/dev/null > "test/ui/data/$f.read.json"
done
# the real MNIST MLP (1 437 directions: the band-mode figures), a reduced probe on the CPU engine
npx deadscope read fixtures/mnist-mlp-dfdx.safetensors --inputs fixtures/mnist-test-1000.safetensors --probe 64 --backend cpu \
  2>/dev/null > test/ui/data/mnist_mlp_probe64.read.json
# a 12-block GPT-2 (test-written by scripts/make-gpt2-blocks.ts; block-local until the engines read it whole)
npx deadscope read fixtures/gpt2_12blocks_s7.safetensors --config fixtures/gpt2_12blocks_s7.config.json \
  2>/dev/null > test/ui/data/gpt2_12blocks_s7.read.json
git rev-parse HEAD > test/ui/data/CLI_COMMIT
