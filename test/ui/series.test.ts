// @vitest-environment jsdom
/**
 * The training-run figure on the AdamW teacher–student run (fixtures/series), each step read by
 * the pipeline on the CPU engine: the census-λ and class-count marks map back (through the
 * drawn axis) to values counted here from each read, the chosen direction's k̂ to its reads, and
 * the step axis keeps step 0 apart from step 100. Snapshot: series-plot.ts_relu2_adamw_s1.svg.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';
import { seriesRow } from '../../src/series/series.ts';
import { seriesPlotModel, type SeriesInput } from '../../src/ui/figures/index.ts';
import { legendLabel, PROBE_TRACKS } from '../../src/ui/figures/series-plot.ts';
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

  it('what the read measured on a labelled probe is drawn beside the metadata: accuracy and loss per step', () => {
    // the real MNIST MLP read by the CLI on 64 labelled test images (test/ui/data), as a one-step run beside
    // the teacher–student steps (which have no labelled probe: no probe mark for them)
    const mnist = JSON.parse(readFileSync(resolve(process.cwd(), 'test/ui/data/mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;
    const labels = mnist.probe!.labels!;
    const points = [...input.points, { key: 'mnist', row: { ...seriesRow(mnist, { test_acc: '0.97' }, 'step_30000.safetensors') }, directions: mnist.directions }];
    const doc = parseSvg(seriesPlotModel({ ...input, points }, { width: 900, height: 0 }).svg());
    const acc = doc.querySelector(`[data-panel="test_acc, ${PROBE_TRACKS.accuracy}"]`)!;
    expect(acc).not.toBeNull();
    const dots = Array.from(acc.querySelectorAll(`[data-track="${PROBE_TRACKS.accuracy}"] circle`));
    expect(dots.map((c) => c.getAttribute('data-step'))).toEqual(['30000']);
    expect(valueOf(acc, Number(dots[0].getAttribute('cy')))).toBeCloseTo(labels.accuracy!, 2);
    const meta = acc.querySelector('[data-track="test_acc"] circle')!;
    expect(valueOf(acc, Number(meta.getAttribute('cy')))).toBeCloseTo(0.97, 2);
    // the loss beside the run's metadata losses (none here: the probe's alone)
    expect(doc.querySelector(`[data-panel="${PROBE_TRACKS.loss}"] [data-track="${PROBE_TRACKS.loss}"] circle`)!.textContent).toContain(`${PROBE_TRACKS.loss} at step 30000`);
    expect(checkLegend(doc)).toContain(PROBE_TRACKS.accuracy);
  });

  it('a long track name keeps its start and its distinguishing end in the legend, whole in the tooltip', () => {
    const ids = ['dual-factor:transformer.h.0.mlp.c_fc:0', 'dual-factor:transformer.h.0.mlp.c_fc:1'];
    const short = ids.map((id) => legendLabel(id));
    for (const [i, l] of short.entries()) {
      expect([...l]).toHaveLength(26);
      expect(ids[i].startsWith(l.split('…')[0])).toBe(true);
      expect(ids[i].endsWith(l.split('…')[1])).toBe(true);
    }
    expect(short[0]).not.toBe(short[1]);
    const points = input.points;
    const doc = parseSvg(seriesPlotModel({ ...input, points, chosen: [] }, { width: 900, height: 0 }).svg());
    expect(doc.querySelector('[data-legend="layer 0"] title')).toBeNull(); // short names: no tooltip
    expect(legendLabel('layer 0')).toBe('layer 0');
  });

  it('at phone width the legends go under the panels: every text inside the figure, step labels apart', () => {
    const W = 360;
    const doc = parseSvg(seriesPlotModel(input, { width: W, height: 0 }).svg());
    const H = Number(doc.documentElement.getAttribute('height'));
    // 0.6 em a character (wider than Liberation Sans' average) from the text's anchor
    const boxOf = (t: Element) => {
      const fs = Number(t.getAttribute('font-size') ?? t.closest('[font-size]')?.getAttribute('font-size') ?? 11);
      const w = [...(t.textContent ?? '')].length * 0.55 * fs;
      const m = /translate\(([^,]+),([^)]+)\)/.exec(t.parentElement?.getAttribute('transform') ?? '');
      const x = Number(t.getAttribute('x') ?? 0) + (m ? Number(m[1]) : 0);
      const a = t.getAttribute('text-anchor') ?? t.closest('[text-anchor]')?.getAttribute('text-anchor') ?? 'start';
      const x0 = a === 'end' ? x - w : a === 'middle' ? x - w / 2 : x;
      return { x0, x1: x0 + w };
    };
    for (const t of Array.from(doc.querySelectorAll('[data-role="legend"] text'))) {
      const b = boxOf(t);
      expect(b.x1, `legend “${t.textContent}” ends inside`).toBeLessThanOrEqual(W);
    }
    for (const p of Array.from(doc.querySelectorAll('[data-role="panel"] rect, [data-role="panel"] [data-role="frame"]'))) {
      const x = Number(p.getAttribute('x') ?? 0), w = Number(p.getAttribute('width') ?? 0);
      expect(x + w).toBeLessThanOrEqual(W);
    }
    // the plot is most of the width, not a 70 px strip beside a legend column
    const frame = doc.querySelector('[data-role="panel"] rect')!;
    expect(Number(frame.getAttribute('width'))).toBeGreaterThan(W * 0.75);
    // every legend row sits above the next panel's title and inside the figure
    const legendYs = Array.from(doc.querySelectorAll('[data-role="legend"] text')).map((t) => Number(t.getAttribute('y')));
    expect(Math.max(...legendYs)).toBeLessThan(H);
    const ticks = Array.from(doc.querySelectorAll('[data-role="axis-x"] g[transform] > text'))
      .filter((t) => /^\d+$/.test(t.textContent ?? '')).map(boxOf).sort((a, b) => a.x0 - b.x0);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i].x0, 'step labels apart').toBeGreaterThanOrEqual(ticks[i - 1].x1);
  });
});
