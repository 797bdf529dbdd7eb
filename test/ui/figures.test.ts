// @vitest-environment jsdom
/**
 * The four figure builders, from reads the real CLI produced (test/ui/data): SVG snapshots
 * (files under __snapshots__, viewable as images), well-formed standalone XML, axis labels,
 * legends, the linked focus, and XML escaping of tensor names.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';
import {
  buildAlignmentHeatmap, buildGaugeFloor, buildRatePlot, buildSlopePlot, directionsInput,
  GAUGE_FLOOR_AXES, HEATMAP_AXES, RATE_PLOT_AXES, SLOPE_PLOT_AXES,
} from '../../src/ui/figures/index.ts';
import { fittedLine, rateYDomain } from '../../src/ui/figures/rate-plot.ts';
import { heatmapHeight } from '../../src/ui/figures/alignment-heatmap.ts';
import { LINE_LIMIT } from '../../src/ui/figures/common.ts';
import { ratePlotModel } from '../../src/ui/figures/index.ts';
import { esc, HAT_FONT, num, shortNumber } from '../../src/ui/figures/svg.ts';
import { clipSegment } from '../../src/ui/figures/marks/rule.ts';
import { decades } from '../../src/ui/figures/marks/axis.ts';
import { logScale } from '../../src/ui/figures/common.ts';
import { CLASS_COLOURS } from '../../src/ui/theme.ts';
import { checkLegend, DATA_DIR, DATASETS, loadRead, parseSvg, textOf, type Dataset } from './helpers.ts';
import { comparePlotModel } from '../../src/ui/figures/compare-plot.ts';
import { buildNuHatPlot } from '../../src/ui/figures/index.ts';
import { nuHatCurve } from '../../src/read/fluctuation-estimate.ts';
import { singularFluctuation } from '../../src/read/fluctuation.ts';

const SIZE = { width: 640, height: 380 };
const label = (n: Dataset) => `${n}.safetensors`;
const input = (n: Dataset) => directionsInput(loadRead(n), label(n));

/** The singular direction with the most window points (a clear order-k reading), from the data. */
function clearSingular(r: ReadResult) {
  return r.directions.filter((d) => d.class === 'singular' && d.window && d.k !== null)
    .sort((a, b) => (b.window![1] / b.window![0]) - (a.window![1] / a.window![0]) || a.id.localeCompare(b.id))[0];
}

describe('figure snapshots (SVG files, from CLI reads)', () => {
  for (const n of ['ts_relu2_adamw_s1', 'lnmlp_gelu_s1'] as const) {
    it(`rate plot — ${n}`, async () => {
      await expect(buildRatePlot(input(n), SIZE)).toMatchFileSnapshot(`./__snapshots__/rate-plot.${n}.svg`);
    });
    it(`slope plot — ${n}`, async () => {
      await expect(buildSlopePlot(input(n), SIZE)).toMatchFileSnapshot(`./__snapshots__/slope-plot.${n}.svg`);
    });
    it(`gauge-floor chart — ${n}`, async () => {
      await expect(buildGaugeFloor(input(n), SIZE)).toMatchFileSnapshot(`./__snapshots__/gauge-floor-chart.${n}.svg`);
    });
  }

  it('rate and slope plots with a focused singular direction', async () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const focus = clearSingular(r).id;
    const inp = directionsInput(r, label('ts_relu2_adamw_s1'));
    await expect(buildRatePlot(inp, SIZE, { focus })).toMatchFileSnapshot('./__snapshots__/rate-plot.ts_relu2_adamw_s1.focus.svg');
    await expect(buildSlopePlot(inp, SIZE, { focus })).toMatchFileSnapshot('./__snapshots__/slope-plot.ts_relu2_adamw_s1.focus.svg');
    await expect(buildGaugeFloor(inp, SIZE, { focus })).toMatchFileSnapshot('./__snapshots__/gauge-floor-chart.ts_relu2_adamw_s1.focus.svg');
  });

  it('alignment heatmap, one column per checkpoint', async () => {
    const cols = DATASETS.map((n) => ({ name: label(n), layers: loadRead(n).layers }));
    await expect(buildAlignmentHeatmap(cols, { width: 720, height: 300 }))
      .toMatchFileSnapshot('./__snapshots__/alignment-heatmap.all.svg');
  });
});

describe('every figure is a standalone, well-formed SVG', () => {
  const figures = {
    'rate-plot': { build: (n: Dataset) => buildRatePlot(input(n), SIZE), axes: RATE_PLOT_AXES },
    'slope-plot': { build: (n: Dataset) => buildSlopePlot(input(n), SIZE), axes: SLOPE_PLOT_AXES },
    'gauge-floor-chart': { build: (n: Dataset) => buildGaugeFloor(input(n), SIZE), axes: GAUGE_FLOOR_AXES },
    'alignment-heatmap': { build: (n: Dataset) => buildAlignmentHeatmap([{ name: label(n), layers: loadRead(n).layers }], SIZE), axes: HEATMAP_AXES },
  };
  for (const [id, f] of Object.entries(figures)) {
    for (const n of DATASETS) {
      it(`${id} — ${n}`, () => {
        const svg = f.build(n);
        expect(svg).toBe(f.build(n)); // deterministic
        const doc = parseSvg(svg);
        const root = doc.documentElement;
        expect(root.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
        expect(root.getAttribute('data-figure')).toBe(id);
        expect(root.getAttribute('width')).toBe(String(SIZE.width));
        expect(root.getAttribute('font-family')).toMatch(/Arial.*sans-serif/);
        expect(doc.querySelector('title')?.textContent).toBeTruthy();
        const texts = textOf(doc);
        expect(texts).toContain(f.axes.x);
        expect(texts).toContain(f.axes.y);
        expect(doc.querySelector('[data-role="legend"]')).not.toBeNull();
        // no external references, no CSS classes: styles are inline
        expect(svg).not.toMatch(/(href|src)="(https?:)?\/\//);
        expect(svg).not.toMatch(/\sclass="/);
        expect(svg).not.toContain('NaN');
      });
    }
  }
});

describe('rate plot', () => {
  it('draws one curve per direction, coloured by class', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const doc = parseSvg(buildRatePlot(directionsInput(r), SIZE));
    const paths = Array.from(doc.querySelectorAll('[data-role="curves"] path[data-direction-id]'));
    expect(paths.map((p) => p.getAttribute('data-direction-id')).sort()).toEqual(r.directions.map((d) => d.id).sort());
    for (const p of paths) {
      const d = r.directions.find((x) => x.id === p.getAttribute('data-direction-id'))!;
      expect(p.getAttribute('stroke')).toBe(CLASS_COLOURS[d.class]);
    }
  });

  it('the focused direction shows its window, fitted slope 2(k̂−1) and the reference fan', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const d = clearSingular(r);
    const doc = parseSvg(buildRatePlot(directionsInput(r), SIZE, { focus: d.id }));
    expect(doc.querySelector('[data-role="window"]')).not.toBeNull();
    const fit = doc.querySelector('[data-role="fit"]')!;
    expect(fit).not.toBeNull();
    // the drawn line's slope in data space is 2(k̂−1): recover it from the two pixel ends
    const line = fittedLine(d)!;
    expect(line.slope).toBeCloseTo(2 * (d.k! - 1), 12);
    expect(doc.querySelector('[data-role="fit-label"]')!.textContent).toContain(`k̂ = ${d.k!.toFixed(2)}`);
    const guides = textOf(doc).filter((t) => /^k=\d$/.test(t));
    expect(guides).toEqual(['k=1', 'k=2', 'k=3', 'k=4']);
    // k̂ is set as a math symbol, its hat legible: italic serif at 1.15× the label's size, the characters unchanged
    const hat = doc.querySelector('[data-role="fit-label"] tspan')!;
    expect(hat.textContent).toBe('k\u0302');
    expect(hat.getAttribute('font-style')).toBe('italic');
    expect(hat.getAttribute('font-family')).toBe(HAT_FONT);
    expect(Number(hat.getAttribute('font-size'))).toBeCloseTo(1.15 * Number(doc.querySelector('[data-role="fit-label"]')!.getAttribute('font-size') ?? 11), 1);
    // focus drawn last (on top) with the thick stroke; the rest dimmed
    const curves = Array.from(doc.querySelectorAll('[data-role="curves"] path'));
    expect(curves[curves.length - 1].getAttribute('data-direction-id')).toBe(d.id);
    expect(curves[curves.length - 1].getAttribute('stroke-width')).toBe('2.6');
    expect(curves[0].getAttribute('stroke-opacity')).toBe('0.22');
  });

  it('a pre-asymptotic direction has no window and no fit', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const d = r.directions.find((x) => x.window === null);
    if (!d) return; // the read may classify every direction; nothing to check then
    const doc = parseSvg(buildRatePlot(directionsInput(r), SIZE, { focus: d.id }));
    expect(doc.querySelector('[data-role="window"]')).toBeNull();
    expect(doc.querySelector('[data-role="fit"]')).toBeNull();
  });

  it('interactive mode adds hit paths; the export does not', () => {
    const inp = input('ts_relu2_adamw_s1');
    expect(buildRatePlot(inp, SIZE, { interactive: true })).toContain('data-hit="true"');
    expect(buildRatePlot(inp, SIZE)).not.toContain('data-hit');
  });
});

describe('slope plot', () => {
  it('guides at 2(k−1) for k = 1…4 and the window level of the focus', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const d = clearSingular(r);
    const doc = parseSvg(buildSlopePlot(directionsInput(r), SIZE, { focus: d.id }));
    const guideYs = Array.from(doc.querySelectorAll('[data-role="guides"] line')).map((l) => Number(l.getAttribute('y1')));
    expect(guideYs).toHaveLength(4);
    // equally spaced (a linear axis), decreasing upwards
    const gaps = guideYs.slice(1).map((y, i) => guideYs[i] - y);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0], 1);
    expect(doc.querySelector('[data-role="fit-label"]')!.textContent).toContain(`α = ${(2 * (d.k! - 1)).toFixed(2)}`);
  });
});

describe('gauge-floor chart', () => {
  it('groups by gauge family (LayerNorm first), then the detectors of no symmetry, and draws ρ and the live reference', () => {
    const r = loadRead('lnmlp_gelu_s1');
    const doc = parseSvg(buildGaugeFloor(directionsInput(r), SIZE));
    const dets = Array.from(doc.querySelectorAll('text[data-detector]')).map((t) => t.getAttribute('data-detector'));
    const all = [...new Set(r.directions.map((d) => d.detector))];
    const ln = all.filter((d) => d.startsWith('ln-'));
    expect(ln.length).toBeGreaterThan(0);
    expect(dets).toEqual([...ln, ...all.filter((d) => !d.startsWith('ln-'))]);
    const families = Array.from(doc.querySelectorAll('text[data-family]')).map((t) => t.getAttribute('data-family'));
    expect(families).toEqual(['LayerNorm', 'no symmetry']);
    expect(doc.querySelector('[data-role="rho"]')).not.toBeNull();
    expect(doc.querySelector('[data-role="live-reference"]')).not.toBeNull();
    expect(textOf(doc).some((t) => t.startsWith('ρ = 1e−3'))).toBe(true);
    expect(doc.querySelectorAll('[data-role="marks"] > g[data-direction-id]')).toHaveLength(r.directions.length);
  });

  it('gauge directions sit below ρ, live ones above', () => {
    const r = loadRead('lnmlp_gelu_s1');
    const doc = parseSvg(buildGaugeFloor(directionsInput(r), SIZE));
    const rhoY = Number(doc.querySelector('[data-role="rho"]')!.getAttribute('y1'));
    for (const d of r.directions.filter((x) => x.class === 'gauge' || x.class === 'live')) {
      const c = doc.querySelector(`g[data-direction-id="${d.id}"] circle`)!;
      const cy = Number(c.getAttribute('cy'));
      if (d.class === 'gauge') expect(cy).toBeGreaterThan(rhoY);
      else if (d.ratio >= r.settings.floorRatio) expect(cy).toBeLessThan(rhoY);
    }
  });

  it('an exact zero ratio goes on the zero strip', () => {
    const r = loadRead('lnmlp_gelu_s1');
    const g = r.directions.find((d) => d.class === 'gauge')!;
    const edited = { ...directionsInput(r), directions: r.directions.map((d) => (d.id === g.id ? { ...d, ratio: 0 } : d)) };
    const doc = parseSvg(buildGaugeFloor(edited, SIZE));
    const mark = doc.querySelector(`g[data-direction-id="${g.id}"]`)!;
    expect(mark.querySelector('path')).not.toBeNull(); // the zero marker (a triangle), not a circle
    expect(textOf(doc)).toContain('0');
  });
});

describe('alignment heatmap', () => {
  it('at a chosen r the cells show the sweep at that r (and say where r exceeds d)', () => {
    const gpt2 = JSON.parse(readFileSync(resolve(DATA_DIR, 'gpt2_12blocks_s7.read.json'), 'utf8')) as ReadResult;
    const layers = gpt2.layers.filter((l) => l.axisAlignment);
    expect(layers.length).toBe(12);
    const cols = [{ name: 'gpt2', layers }];
    for (const r of [1, 3, 8]) {
      const doc = parseSvg(buildAlignmentHeatmap(cols, { width: 720, height: 900 }, { rank: r }));
      expect(doc.querySelector('title')!.textContent).toContain(`at r = ${r}`);
      for (const l of layers) {
        const cell = doc.querySelector(`g[data-layer="${l.layer}"][data-column="0"]`)!;
        const s = l.axisAlignment!.sweep.find((x) => x.r === r)!;
        expect(Number(cell.getAttribute('data-value'))).toBeCloseTo(s.value, 4);
        // METHOD §5: the random baseline is r/d; an r cutting tied eigenvalues shows the whole cluster (r = its end)
        const to = (s as { undetermined?: { to: number } }).undetermined?.to;
        expect(cell.querySelector('title')!.textContent).toContain(to === undefined ? `r/d = ${(r / l.axisAlignment!.d).toFixed(3)}` : `${to}/d = ${(to / l.axisAlignment!.d).toFixed(3)}`);
      }
    }
    // twelve rows named alike up front: each label keeps its distinguishing tail
    const doc12 = parseSvg(buildAlignmentHeatmap(cols, { width: 720, height: 900 }));
    const rowLabels = layers.map((l) => doc12.querySelector(`text[data-layer="${l.layer}"]`)!.firstChild!.textContent);
    expect(new Set(rowLabels).size).toBe(12);
    expect(rowLabels[11]).toContain('11.mlp.c_fc');
    const narrow = [{ name: 'x', layers: [{ ...layers[0], axisAlignment: { ...layers[0].axisAlignment!, d: 2, sweep: layers[0].axisAlignment!.sweep.slice(0, 2) } }] }];
    const doc = parseSvg(buildAlignmentHeatmap(narrow, { width: 720, height: 300 }, { rank: 5 }));
    expect(doc.querySelector(`g[data-layer="${layers[0].layer}"]`)!.getAttribute('data-value')).toBeNull();
    expect(textOf(doc)).toContain('no r = 5');
  });

  it('rows = layers by depth, columns = checkpoints, values and baselines from the reads', () => {
    const reads = DATASETS.map((n) => loadRead(n));
    const cols = DATASETS.map((n, i) => ({ name: label(n), layers: reads[i].layers }));
    const doc = parseSvg(buildAlignmentHeatmap(cols, { width: 720, height: 300 }));
    cols.forEach((c, j) => {
      for (const l of c.layers) {
        const cell = doc.querySelector(`g[data-layer="${l.layer}"][data-column="${j}"]`)!;
        expect(cell).not.toBeNull();
        if (l.axisAlignment) {
          expect(Number(cell.getAttribute('data-value'))).toBeCloseTo(l.axisAlignment.value, 4);
          expect(cell.querySelector('[data-role="baseline"]')).not.toBeNull();
          expect(cell.querySelector('title')!.textContent).toContain(`r/d = ${l.axisAlignment.baseline.toFixed(3)}`);
        }
      }
    });
    expect(textOf(doc).some((t) => t.includes('random baseline'))).toBe(true);
  });

  it('at the page’s height (the export’s) it fills the figure: no empty band, every column alike, rows named with their width', () => {
    const reads = DATASETS.map((n) => loadRead(n));
    const mnist = JSON.parse(readFileSync(resolve(DATA_DIR, 'mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;
    const cases = [
      [{ name: label(DATASETS[0]), layers: reads[0].layers }],
      DATASETS.map((n, i) => ({ name: label(n), layers: reads[i].layers })),
      [{ name: 'mnist-mlp-dfdx.safetensors', layers: mnist.layers }],
      Array.from({ length: 14 }, (_, i) => ({ name: `step_${String(i * 1000).padStart(5, '0')}.safetensors`, layers: mnist.layers })),
    ];
    for (const cols of cases) {
      const height = heatmapHeight(cols);
      const doc = parseSvg(buildAlignmentHeatmap(cols, { width: 720, height }));
      const ys = Array.from(doc.querySelectorAll('text')).map((t) => Number(t.getAttribute('y')));
      const bottom = Math.max(...ys);
      expect(bottom, `${cols.length} columns`).toBeLessThanOrEqual(height - 4);
      expect(height - bottom, `${cols.length} columns: empty band under the legend`).toBeLessThan(0.15 * height);
      // no checkpoint's header is set apart (the export has no active checkpoint)
      const heads = Array.from(doc.querySelectorAll('text[data-column]'));
      expect(new Set(heads.map((t) => `${t.getAttribute('font-weight')}|${t.getAttribute('fill')}|${t.getAttribute('font-size')}`)).size).toBe(1);
      expect(heads[0].getAttribute('font-weight')).toBeNull();
      for (const t of doc.querySelectorAll('text[data-layer]')) {
        const shown = Array.from(t.childNodes).filter((n) => n.nodeName !== 'title').map((n) => n.textContent).join('');
        expect(shown).toMatch(/^\S+ \(\d+ units\)$/);
      }
    }
  });

  it('empty input still renders a valid SVG', () => {
    parseSvg(buildAlignmentHeatmap([], SIZE));
  });
});

describe('escaping and helpers', () => {
  it('tensor and checkpoint names are XML-escaped', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const nasty = 'blk<0>&"q\'.weight\u0001';
    const edited = {
      checkpoint: 'a<b>&"c".safetensors',
      floorRatio: r.settings.floorRatio,
      directions: r.directions.map((d) => ({ ...d, tensors: [nasty, ...d.tensors], detector: `${d.detector}<&>`, layer: `L<${d.layer}>` })),
    };
    for (const svg of [buildRatePlot(edited, SIZE), buildSlopePlot(edited, SIZE), buildGaugeFloor(edited, SIZE),
      buildAlignmentHeatmap([{ name: edited.checkpoint, layers: r.layers.map((l) => ({ ...l, layer: `L<${l.layer}>` })) }], SIZE)]) {
      const doc = parseSvg(svg);
      const all = doc.documentElement.textContent ?? '';
      expect(all).toMatch(/a<b>&"c"|L<0>/);
    }
    const doc = parseSvg(buildRatePlot(edited, SIZE));
    expect(doc.querySelector('path[data-direction-id] title')!.textContent).toContain('blk<0>&"q\'.weight');
  });

  it('esc, num, ticks and clipping', () => {
    expect(esc(`<a & "b" 'c'>`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
    expect(esc('x\u0000y\u001fz')).toBe('xyz');
    expect(num(-0.001)).toBe('0');
    expect(num(1.005 + 1e-12)).toBe('1.01');
    expect(decades(logScale([1e-4, 1], [0, 100]))).toEqual([-4, -3, -2, -1, 0]);
    const many = decades(logScale([1e-33, 10], [0, 100]), 7);
    expect(many.length).toBeLessThanOrEqual(7);
    expect(many.every((e) => Number.isInteger(e) && e >= -33 && e <= 1)).toBe(true);
    expect(clipSegment(-10, 5, 110, 5, { x0: 0, y0: 0, x1: 100, y1: 10 })).toEqual([0, 5, 100, 5]);
    expect(clipSegment(-10, 50, 110, 50, { x0: 0, y0: 0, x1: 100, y1: 10 })).toBeNull();
  });
});

describe('figure models (the page swaps focus layers instead of rebuilding)', () => {
  it('layers(focus) are exactly the focus layers of svg({ focus })', async () => {
    const { ratePlotModel, slopePlotModel, alignmentHeatmapModel } = await import('../../src/ui/figures/index.ts');
    const r = loadRead('ts_relu2_adamw_s1');
    const inp = directionsInput(r);
    const models = [ratePlotModel(inp, SIZE), slopePlotModel(inp, SIZE)];
    for (const m of models) {
      for (const id of [null, clearSingular(r).id, r.directions[0].id]) {
        const doc = parseSvg(m.svg({ focus: id }));
        const l = m.layers(id);
        const ser = (sel: string) => {
          const g = doc.querySelector(sel)!;
          return Array.from(g.childNodes).map((n) => new XMLSerializer().serializeToString(n)).join('');
        };
        const norm = (s: string) => s.replace(/ xmlns="[^"]*"/g, '');
        expect(norm(ser('g[data-layer="under"]'))).toBe(norm(parseSvg(`<svg xmlns="http://www.w3.org/2000/svg">${l.under}</svg>`).documentElement.innerHTML));
        expect(norm(ser('g[data-layer="over"]'))).toBe(norm(parseSvg(`<svg xmlns="http://www.w3.org/2000/svg">${l.over}</svg>`).documentElement.innerHTML));
      }
    }
    const heat = alignmentHeatmapModel([{ name: 'a', layers: r.layers }], SIZE);
    expect(heat.layers(r.layers[0].layer).over).toContain('focus-row');
    expect(heat.layers(null).over).toBe('');
  });
});

describe('figures at 1 000+ directions (the real MNIST MLP read by the CLI, probe 64)', () => {
  const r = JSON.parse(readFileSync(resolve(DATA_DIR, 'mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;
  const inp = directionsInput(r, 'mnist-mlp-dfdx.safetensors');
  const W = { width: 760, height: 420 };
  const nf = r.settings.numericalFloor;
  /** the direction's noise level, written out here: numericalFloor × max(F_live, max F) */
  const noise = (d: ReadResult['directions'][number]) => nf * Math.max(d.fLive, ...d.scan.F);

  it('snapshots (band mode)', async () => {
    await expect(buildRatePlot(inp, W)).toMatchFileSnapshot('./__snapshots__/rate-plot.mnist.svg');
    await expect(buildSlopePlot(inp, W)).toMatchFileSnapshot('./__snapshots__/slope-plot.mnist.svg');
    const focus = r.directions.find((d) => d.class === 'live' && d.window)!.id;
    await expect(buildRatePlot(inp, W, { focus })).toMatchFileSnapshot('./__snapshots__/rate-plot.mnist.focus.svg');
  });

  it('draws per-class bands, not 1 437 curves; the median at each t is the median of the class', () => {
    expect(r.directions.length).toBeGreaterThan(LINE_LIMIT);
    const doc = parseSvg(buildRatePlot(inp, W));
    expect(doc.querySelectorAll('[data-role="curves"] path[data-direction-id]')).toHaveLength(0);
    const classes = [...new Set(r.directions.map((d) => d.class))];
    const bands = Array.from(doc.querySelectorAll('[data-role="bands"] > g[data-class]'));
    expect(bands.map((b) => b.getAttribute('data-class')).sort()).toEqual(classes.sort());
    for (const b of bands) {
      expect(Number(b.getAttribute('data-band'))).toBe(r.directions.filter((d) => d.class === b.getAttribute('data-class')).length);
    }
    // the live band's median at the first t, recovered from its pixel y and the axis, against a plain sort
    const frameRect = doc.querySelector('svg > rect[stroke="#c9ced4"]')!;
    const top = Number(frameRect.getAttribute('y')), bottom = top + Number(frameRect.getAttribute('height'));
    const [d0, d1] = rateYDomain(r.directions, nf).domain.map(Math.log10);
    const live = r.directions.filter((d) => d.class === 'live').map((d) => Math.log10(d.scan.F[0])).sort((a, b) => a - b);
    const m = live.length % 2 ? live[(live.length - 1) / 2] : (live[live.length / 2 - 1] + live[live.length / 2]) / 2;
    const dAttr = doc.querySelector('g[data-class="live"] [data-role="band-median"]')!.getAttribute('d')!;
    const firstY = Number(/^M[\d.]+,([\d.]+)/.exec(dAttr)![1]);
    expect(d0 + ((bottom - firstY) / (bottom - top)) * (d1 - d0)).toBeCloseTo(m, 1);
  });

  it('the y-range stops a decade under the lowest noise level, which is marked', () => {
    const lowest = Math.min(...r.directions.map(noise).filter((v) => v > 0));
    const minF = Math.min(...r.directions.flatMap((d) => d.scan.F).filter((v) => v > 0));
    expect(minF).toBeLessThan(lowest / 1e6); // the saturated head: F far under the noise level
    const { domain, floor } = rateYDomain(r.directions, nf);
    expect(floor).toBeCloseTo(lowest, 20);
    expect(domain[0]).toBeLessThan(lowest);
    expect(domain[0]).toBeGreaterThan(lowest / 100);
    const doc = parseSvg(buildRatePlot(inp, W));
    expect(doc.querySelector('[data-role="floor"]')).not.toBeNull();
    // explained in the legend, not by a label over the bands
    expect(doc.querySelector('[data-legend="floor"]')!.textContent).toContain(`numerical floor ${shortNumber(floor!)}`);
    expect(doc.querySelector('[data-role="floor-line"] text')).toBeNull();
    checkLegend(doc);
  });

  it('the focused direction is drawn as a line over the bands (in the focus layer)', () => {
    const d = r.directions.find((x) => x.class === 'flat')!;
    const doc = parseSvg(buildRatePlot(inp, W, { focus: d.id }));
    const line = doc.querySelector(`[data-layer="over"] path[data-direction-id="${d.id}"]`);
    expect(line).not.toBeNull();
    expect(ratePlotModel(inp, W).layers(d.id).over).toContain(`data-direction-id="${d.id}"`);
  });

  it('a filter drives the plot: the kept directions are drawn as lines, the subtitle says n of N', () => {
    const kept = r.directions.filter((d) => d.layer === '2.0');
    expect(kept.length).toBeLessThanOrEqual(LINE_LIMIT);
    const doc = parseSvg(buildSlopePlot({ ...inp, directions: kept, total: r.directions.length }, W));
    const ids = Array.from(doc.querySelectorAll('[data-role="curves"] path[data-direction-id]')).map((p) => p.getAttribute('data-direction-id'));
    // a direction whose every slope is under the noise level has no curve
    const withSlopes = kept.filter((d) => d.scan.slope.some((_, i) => d.scan.F[i] > noise(d) && d.scan.F[i + 1] > noise(d)));
    expect(ids.sort()).toEqual(withSlopes.map((d) => d.id).sort());
    expect(textOf(doc).some((t) => t.includes(`${kept.length} of ${r.directions.length} directions`))).toBe(true);
  });

  it('under a filter the kept directions are lines over the whole read’s class bands, on the whole read’s axes', () => {
    const kept = r.directions.filter((d) => d.layer === '2.0');
    const filtered = { ...inp, directions: kept, total: r.directions.length, context: r.directions };
    const whole = parseSvg(buildRatePlot(inp, W));
    const doc = parseSvg(buildRatePlot(filtered, W));
    const ids = Array.from(doc.querySelectorAll('[data-role="curves"] path[data-direction-id]')).map((p) => p.getAttribute('data-direction-id'));
    expect(ids.sort()).toEqual(kept.map((d) => d.id).sort());
    // the context: a band per class of the whole read, each over its own count of directions
    const bands = Array.from(doc.querySelectorAll('[data-role="bands"][data-context] g[data-band]'));
    const perClass = new Map<string, number>();
    for (const d of r.directions) perClass.set(d.class, (perClass.get(d.class) ?? 0) + 1);
    expect(bands.map((g) => [g.getAttribute('data-class'), Number(g.getAttribute('data-band'))]).sort())
      .toEqual([...perClass.entries()].filter(([c]) => bands.some((g) => g.getAttribute('data-class') === c)).sort());
    expect(bands.length).toBeGreaterThanOrEqual(3);
    // drawn under the lines, and the same y axis as the unfiltered plot (the bands fit)
    const order = Array.from(doc.querySelectorAll('[data-role="bands"], [data-role="curves"]')).map((g) => g.getAttribute('data-role'));
    expect(order).toEqual(['bands', 'curves']);
    const yTicks = (d: Document) => Array.from(d.querySelectorAll('text')).filter((t) => /^10/.test(t.textContent ?? '')).map((t) => t.textContent);
    expect(yTicks(doc)).toEqual(yTicks(whole));
    expect(textOf(doc).some((t) => t.includes(`${kept.length} of ${r.directions.length} directions over the class bands of all`))).toBe(true);
  });

  it('the slope plot leaves out slopes between points at the noise level', () => {
    const d = r.directions.find((x) => x.scan.F.some((F) => F > 0 && F <= noise(x)) && x.scan.F.some((F) => F > noise(x)))!;
    expect(d).toBeDefined();
    const doc = parseSvg(buildSlopePlot({ ...inp, directions: [d] }, W));
    const path = doc.querySelector(`path[data-direction-id="${d.id}"]`)?.getAttribute('d') ?? '';
    const informative = d.scan.slope.filter((_, i) => d.scan.F[i] > noise(d) && d.scan.F[i + 1] > noise(d) && d.scan.slope[i] >= -4 && d.scan.slope[i] <= 14).length;
    expect((path.match(/[ML]/g) ?? []).length).toBe(informative);
  });
});

/** The box a label covers, estimated here: 0.62 em per character, 0.8 em above the baseline, 0.25 em below. */
function labelBox(t: Element) {
  const size = Number(t.getAttribute('font-size') ?? 11);
  const x = Number(t.getAttribute('x')), y = Number(t.getAttribute('y'));
  const w = [...(t.textContent ?? '')].length * 0.62 * size;
  const anchor = t.getAttribute('text-anchor') ?? 'start';
  const x0 = anchor === 'end' ? x - w : anchor === 'middle' ? x - w / 2 : x;
  return { x0, x1: x0 + w, y0: y - 0.8 * size, y1: y + 0.25 * size };
}
type B = ReturnType<typeof labelBox>;
const meets = (a: B, b: B) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

describe('gauge-floor chart: the reference lines’ labels keep clear of the marks', () => {
  const gpt2 = JSON.parse(readFileSync(resolve(DATA_DIR, 'gpt2_12blocks_s7.read.json'), 'utf8')) as ReadResult;
  const mnist = JSON.parse(readFileSync(resolve(DATA_DIR, 'mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;
  const cases: Array<[string, ReturnType<typeof directionsInput>]> = [
    ...DATASETS.map((n): [string, ReturnType<typeof directionsInput>] => [n, input(n)]),
    ['gpt2_12blocks_s7', directionsInput(gpt2)], ['mnist', directionsInput(mnist)],
  ];
  for (const [name, inp] of cases) {
    it(name, () => {
      let placed = 0;
      for (const focus of [null, ...inp.directions.slice(0, 3).map((d) => d.id)]) {
        const doc = parseSvg(buildGaugeFloor(inp, SIZE, { focus }));
        // every mark's box: dots (circle r), zero markers (triangles about their translate), orbit whiskers
        const marks: B[] = [];
        for (const c of Array.from(doc.querySelectorAll('[data-role="marks"] circle'))) {
          const cx = Number(c.getAttribute('cx')), cy = Number(c.getAttribute('cy')), r = Number(c.getAttribute('r')) + 1;
          marks.push({ x0: cx - r, x1: cx + r, y0: cy - r, y1: cy + r });
        }
        for (const p of Array.from(doc.querySelectorAll('[data-role="marks"] path'))) {
          const [, tx, ty] = /translate\(([-\d.]+),([-\d.]+)\)/.exec(p.getAttribute('transform')!)!.map(Number);
          marks.push({ x0: tx - 7, x1: tx + 7, y0: ty - 7, y1: ty + 7 });
        }
        for (const l of Array.from(doc.querySelectorAll('[data-role="marks"] line'))) {
          const x = Number(l.getAttribute('x1')), ya = Number(l.getAttribute('y1')), yb = Number(l.getAttribute('y2'));
          marks.push({ x0: x - 1, x1: x + 1, y0: Math.min(ya, yb), y1: Math.max(ya, yb) });
        }
        const frameRect = doc.querySelector('svg > rect[stroke="#c9ced4"]')!;
        const fx = Number(frameRect.getAttribute('x')), fy = Number(frameRect.getAttribute('y'));
        const frameBox = { x0: fx, y0: fy, x1: fx + Number(frameRect.getAttribute('width')), y1: fy + Number(frameRect.getAttribute('height')) };
        const lines = ['rho', 'live-reference'].map((r) => Number(doc.querySelector(`[data-role="${r}"]`)!.getAttribute('y1')));
        const labels = ['rho-label', 'live-reference-label'].map((r) => doc.querySelector(`[data-role="${r}"]`)).filter((t): t is Element => t !== null);
        for (const t of labels) {
          const b = labelBox(t);
          placed++;
          for (const m of marks) expect(meets(b, m), `${t.textContent} meets a mark at ${JSON.stringify(m)}`).toBe(false);
          // inside the plot, crossing neither reference line
          expect(b.x0 >= frameBox.x0 && b.x1 <= frameBox.x1 && b.y0 >= frameBox.y0 && b.y1 <= frameBox.y1).toBe(true);
          for (const ly of lines) expect(ly > b.y0 && ly < b.y1, `${t.textContent} crosses the line at ${ly}`).toBe(false);
        }
        if (labels.length === 2) expect(meets(labelBox(labels[0]), labelBox(labels[1]))).toBe(false);
      }
      // at least ρ is labelled on every chart (the legend names both lines either way)
      expect(placed).toBeGreaterThan(0);
    });
  }

  it('the live reference is labelled where there is room, beside its line', () => {
    const doc = parseSvg(buildGaugeFloor(input('ts_relu2_adamw_s1'), SIZE));
    const t = doc.querySelector('[data-role="live-reference-label"]')!;
    const ly = Number(doc.querySelector('[data-role="live-reference"]')!.getAttribute('y1'));
    expect(Math.abs(Number(t.getAttribute('y')) - ly)).toBeLessThan(12);
  });
});

describe('legends list only the marks that are drawn', () => {
  const check = (svg: string) => checkLegend(parseSvg(svg));
  const mnist = JSON.parse(readFileSync(resolve(DATA_DIR, 'mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;
  const mi = directionsInput(mnist);

  it('rate, slope and gauge-floor plots (each read, with and without a focus, line and band mode)', () => {
    for (const inp of [...DATASETS.map(input), mi]) {
      const focus = inp.directions.find((d) => d.window && d.k !== null)?.id ?? null;
      for (const f of [null, focus]) {
        check(buildRatePlot(inp, SIZE, { focus: f }));
        check(buildSlopePlot(inp, SIZE, { focus: f }));
      }
      // the gauge chart's legend does not depend on the focus (1 400 dots in jsdom are slow to query twice)
      check(buildGaugeFloor(inp, SIZE));
    }
  });

  it('a class none of whose directions has a drawn curve is not listed (the slope plot of MNIST’s inactive units)', () => {
    const inactive = mnist.directions.filter((d) => d.class === 'inactive');
    expect(inactive.length).toBeGreaterThan(0);
    const keys = check(buildSlopePlot(mi, SIZE));
    // an inactive unit's F is 0 for small t: no slope between two informative points (written out here)
    const nf = mnist.settings.numericalFloor;
    const hasSlope = (d: ReadResult['directions'][number]) => {
      const noise = nf * Math.max(d.fLive, ...d.scan.F);
      return d.scan.slope.some((s, i) => Number.isFinite(s) && d.scan.F[i] > noise && d.scan.F[i + 1] > noise);
    };
    expect(keys.includes('inactive')).toBe(inactive.some(hasSlope));
    expect(check(buildRatePlot(mi, SIZE))).toContain('inactive');
  });

  it('compare plots (a checkpoint without the direction is not listed) and the ν̂ plot', () => {
    const a = loadRead('ts_relu2_adamw_s1'), b = loadRead('ts_relu2_muon_s1');
    const d = a.directions.find((x) => b.directions.some((y) => y.id === x.id))!;
    const ci = { id: d.id, series: [{ name: 'a.safetensors', direction: d }, { name: 'b.safetensors', direction: b.directions.find((y) => y.id === d.id)! }, { name: 'c.safetensors', direction: null }] };
    for (const kind of ['rate', 'slope'] as const) expect(check(comparePlotModel(ci, SIZE, kind).svg())).not.toContain('c.safetensors');
    const orders = [2, 3].map((k) => nuHatCurve(k, singularFluctuation(k), 1));
    expect(check(buildNuHatPlot({ checkpoint: 'x', orders }, SIZE))).toEqual(['2', '3']);
  });

  it('the orbit entry appears exactly when an orbit whisker is drawn', () => {
    for (const inp of [...DATASETS.map(input), mi]) {
      const doc = parseSvg(buildGaugeFloor(inp, SIZE));
      expect(doc.querySelector('[data-legend="orbit"]') !== null).toBe(doc.querySelector('[data-role="marks"] [data-role="orbit"]') !== null);
    }
  });
});

describe('light and dark themes export the same figures', () => {
  /** every builder, at a focus, under a page that prefers `scheme` (matchMedia and color-scheme as the browser sets them) */
  function all(scheme: 'light' | 'dark'): string[] {
    const saved = window.matchMedia;
    window.matchMedia = ((q: string) => ({ matches: q.includes(scheme), media: q, addEventListener() {}, removeEventListener() {} })) as unknown as typeof window.matchMedia;
    document.documentElement.style.colorScheme = scheme;
    try {
      const r = loadRead('lnmlp_gelu_s1');
      const inp = directionsInput(r, 'x.safetensors');
      const focus = r.directions[0].id;
      return [
        buildRatePlot(inp, SIZE, { focus }), buildSlopePlot(inp, SIZE, { focus }), buildGaugeFloor(inp, SIZE, { focus }),
        buildAlignmentHeatmap([{ name: 'x', layers: r.layers }], SIZE),
        buildNuHatPlot({ checkpoint: 'x', orders: [nuHatCurve(2, singularFluctuation(2), 1)] }, SIZE),
      ];
    } finally {
      window.matchMedia = saved;
      document.documentElement.style.colorScheme = '';
    }
  }
  it('the SVG does not depend on the page’s theme and carries its own colours (no currentColor, no CSS variables)', () => {
    const light = all('light'), dark = all('dark');
    expect(dark).toEqual(light);
    for (const svg of light) {
      expect(svg).not.toMatch(/currentColor|var\(--/);
      // white paper under everything: the first drawn element after title/desc is a full-size white rect
      expect(parseSvg(svg).querySelector('svg > rect')!.getAttribute('fill')).toBe('#ffffff');
    }
  });
});

describe('phone-width figures keep their text inside', () => {
  const mnistRead = JSON.parse(readFileSync(resolve(DATA_DIR, 'mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;
  it('a subtitle too long for the width is cut after a whole part, with the whole as its tooltip', () => {
    const W = { width: 360, height: 380 };
    for (const svg of [buildRatePlot(directionsInput(mnistRead, 'mnist-mlp-dfdx.safetensors'), W), buildSlopePlot(directionsInput(mnistRead, 'mnist-mlp-dfdx.safetensors'), W)]) {
      const doc = parseSvg(svg);
      const sub = Array.from(doc.querySelectorAll('text')).find((t) => t.getAttribute('y') === '33')!;
      const shown = Array.from(sub.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('');
      const whole = sub.querySelector('title')!.textContent!;
      expect(whole.startsWith('mnist-mlp-dfdx.safetensors · ')).toBe(true);
      expect(shown.endsWith(' …')).toBe(true);
      expect(whole.startsWith(shown.slice(0, -2))).toBe(true);
      // Liberation Sans averages under 0.52 em a character on this text
      expect([...shown].length * 0.52 * 10.5 + 14).toBeLessThanOrEqual(W.width);
    }
  });
  it('a heatmap of many checkpoints on a phone: no value text wider than its cell', () => {
    const cols = Array.from({ length: 15 }, (_, j) => ({ name: `step_${String(j * 1000).padStart(5, '0')}.safetensors`, layers: mnistRead.layers }));
    const doc = parseSvg(buildAlignmentHeatmap(cols, { width: 360, height: 300 }));
    const cells = Array.from(doc.querySelectorAll('rect[rx]'));
    const cellW = Number(cells[0].getAttribute('width'));
    expect(cellW).toBeLessThan(32);
    // the texts drawn in the cells' groups (not the colour scale's ticks)
    const values = [...new Set(cells.map((c) => c.parentElement!))].flatMap((g) => Array.from(g.children).filter((t) => t.tagName === 'text'))
      .filter((t) => /^\d\.\d\d$|^no /.test(t.textContent ?? ''));
    expect(values.map((t) => t.textContent)).toEqual([]);
  });
});
