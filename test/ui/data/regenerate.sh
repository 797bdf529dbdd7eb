#!/bin/sh
# Regenerate the figure-test inputs with the real CLI (never hand-written numbers).
# Run from the repository root: sh test/ui/data/regenerate.sh ; then review and update the SVG snapshots
# (npx vitest run test/ui -u) if the read itself changed.
set -e
for f in ts_relu2_adamw_s1 ts_relu2_muon_s1 ts_relu_adamw_s1 ts_tanh_adamw_s1 lnmlp_gelu_s1; do
  npx deadscope read "fixtures/$f.safetensors" 2>/dev/null > "test/ui/data/$f.read.json"
done
git rev-parse HEAD > test/ui/data/CLI_COMMIT
