// @vitest-environment jsdom
/**
 * The heatmap marks a cell whose r cuts a cluster of tied eigenvalues of A (its bottom-r subspace
 * is not unique, METHOD §5 notes): hatched, and the tooltip says which eigenvalues tie and that the
 * value shown is the whole cluster's. On the stored MNIST MLP read (8 probe inputs: A has rank ≤ 8,
 * so every r ≤ 8 of the 512-unit layer cuts its cluster of zero eigenvalues).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';
import { buildAlignmentHeatmap } from '../../src/ui/figures/index.ts';
import { parseSvg } from './helpers.ts';

describe('alignment heatmap: undetermined cells', () => {
  it('a cell whose r cuts tied eigenvalues is hatched and says so; a determined one is not', () => {
    const read = JSON.parse(readFileSync(resolve(import.meta.dirname, '../reads/mnist-mlp-dfdx.read.json'), 'utf8')) as ReadResult;
    const cols = [{ name: 'mnist', layers: read.layers }];
    const layer0 = read.layers[0];
    const cut = layer0.axisAlignment!.sweep[2];
    expect(cut.undetermined).toBeDefined();
    const doc = parseSvg(buildAlignmentHeatmap(cols, { width: 720, height: 400 }, { rank: 3 }));
    const cell = doc.querySelector(`g[data-layer="${layer0.layer}"][data-column="0"]`)!;
    expect(cell.querySelector('[data-role="undetermined"]')).not.toBeNull();
    const { from, to } = cut.undetermined!;
    expect(cell.querySelector('title')!.textContent).toContain(`bottom-3 subspace not unique: eigenvalues ${from}…${to} tie`);
    expect(cell.querySelector('title')!.textContent).toContain(`r = ${to}`);
    expect(Number(cell.getAttribute('data-value'))).toBeCloseTo(cut.value, 4);
    // the automatic r ends the cluster: determined, not hatched
    const auto = parseSvg(buildAlignmentHeatmap(cols, { width: 720, height: 400 }));
    expect(layer0.axisAlignment!.undetermined).toBeUndefined();
    expect(auto.querySelector(`g[data-layer="${layer0.layer}"][data-column="0"] [data-role="undetermined"]`)).toBeNull();
  });
});
