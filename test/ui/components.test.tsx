// @vitest-environment jsdom
/**
 * The linked views in jsdom, fed a CLI read through the store: the direction table sorts and
 * filters, hovering or focusing a row shows the k-tooltip with the read's k̂, Enter pins,
 * Escape unpins, and the figures highlight the same direction.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckpointSummary } from '../../src/model/inspect.ts';
import type { ReadResult } from '../../src/read/schema.ts';
import { initialState, setState, getState, unpin, NO_FILTER, type LoadedCheckpoint } from '../../src/state/store.ts';
import { DirectionTable } from '../../src/ui/components/DirectionTable.tsx';
import { BlockTable } from '../../src/ui/components/BlockTable.tsx';
import { Figures } from '../../src/ui/components/Figures.tsx';
import { Summary, classCounts } from '../../src/ui/components/Summary.tsx';
import { Compare } from '../../src/ui/components/Compare.tsx';
import { Tooltip } from '../../src/ui/components/Tooltip.tsx';
import { exportableResult } from '../../src/ui/App.tsx';
import { LINE_LIMIT } from '../../src/ui/figures/common.ts';
import { DATA_DIR, loadRead, parseCsv, reactInJsdom } from './helpers.ts';
import { CSV_COLUMNS, resultCsv } from '../../src/ui/export.ts';

beforeAll(() => {
  reactInJsdom();
  Element.prototype.getBoundingClientRect = function () { return { left: 0, top: 0, right: 640, bottom: 20, width: 640, height: 20, x: 0, y: 0, toJSON() {} } as DOMRect; };
});

function loaded(name: string, r: ReadResult): LoadedCheckpoint {
  const files = { checkpoint: new Blob(), checkpointName: name };
  return {
    key: name, name, files, originalFiles: files, stale: false, companions: [],
    // the tables under test read only the result; the summary is the Model panel's
    summary: { fileName: name, bytes: r.checkpoint.bytes, metadata: null, tensors: [], params: r.checkpoint.params, architecture: null, architectureError: null, warnings: [] } as CheckpointSummary,
    overrides: { head: 'auto', activation: null, scope: 'auto' }, status: 'done', partial: [], result: r, readError: null, example: false,
  };
}

let host: HTMLDivElement;
let root: Root;
const r = loadRead('ts_relu2_adamw_s1');

beforeEach(() => {
  setState(initialState(), true);
  setState({ checkpoints: [loaded('a.safetensors', r)], activeKey: 'a.safetensors' });
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
});

const rows = () => Array.from(host.querySelectorAll<HTMLTableRowElement>('[data-testid="direction-row"]'));

describe('direction table', () => {
  it('one focusable row per direction, keyed by the JSON id', () => {
    act(() => root.render(<DirectionTable />));
    expect(rows().map((x) => x.dataset.directionId).sort()).toEqual(r.directions.map((d) => d.id).sort());
    for (const row of rows()) expect(row.tabIndex).toBe(0);
  });

  it('hovering a row shows the k-tooltip with that direction’s k̂', () => {
    act(() => root.render(<><DirectionTable /><Tooltip /></>));
    const d = r.directions.find((x) => x.k !== null)!;
    const row = rows().find((x) => x.dataset.directionId === d.id)!;
    act(() => { row.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })); });
    const tip = host.querySelector<HTMLElement>('[data-testid="k-tooltip"]')!;
    expect(tip).not.toBeNull();
    expect(tip.dataset.directionId).toBe(d.id);
    expect(Number(tip.dataset.k)).toBe(d.k);
    expect(tip.querySelector('[data-field="k"]')!.textContent).toBe(d.k!.toFixed(3));
    expect(tip.querySelector('[data-field="class"]')!.textContent).toContain(d.class);
    expect(row.className).toContain('hl');
  });

  it('Enter pins, Escape unpins; focus follows the keyboard', () => {
    act(() => root.render(<DirectionTable />));
    const [first, second] = rows();
    act(() => first.focus());
    expect(getState().hovered).toBe(first.dataset.directionId);
    act(() => { first.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })); });
    expect(getState().pinned).toBe(first.dataset.directionId);
    act(() => { first.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })); });
    expect(document.activeElement).toBe(second);
    act(() => unpin()); // what the window-level Escape handler calls
    expect(getState().pinned).toBeNull();
  });

  it('sorts by k̂ (nulls last) and filters by class', () => {
    act(() => root.render(<DirectionTable />));
    const kButton = Array.from(host.querySelectorAll('button.sort')).find((b) => b.textContent?.startsWith('k̂'))!;
    act(() => { kButton.dispatchEvent(new MouseEvent('click', { bubbles: true })); });
    const ks = rows().map((x) => r.directions.find((d) => d.id === x.dataset.directionId)!.k);
    const nonNull = ks.filter((k): k is number => k !== null);
    expect(nonNull).toEqual([...nonNull].sort((a, b) => a - b));
    expect(ks.slice(nonNull.length).every((k) => k === null)).toBe(true);

    const cls = r.directions[0].class;
    const chip = host.querySelector<HTMLButtonElement>(`button.chip[data-class="${cls}"]`)!;
    act(() => { chip.dispatchEvent(new MouseEvent('click', { bubbles: true })); });
    expect(rows().length).toBe(r.directions.filter((d) => d.class === cls).length);
  });
});

describe('linked figures', () => {
  it('hovering a row highlights the same direction in the rate, slope and gauge figures', () => {
    act(() => root.render(<><Figures /><DirectionTable /></>));
    const d = r.directions.find((x) => x.window)!;
    act(() => { rows().find((x) => x.dataset.directionId === d.id)!.dispatchEvent(new MouseEvent('mouseover', { bubbles: true })); });
    for (const id of ['rate-plot', 'slope-plot']) {
      const fig = host.querySelector(`[data-testid="${id}"]`)!;
      const svg = fig.querySelector('svg')!;
      expect(svg.hasAttribute('data-has-focus'), id).toBe(true);
      const marked = Array.from(fig.querySelectorAll('path[data-focused]'));
      expect(marked.length, id).toBeGreaterThan(0);
      expect(marked.every((p) => p.getAttribute('data-direction-id') === d.id)).toBe(true);
      // raised above the other curves
      const curves = Array.from(fig.querySelectorAll('[data-role="curves"] > path'));
      expect(curves[curves.length - 1].getAttribute('data-direction-id')).toBe(d.id);
      // the window band and the fit are in the focus layers
      expect(fig.querySelector('g[data-layer="under"] [data-role="window"]')).not.toBeNull();
      expect(fig.querySelector('g[data-layer="over"] [data-role="focus-points"]')).not.toBeNull();
    }
    expect(host.querySelector(`[data-testid="gauge-floor-chart"] g[data-direction-id="${d.id}"][data-focused]`)).not.toBeNull();
    // the heatmap outlines the focused direction's layer
    expect(host.querySelector(`[data-testid="alignment-heatmap"] [data-role="focus-row"]`)).not.toBeNull();

    // leaving the table clears every figure's focus
    act(() => { host.querySelector('tbody tr')!.dispatchEvent(new MouseEvent('mouseout', { bubbles: true, relatedTarget: document.body })); });
    expect(getState().hovered).toBeNull();
    for (const id of ['rate-plot', 'slope-plot', 'gauge-floor-chart']) {
      expect(host.querySelector(`[data-testid="${id}"] svg`)!.hasAttribute('data-has-focus'), id).toBe(false);
    }
    expect(host.querySelector('[data-testid="rate-plot"] g[data-layer="under"] [data-role="window"]')).toBeNull();
  });

  it('hovering a curve sets the shared hovered direction', () => {
    act(() => root.render(<Figures />));
    const d = r.directions[3];
    const path = host.querySelector(`[data-testid="rate-plot"] path[data-direction-id="${d.id}"]`)!;
    act(() => { path.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, clientX: 10, clientY: 10 })); });
    expect(getState().hovered).toBe(d.id);
    // the figure was rebuilt around the focus: click the curve now under the pointer
    const now = host.querySelector(`[data-testid="rate-plot"] path[data-direction-id="${d.id}"]`)!;
    act(() => { now.dispatchEvent(new MouseEvent('click', { bubbles: true })); });
    expect(getState().pinned).toBe(d.id);
  });
});

describe('block view', () => {
  it('one row per block of a transformer read; a row (click or Enter) filters to its block and back', () => {
    const gpt2 = JSON.parse(readFileSync(resolve(DATA_DIR, 'gpt2_12blocks_s7.read.json'), 'utf8')) as ReadResult;
    setState({ checkpoints: [loaded('g.safetensors', gpt2)], activeKey: 'g.safetensors' });
    act(() => root.render(<BlockTable />));
    const brows = Array.from(host.querySelectorAll<HTMLTableRowElement>('[data-testid="block-row"]'));
    expect(brows.map((b) => b.dataset.block)).toEqual([...Array.from({ length: 12 }, (_, i) => `transformer.h.${i}`), 'transformer.ln_f → transformer.wte']);
    act(() => { brows[5].dispatchEvent(new MouseEvent('click', { bubbles: true })); });
    expect(getState().filter.blocks).toEqual(['transformer.h.5']);
    act(() => { brows[5].dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })); });
    expect(getState().filter.blocks).toEqual([]);
  });

  it('is absent for a read that is not organised in blocks', () => {
    act(() => root.render(<BlockTable />));
    expect(host.querySelector('[data-testid="block-table"]')).toBeNull();
  });
});

describe('keyboard on the figures', () => {
  it('a focused figure walks its directions with the arrow keys, highlighting each everywhere; Enter pins', () => {
    act(() => root.render(<><Figures /><DirectionTable /></>));
    const fig = host.querySelector<HTMLElement>('[data-testid="gauge-floor-chart"]')!;
    expect(fig.tabIndex).toBe(0);
    expect(fig.getAttribute('aria-label')).toContain(`${r.directions.length} directions`);
    act(() => fig.focus());
    expect(getState().hovered).toBe(r.directions[0].id); // focus lands on the first direction drawn
    const key = (k: string) => act(() => { fig.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })); });
    key('ArrowRight');
    key('ArrowRight');
    const d = r.directions[2];
    expect(getState().hovered).toBe(d.id);
    // the same highlight as the mouse: the mark in every figure, the row in the table, the tooltip's anchor
    expect(fig.querySelector(`g[data-direction-id="${d.id}"][data-focused]`)).not.toBeNull();
    expect(host.querySelector(`[data-testid="rate-plot"] path[data-direction-id="${d.id}"][data-focused]`)).not.toBeNull();
    expect(rows().find((x) => x.dataset.directionId === d.id)!.className).toContain('hl');
    expect(getState().anchor).not.toBeNull();
    expect(fig.querySelector('[aria-live]')!.textContent).toBe(d.id);
    key('Enter');
    expect(getState().pinned).toBe(d.id);
    key('ArrowLeft'); key('ArrowLeft'); key('ArrowLeft');
    expect(getState().hovered).toBe(r.directions[r.directions.length - 1].id); // wraps around
    act(() => fig.blur());
    expect(getState().hovered).toBeNull();
    expect(getState().pinned).toBe(d.id);
  });
});

describe('summary', () => {
  it('counts per class match the read, and checkpoints compare side by side', () => {
    const m = loadRead('ts_relu2_muon_s1');
    setState((s) => ({ checkpoints: [...s.checkpoints, loaded('b.safetensors', m)] }));
    act(() => root.render(<Summary />));
    const counts = classCounts(r.directions);
    for (const [cls, n] of Object.entries(counts)) {
      expect(host.querySelector(`.class-counts li[data-class="${cls}"] .count`)!.textContent).toBe(String(n));
    }
    const compare = host.querySelector('[data-testid="compare-table"]')!;
    expect(compare.querySelectorAll('tbody tr')).toHaveLength(2);
    // one column per class, each once (inactive was listed twice)
    const heads = Array.from(compare.querySelectorAll('thead th')).map((th) => th.textContent);
    expect(heads).toEqual(['checkpoint', 'live', 'singular', 'gauge', 'inactive', 'flat', 'pre-asymptotic']);
  });

  it('compare view: each direction’s class and k̂ per checkpoint, and Δk̂ where both read an order', () => {
    const m = loadRead('ts_relu2_muon_s1');
    setState((s) => ({ checkpoints: [...s.checkpoints, loaded('b.safetensors', m)] }));
    act(() => root.render(<Compare />));
    const box = host.querySelector<HTMLInputElement>('[data-testid="compare-view"] input[type="checkbox"]')!;
    if (box.checked) act(() => { box.click(); }); // every direction, not only those read differently
    const table = host.querySelector('[data-testid="compare-directions"]')!;
    const d = r.directions.find((x) => x.class === 'singular' && m.directions.some((y) => y.id === x.id && (y.class === 'live' || y.class === 'singular')))!;
    const e = m.directions.find((y) => y.id === d.id)!;
    const cells = Array.from(table.querySelector(`tr[data-direction-id="${d.id}"]`)!.querySelectorAll('td')).map((td) => td.textContent);
    expect(cells).toEqual([d.id, d.class, d.k!.toFixed(2), e.class, e.k!.toFixed(2), `${e.k! - d.k! > 0 ? '+' : '−'}${Math.abs(e.k! - d.k!).toFixed(2)}`]);
  });
});

/**
 * ν(k) = E_{Z∼N(0,2)} Var_{π_Z}[η^k], π_Z(η) ∝ exp(Z η^k − η^{2k}) (METHOD §7), by a plain
 * Riemann sum over a (Z, η) grid: not the read's quadrature (a trapezoid over Z with an adaptive
 * inner integral), so the two agree only if both are right.
 */
function nuByGrid(k: number): number {
  let num = 0, den = 0;
  for (let Z = -10; Z <= 10; Z += 0.05) {
    const w = Math.exp(-(Z * Z) / 4);
    let top = -Infinity;
    for (let eta = -3; eta <= 3; eta += 0.004) top = Math.max(top, Z * eta ** k - eta ** (2 * k));
    let m0 = 0, m1 = 0, m2 = 0;
    for (let eta = -3; eta <= 3; eta += 0.004) {
      const p = Math.exp(Z * eta ** k - eta ** (2 * k) - top), u = eta ** k;
      m0 += p; m1 += p * u; m2 += p * u * u;
    }
    num += w * (m2 / m0 - (m1 / m0) ** 2);
    den += w;
  }
  return num / den;
}

describe('the checkpoint’s numbers in the summary', () => {
  it('the assembled global (λ, m) of the read', () => {
    act(() => root.render(<Summary />));
    const line = host.querySelector('[data-testid="global-lambda"]')!;
    expect(line.textContent).toContain(`λ̂ = ${r.global!.lambda.toFixed(3)}, m = ${r.global!.m}`);
  });

  it('ν(k) of each order read, with its directions: ν(1) = 1/2 (a Gaussian posterior), ν(2), ν(3) against a plain grid integral', () => {
    act(() => root.render(<Summary />));
    const spans = Array.from(host.querySelectorAll<HTMLElement>('[data-testid="nu-by-order"] [data-k]'));
    const orders = [...new Set(r.directions.filter((d) => (d.class === 'live' || d.class === 'singular') && d.kRounded !== null).map((d) => d.kRounded!))].sort();
    expect(spans.map((s) => Number(s.dataset.k))).toEqual(orders);
    expect(orders).toEqual([1, 2, 3]);
    for (const s of spans) {
      const k = Number(s.dataset.k);
      const shown = Number(/ν\(\d\) = ([\d.]+)/.exec(s.textContent!)![1]);
      expect(shown, `ν(${k})`).toBeCloseTo(k === 1 ? 0.5 : nuByGrid(k), 3);
      const n = r.directions.filter((d) => (d.class === 'live' || d.class === 'singular') && d.kRounded === k).length;
      expect(s.textContent).toContain(`(${n} direction${n === 1 ? '' : 's'})`);
    }
  });
});

/**
 * Aoyagi–Watanabe (2005), reduced-rank regression: λ of an M → H → N linear chain of rank r at
 * the truth, written out here from the paper's four cases (not the project's implementation).
 */
function aoyagiWatanabe(M: number, H: number, N: number, r: number): { lambda: number; m: number } {
  if (M + H < N + r) return { lambda: (H * M - H * r + N * r) / 2, m: 1 };
  if (N + H < M + r) return { lambda: (H * N - H * r + M * r) / 2, m: 1 };
  if (M + N < H + r) return { lambda: (M * N) / 2, m: 1 };
  const base = 2 * (H + r) * (M + N) - (M - N) ** 2 - (H + r) ** 2;
  return (M + H + N + r) % 2 === 0 ? { lambda: base / 8, m: 1 } : { lambda: (base + 1) / 8, m: 2 };
}

describe('the assembly table (METHOD §6): closed form, the value from the reads and their difference as columns; directions not enumerable', () => {
  const rrr = JSON.parse(readFileSync(resolve(process.cwd(), 'test/reads/rrr_M3H3N5r1_s1.read.json'), 'utf8')) as ReadResult;

  it('the 3 → 3 → 5 rank-1 chain: closed form 11/2 (Aoyagi–Watanabe), its bottom-subspace reads summed, and the difference', () => {
    setState({ checkpoints: [loaded('rrr.safetensors', rrr)], activeKey: 'rrr.safetensors' });
    act(() => root.render(<Summary />));
    const aw = aoyagiWatanabe(3, 3, 5, 1);
    expect(aw).toEqual({ lambda: 11 / 2, m: 1 });
    // the chain's parameter directions read: bottom-subspace components with a class other than
    // pre-asymptotic; each live one adds ½, each singular one 1/(2k)
    const basis = rrr.directions.filter((d) => d.detector === 'bottom-subspace' && d.class !== 'pre-asymptotic');
    const fromReads = basis.reduce((a, d) => a + (d.class === 'live' ? 0.5 : d.class === 'singular' ? 1 / (2 * d.kRounded!) : 0), 0);
    expect(fromReads).toBe(3);
    const row = host.querySelector('[data-testid="assembly"] tbody tr[data-group="0"]')!;
    const field = (f: string) => row.querySelector(`[data-field="${f}"]`)!.textContent;
    expect(Number(field('closed-form'))).toBeCloseTo(aw.lambda, 3);
    expect(Number(field('assembled'))).toBeCloseTo(fromReads, 3);
    expect(field('difference')).toBe(`−${(aw.lambda - fromReads).toFixed(3)}`);
    expect(field('enumerated')).toBe(`${basis.length}/${3 * 3 + 3 * 5}`);
    // the whole model: one block, so the same three numbers
    const total = host.querySelector('[data-testid="assembly"] tfoot tr')!;
    expect(Number(total.querySelector('[data-field="closed-form"]')!.textContent)).toBeCloseTo(aw.lambda, 3);
    expect(Number(total.querySelector('[data-field="assembled"]')!.textContent)).toBeCloseTo(fromReads, 3);
    expect(total.querySelector('[data-field="difference"]')!.textContent).toBe(`−${(aw.lambda - fromReads).toFixed(3)}`);
    // and beside the one number of the summary
    expect(host.querySelector('[data-testid="global-lambda"]')!.textContent).toContain(`λ̂ = ${aw.lambda.toFixed(3)}, m = ${aw.m}`);
    expect(host.querySelector('[data-testid="global-from-reads"]')!.textContent).toContain(`from their reads ${fromReads.toFixed(3)} (difference −${(aw.lambda - fromReads).toFixed(3)})`);
    expect(host.querySelector('[data-testid="global-not-enumerable"]')).toBeNull();
  });

  it('a block without a closed form leaves those cells empty, and the directions with no place in the sum are listed', () => {
    act(() => root.render(<Summary />));
    for (const row of host.querySelectorAll('[data-testid="assembly"] tbody tr')) {
      for (const f of ['closed-form', 'assembled', 'difference', 'enumerated']) expect(row.querySelector(`[data-field="${f}"]`)!.textContent).toBe('');
    }
    // from the directions alone: pre-asymptotic (no order), and an ordered direction that is not one
    // unit's coordinates or is a second one on its unit (it overlaps; METHOD §6's separable sum needs disjoint coordinates)
    const seen = new Set<string>();
    const expected: string[] = [];
    const reason = new Map<string, string>();
    for (const d of r.directions) {
      if (d.class === 'pre-asymptotic') { expected.push(d.id); reason.set(d.id, 'pre-asymptotic'); }
      else if (d.class === 'live' || d.class === 'singular') {
        const unit = `${d.layer}/${d.unit}`;
        if (d.unit === null || seen.has(unit)) {
          expected.push(d.id);
          reason.set(d.id, d.unit === null ? `${d.id} in ${d.layer} is not one unit’s coordinates` : `${d.id} in ${d.layer} is a second direction on unit ${d.unit}`);
        } else seen.add(unit);
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    const listed = Array.from(host.querySelectorAll<HTMLElement>('[data-testid="not-enumerable"] li')).map((li) => li.dataset.directionId);
    expect(listed.sort()).toEqual(expected.sort());
    for (const li of host.querySelectorAll<HTMLElement>('[data-testid="not-enumerable"] li')) expect(li.textContent).toContain(reason.get(li.dataset.directionId!));
    expect(host.querySelector('[data-testid="assembly"] summary')!.textContent).toContain(`${expected.length} directions not enumerable`);
    expect(host.querySelector('[data-testid="global-not-enumerable"]')!.textContent).toContain(`${expected.length} directions not enumerable`);
    expect(host.querySelector('[data-testid="global-from-reads"]')).toBeNull(); // no chain, no closed form
    // and the CSV export says the same per row
    const rowsOf = parseCsv(resultCsv(r)).slice(1);
    const col = CSV_COLUMNS.indexOf('notEnumerable');
    expect(rowsOf.filter((c) => c[col] !== '').map((c) => c[0]).sort()).toEqual(expected.sort());
  });
});

describe('counts, filters and exports on the real MNIST MLP read (CLI, probe 64)', () => {
  const mnist = JSON.parse(readFileSync(resolve(DATA_DIR, 'mnist_mlp_probe64.read.json'), 'utf8')) as ReadResult;

  it('an inactive unit reported by two detectors is counted once: the summary equals the layers’ inactive units', () => {
    const twice = mnist.directions.filter((d) => d.class === 'inactive').length;
    const perLayer = mnist.layers.reduce((s, l) => s + (l.inactiveUnits ?? 0), 0);
    expect(twice).toBe(2 * perLayer); // node death and the inactive detector both report each unit
    expect(classCounts(mnist.directions).inactive).toBe(perLayer);
  });

  it('the table’s layer filter drives the figures', () => {
    setState({ checkpoints: [loaded('mnist.safetensors', mnist)], activeKey: 'mnist.safetensors' });
    act(() => root.render(<><DirectionTable /><Figures /></>));
    const rate = () => host.querySelector('[data-testid="rate-plot"] svg')!;
    expect(rate().querySelectorAll('[data-role="bands"]')).toHaveLength(1);
    act(() => setState((s) => ({ filter: { ...s.filter, layers: ['2.0'] } })));
    const kept = mnist.directions.filter((d) => d.layer === '2.0');
    expect(rows()).toHaveLength(kept.length);
    const ids = Array.from(rate().querySelectorAll('[data-role="curves"] path[data-direction-id]:not([data-hit])')).map((p) => p.getAttribute('data-direction-id'));
    expect(ids.sort()).toEqual(kept.map((d) => d.id).sort());
    const marks = Array.from(host.querySelectorAll('[data-testid="gauge-floor-chart"] [data-role="marks"] > g[data-direction-id]'));
    expect(marks).toHaveLength(kept.length);
  });

  it('every filter of the table (detector, text, class, layer, and together) drives every figure', () => {
    setState({ checkpoints: [loaded('mnist.safetensors', mnist)], activeKey: 'mnist.safetensors' });
    act(() => root.render(<><DirectionTable /><Figures /></>));
    const fig = (id: string) => host.querySelector(`[data-testid="${id}"] svg`)!;
    const lineIds = (id: string) => Array.from(fig(id).querySelectorAll('[data-role="curves"] path[data-direction-id]:not([data-hit])')).map((p) => p.getAttribute('data-direction-id')!);
    const cases: Array<[string, Partial<typeof NO_FILTER>]> = [
      ['a small detector', { detectors: ['dual-factor'] }],
      ['a large detector (still bands)', { detectors: ['relu-rescaling'] }],
      ['text', { text: '2.0.weight' }],
      ['class', { classes: ['live'] }],
      ['layer and class', { layers: ['1.0'], classes: ['live', 'inactive'] }],
    ];
    for (const [name, f] of cases) {
      act(() => setState({ filter: { ...NO_FILTER, ...f } }));
      // the table lists its first 400 rows until asked for all
      const more = Array.from(host.querySelectorAll('button')).find((b) => b.textContent!.startsWith('Show all'));
      if (more) act(() => { more.dispatchEvent(new MouseEvent('click', { bubbles: true })); });
      const ids = rows().map((x) => x.dataset.directionId!).sort();
      expect(ids.length, name).toBeGreaterThan(0);
      expect(ids.length, name).toBeLessThan(mnist.directions.length);
      // the heatmap's rows: the layers (with a layer statistic) of the table's rows
      const layersOfRows = new Set(mnist.directions.filter((d) => ids.includes(d.id)).map((d) => d.layer));
      const heatRows = Array.from(host.querySelectorAll('[data-testid="alignment-heatmap"] text[data-layer]')).map((t) => t.getAttribute('data-layer'));
      expect(heatRows, name).toEqual(mnist.layers.map((l) => l.layer).filter((l) => layersOfRows.has(l)));
      // the gauge-floor chart marks exactly the table's rows
      const marks = Array.from(host.querySelectorAll('[data-testid="gauge-floor-chart"] [data-role="marks"] > g[data-direction-id]')).map((g) => g.getAttribute('data-direction-id')!).sort();
      expect(marks, name).toEqual(ids);
      // the rate and slope plots: the rows as lines up to LINE_LIMIT, else as bands of the rows, and say "n of N"
      for (const id of ['rate-plot', 'slope-plot']) {
        expect(fig(id).textContent, `${name} ${id}`).toContain(`${ids.length} of ${mnist.directions.length} directions`);
        if (ids.length <= LINE_LIMIT) {
          // the rows as lines, over the whole read's class bands (its context)
          expect(fig(id).querySelectorAll('[data-role="bands"]:not([data-context])'), `${name} ${id}`).toHaveLength(0);
          expect(fig(id).querySelectorAll('[data-role="bands"][data-context] g[data-band]'), `${name} ${id}`).not.toHaveLength(0);
          const drawn = lineIds(id);
          expect(drawn.every((d) => ids.includes(d)), `${name} ${id}`).toBe(true);
          if (id === 'rate-plot') expect(drawn.sort(), name).toEqual(ids);
        } else {
          expect(fig(id).querySelectorAll('[data-role="bands"]'), `${name} ${id}`).toHaveLength(1);
          expect(fig(id).querySelectorAll('[data-role="bands"][data-context]'), `${name} ${id}`).toHaveLength(0);
          expect(lineIds(id), `${name} ${id}`).toEqual([]);
        }
      }
    }
  });

  it('flat rows show no order beside λ 0', () => {
    setState({ checkpoints: [loaded('mnist.safetensors', mnist)], activeKey: 'mnist.safetensors' });
    act(() => root.render(<DirectionTable />));
    const flat = mnist.directions.find((d) => d.class === 'flat' && d.k !== null)!;
    const row = rows().find((x) => x.dataset.directionId === flat.id)!;
    const cells = Array.from(row.querySelectorAll('td')).map((td) => td.textContent);
    expect(cells[4]).toBe('—');
    expect(cells[5]).toBe('—');
  });

  it('ν(k) per row: ν(1) = 1/2 for a live direction (METHOD §7), ν(k) < 1/2 for a singular one, none for a gauge', () => {
    const gpt2 = JSON.parse(readFileSync(resolve(DATA_DIR, 'gpt2_12blocks_s7.read.json'), 'utf8')) as ReadResult;
    setState({ checkpoints: [loaded('g.safetensors', gpt2)], activeKey: 'g.safetensors', filter: { ...NO_FILTER, blocks: ['transformer.h.5'] } });
    act(() => root.render(<DirectionTable />));
    const header = Array.from(host.querySelectorAll('th')).map((th) => th.textContent);
    const nuCol = header.indexOf('ν(k)');
    expect(nuCol).toBeGreaterThan(0);
    const cell = (cls: string) => {
      const d = gpt2.directions.find((x) => x.class === cls && x.tensors[0].startsWith('transformer.h.5.'))!;
      return rows().find((x) => x.dataset.directionId === d.id)!.querySelectorAll('td')[nuCol].textContent;
    };
    expect(cell('live')).toBe('0.500');
    expect(Number(cell('singular'))).toBeGreaterThan(0);
    expect(Number(cell('singular'))).toBeLessThan(0.5);
    expect(cell('gauge')).toBe('—');
    // the block filter: only block 5's directions
    expect(rows().every((x) => x.dataset.directionId!.includes('transformer.h.5.'))).toBe(true);
  });

  it('after a cancel the directions read so far stay exportable (marked partial)', () => {
    const c = { ...loaded('mnist.safetensors', mnist), result: null, status: 'cancelled' as const, partial: mnist.directions.slice(0, 10), readError: 'Read cancelled' };
    const out = exportableResult(c)!;
    expect(out.directions.map((d) => d.id)).toEqual(mnist.directions.slice(0, 10).map((d) => d.id));
    expect((out as unknown as { partial: boolean }).partial).toBe(true);
    expect(exportableResult({ ...c, status: 'reading' })).toBeNull();
  });
});
