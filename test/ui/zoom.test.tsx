// @vitest-environment jsdom
/**
 * Zooming the rate plot's y-range: the figure at a y-domain places F on that log range (checked
 * against the closed form of a log axis), clips its curves to the plot and says so; on the page
 * d3-zoom drives it from the keyboard (+, −, Page Up/Down, 0) and from buttons.
 */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';
import { getState, initialState, setState, type LoadedCheckpoint } from '../../src/state/store.ts';
import type { CheckpointSummary } from '../../src/model/inspect.ts';
import { Figures } from '../../src/ui/components/Figures.tsx';
import { directionsInput, ratePlotModel } from '../../src/ui/figures/index.ts';
import { rateYDomain } from '../../src/ui/figures/rate-plot.ts';
import { loadRead, parseSvg, reactInJsdom, textOf } from './helpers.ts';

const SIZE = { width: 640, height: 380 };
const r = loadRead('ts_relu2_adamw_s1');

function frameOf(doc: Document) {
  const f = doc.querySelector('svg > rect[stroke="#c9ced4"]')!;
  const y0 = Number(f.getAttribute('y')), y1 = y0 + Number(f.getAttribute('height'));
  return { y0, y1 };
}

describe('rate plot at a zoomed y-range', () => {
  const inp = directionsInput(r, 'a.safetensors');
  const full = rateYDomain(r.directions, r.settings.numericalFloor).domain;
  const dom: [number, number] = [1e-7, 3e-2];

  it('places each F on the zoomed log axis, clips the curves to the plot and says it is zoomed', () => {
    const doc = parseSvg(ratePlotModel(inp, SIZE, { yDomain: dom }).svg());
    const { y0, y1 } = frameOf(doc);
    // closed form of a log axis from dom[0] at the bottom to dom[1] at the top
    const yOf = (F: number) => y1 - ((Math.log10(F) - Math.log10(dom[0])) / (Math.log10(dom[1]) - Math.log10(dom[0]))) * (y1 - y0);
    const d = r.directions.find((x) => x.scan.F.some((F) => F > dom[0] && F < dom[1]))!;
    const path = doc.querySelector(`path[data-direction-id="${d.id}"]`)!.getAttribute('d')!;
    const ys = [...path.matchAll(/[ML][\d.]+,([-\d.]+)/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(d.scan.t.length);
    d.scan.F.forEach((F, i) => { if (F > dom[0] && F < dom[1]) expect(ys[i]).toBeCloseTo(yOf(F), 1); });
    // curves run past the plot: they are clipped to the frame's rectangle
    const clip = doc.querySelector('[data-role="curves"]')!.getAttribute('clip-path')!;
    const id = /url\(#(.+)\)/.exec(clip)![1];
    const rect = doc.getElementById(id)!.querySelector('rect')!;
    expect(Number(rect.getAttribute('y'))).toBe(y0);
    expect(Number(rect.getAttribute('y')) + Number(rect.getAttribute('height'))).toBe(y1);
    expect(textOf(doc).some((t) => t.includes('y zoomed to 1e−7…0.03'))).toBe(true);
    // the axis labels decades inside the zoomed range only
    const exps = Array.from(doc.querySelectorAll('[data-role="axis-y"] text tspan')).map((t) => Number((t.textContent ?? '').replace('−', '-')));
    expect(exps.length).toBeGreaterThan(2);
    for (const e of exps) expect(10 ** e >= dom[0] && 10 ** e <= dom[1]).toBe(true);
  });

  it('offers the whole range to the page’s zoom; unzoomed, nothing is clipped', () => {
    const m = ratePlotModel(inp, SIZE);
    expect(m.zoomY!.scale.domain()).toEqual(full);
    expect(m.zoomY!.maxScale).toBeGreaterThan(1);
    expect(m.svg()).not.toContain('clip-path');
  });
});

describe('zoom on the page', () => {
  let host: HTMLDivElement;
  let root: Root;
  beforeAll(() => {
    reactInJsdom();
  });
  beforeEach(() => {
    const files = { checkpoint: new Blob(), checkpointName: 'a.safetensors' };
    const cp = {
      key: 'a', name: 'a.safetensors', files, originalFiles: files, stale: false, companions: [],
      summary: { fileName: 'a', bytes: 0, metadata: null, tensors: [], params: 0, architecture: null, architectureError: null, warnings: [] } as unknown as CheckpointSummary,
      overrides: { head: 'auto', activation: null, scope: 'auto' }, status: 'done', partial: [], result: r as ReadResult, readError: null, example: false,
    } as LoadedCheckpoint;
    setState(initialState(), true);
    setState({ checkpoints: [cp], activeKey: 'a' });
    host = document.createElement('div');
    document.body.appendChild(host);
    root = createRoot(host);
  });
  afterEach(() => { act(() => root.unmount()); host.remove(); });

  /** the y-range the rate plot shows, read back from its subtitle ('whole' when not zoomed) */
  const shown = () => {
    const t = textOf(parseSvg(host.querySelector('[data-testid="rate-plot"] svg')!.outerHTML)).find((x) => x.includes('y zoomed to'));
    return t ? /y zoomed to (\S+)…(\S+)$/.exec(t)!.slice(1).map((v) => Number(v.replace('−', '-'))) : 'whole';
  };

  it('+ and − zoom about the middle, Page Up moves up, 0 resets; the buttons do the same', () => {
    act(() => root.render(<Figures />));
    const fig = host.querySelector<HTMLElement>('[data-testid="rate-plot"]')!;
    expect(fig.tabIndex).toBe(0);
    expect(fig.getAttribute('aria-label')).toContain('zoom the y-range');
    const key = (k: string) => act(() => { fig.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true })); });
    const full = rateYDomain(r.directions, r.settings.numericalFloor).domain.map(Math.log10);
    key('+');
    const z1 = shown() as number[];
    expect(z1).not.toBe('whole');
    // ×1.5 about the middle of the log range: a third of it gone, centred (labels are rounded: one decimal of a decade)
    const span = (z: number[]) => Math.log10(z[1]) - Math.log10(z[0]);
    expect(span(z1)).toBeCloseTo((full[1] - full[0]) / 1.5, 0);
    expect((Math.log10(z1[0]) + Math.log10(z1[1])) / 2).toBeCloseTo((full[0] + full[1]) / 2, 0);
    key('PageUp');
    const z2 = shown() as number[];
    expect(Math.log10(z2[1])).toBeGreaterThan(Math.log10(z1[1]));
    key('0');
    expect(shown()).toBe('whole');
    act(() => { host.querySelector<HTMLButtonElement>('[data-testid="zoom-in-rate-plot"]')!.click(); });
    expect(shown()).not.toBe('whole');
    act(() => { host.querySelector<HTMLButtonElement>('[data-testid="zoom-reset-rate-plot"]')!.click(); });
    expect(shown()).toBe('whole');
    expect(host.querySelector<HTMLButtonElement>('[data-testid="zoom-reset-rate-plot"]')!.disabled).toBe(true);
    // the other figures do not zoom
    expect(host.querySelector('[data-testid="zoom-in-slope-plot"]')).toBeNull();
  });

  it('a pointer press that focuses a figure leaves the keyboard off (the pressed mark gets the click); Tab focus starts on the first direction', () => {
    act(() => root.render(<Figures />));
    const fig = host.querySelector<HTMLElement>('[data-testid="slope-plot"]')!;
    const d = r.directions[5];
    const mark = () => fig.querySelector(`path[data-direction-id="${d.id}"]:not([data-hit])`)!;
    act(() => { mark().dispatchEvent(new MouseEvent('mouseover', { bubbles: true, clientX: 5, clientY: 5 })); });
    act(() => { mark().dispatchEvent(new Event('pointerdown', { bubbles: true })); fig.focus(); });
    expect(getState().hovered).toBe(d.id); // not moved to the first direction by the focus
    act(() => { mark().dispatchEvent(new Event('pointerup', { bubbles: true })); mark().dispatchEvent(new MouseEvent('click', { bubbles: true })); });
    expect(getState().pinned).toBe(d.id);
    act(() => fig.blur());
    act(() => fig.focus());
    expect(getState().hovered).toBe(r.directions[0].id);
  });
});
