// @vitest-environment jsdom
/**
 * The training-run figure on the AdamW teacher–student run (fixtures/series), each step read by
 * the pipeline on the CPU engine: the census-λ and class-count marks map back (through the
 * drawn axis) to values counted here from each read, the chosen direction's k̂ to its reads, and
 * the step axis keeps step 0 apart from step 100. Snapshot: series-plot.ts_relu2_adamw_s1.svg.
 */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';
import { seriesRow } from '../../src/series/series.ts';
import { seriesPlotModel, type SeriesInput } from '../../src/ui/figures/index.ts';
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import { checkLegend, parseSvg } from './helpers.ts';

// jsdom's import.meta.url is not a file URL: paths from the repository root
const RUN = resolve(process.cwd(), 'fixtures/series/ts_relu2_adamw_s1');

async function readFile(path: string): Promise<ReadResult> {
  const checkpoint = await fileSource(path);
  try {
    return await readCheckpoint({ checkpoint, checkpointName: path }, { detectors: ['node-death', 'inactive'], backend: 'cpu' }, new CpuEngine());
  } finally {
    await checkpoint.close();
  }
}
let reads: Array<{ file: string; r: ReadResult }> = [];
let input: SeriesInput;

beforeAll(async () => {
  const files = readdirSync(RUN).filter((f) => f.endsWith('.safetensors')).sort();
  reads = [];
  for (const f of files) reads.push({ file: f, r: await readFile(resolve(RUN, f)) });
  const points = reads.map(({ file, r }, i) => ({ key: `k${i}`, row: seriesRow(r, null, file), directions: r.directions }));
  const last = reads[reads.length - 1].r.directions.find((d) => d.class === 'singular')!;
  input = { run: 'ts_relu2_adamw_s1', points, chosen: [last.id] };
}, 60_000);

/** The data value of a mark's cy through its panel's linear axis (two gridline labels give the map). */
function valueOf(panel: Element, cy: number): number {
  // d3-axis places each tick (line and label) by its group's translate(0, y)
  const labels = Array.from(panel.querySelectorAll('[data-role="axis-y"] g[transform] > text')).filter((t) => /^−?[\d.]+$/.test(t.textContent ?? ''));
  const pts = labels.map((t) => [Number((t.textContent ?? '').replace('−', '-')), Number(/translate\([^,]+,([^)]+)\)/.exec(t.parentElement!.getAttribute('transform')!)![1])] as const);
  const [[v0, y0], [v1, y1]] = [pts[0], pts[pts.length - 1]];
  return v0 + ((cy - y0) / (y1 - y0)) * (v1 - v0);
}

describe('training-run figure', () => {
  it('snapshot', async () => {
    await expect(seriesPlotModel(input, { width: 900, height: 0 }).svg()).toMatchFileSnapshot('./__snapshots__/series-plot.ts_relu2_adamw_s1.svg');
  });

  it('each panel’s legend lists only its drawn tracks', () => {
    const doc = parseSvg(seriesPlotModel(input, { width: 900, height: 0 }).svg());
    expect(checkLegend(doc).length).toBeGreaterThan(4);
  });

  it('census λ and class counts per step are the reads’ own, through the drawn axes', () => {
    const doc = parseSvg(seriesPlotModel(input, { width: 900, height: 0 }).svg());
    const lambdaPanel = doc.querySelector('[data-panel="λ"]')!;
    const dots = Array.from(lambdaPanel.querySelectorAll('[data-track^="census"] circle'));
    expect(dots).toHaveLength(reads.length);
    dots.forEach((c, i) => {
      const expected = reads[i].r.directions.filter((d) => d.class === 'live' || d.class === 'singular').reduce((s, d) => s + 1 / (2 * d.kRounded!), 0);
      expect(valueOf(lambdaPanel, Number(c.getAttribute('cy')))).toBeCloseTo(expected, 1);
    });
    const counts = doc.querySelector('[data-panel="directions per class"]')!;
    const live = Array.from(counts.querySelectorAll('[data-key="live"] circle'));
    live.forEach((c, i) => {
      expect(valueOf(counts, Number(c.getAttribute('cy')))).toBeCloseTo(reads[i].r.directions.filter((d) => d.class === 'live').length, 1);
    });
  });

  it('the chosen direction’s k̂ per step, and step 0 apart from step 100', () => {
    const doc = parseSvg(seriesPlotModel(input, { width: 900, height: 0 }).svg());
    const panel = doc.querySelector('[data-panel="k̂ of chosen directions"]')!;
    const id = input.chosen[0];
    const dots = Array.from(panel.querySelectorAll('circle'));
    const ks = reads.map(({ r }) => r.directions.find((d) => d.id === id)?.k ?? null);
    expect(dots).toHaveLength(ks.filter((k) => k !== null).length);
    const withK = ks.map((k, i) => [k, i] as const).filter(([k]) => k !== null);
    dots.forEach((c, j) => expect(valueOf(panel, Number(c.getAttribute('cy')))).toBeCloseTo(withK[j][0]!, 1));
    const xs = dots.map((c) => Number(c.getAttribute('cx')));
    expect(xs[1] - xs[0]).toBeGreaterThan(40); // symlog: steps 0 and 100 are not squeezed together
  });
});
