#!/bin/sh
# Regenerate the figure-test inputs with the real CLI (the cases and their flags: test/ui/data/cases.ts).
# Run from the repository root: sh test/ui/data/regenerate.sh [name…] ; then review and update the SVG
# snapshots (npm run snapshots does both) if the read itself changed. test/ui/data/stored.test.ts fails
# while a stored read differs from a current one.
set -e
npx tsx test/ui/data/regenerate.ts "$@"
