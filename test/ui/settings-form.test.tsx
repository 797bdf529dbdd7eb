// @vitest-environment jsdom
/**
 * The explorer's settings form uses the CLI's range check (src/read/settings.ts): a setting out
 * of range shows the same message beside its field, and no read starts.
 */
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckpointSummary } from '../../src/model/inspect.ts';
import { settingProblems, DEFAULT_SETTINGS } from '../../src/read/settings.ts';
import { enqueueRead, optionsFor } from '../../src/state/actions.ts';
import { getState, initialState, setState, type LoadedCheckpoint } from '../../src/state/store.ts';
import { Sidebar } from '../../src/ui/components/Sidebar.tsx';
import { parseReadArgs, READ_HELP } from '../../src/cli/args.ts';
import { loadRead } from './helpers.ts';
import { chainGraph, type Op } from '../../src/model/graph.ts';

/** The graph a read's architecture JSON (a chain's ops) describes. */
const graphOfRead = (r: { checkpoint: { architecture: unknown } }) => {
  const a = r.checkpoint.architecture as { inputShape: number[]; ops: Op[] };
  return chainGraph(a.inputShape, a.ops);
};

declare global {
  // eslint-disable-next-line no-var
  var IS_REACT_ACT_ENVIRONMENT: boolean;
}
beforeAll(() => { globalThis.IS_REACT_ACT_ENVIRONMENT = true; });

const r = loadRead('ts_relu2_adamw_s1');
function loaded(name: string): LoadedCheckpoint {
  const files = { checkpoint: new Blob(), checkpointName: name };
  return {
    key: name, name, files, originalFiles: files, stale: false, companions: [],
    summary: { fileName: name, bytes: r.checkpoint.bytes, metadata: null, tensors: [], params: r.checkpoint.params, architecture: graphOfRead(r), architectureError: null, warnings: [] } as unknown as CheckpointSummary,
    overrides: { head: 'auto', activation: null, scope: 'auto' }, status: 'done', partial: [], result: r, readError: null, example: false,
  };
}

let host: HTMLDivElement;
let root: Root;
beforeEach(() => {
  setState(initialState(), true);
  setState({ checkpoints: [loaded('a.safetensors')], activeKey: 'a.safetensors' });
  host = document.createElement('div');
  document.body.appendChild(host);
  root = createRoot(host);
});
afterEach(() => {
  act(() => root.unmount());
  host.remove();
});

describe('settings form', () => {
  it('the defaults are in range', () => {
    expect(settingProblems(DEFAULT_SETTINGS)).toEqual([]);
  });
  it('shows the shared message beside the field and does not start a read', () => {
    setState({ settings: { ...DEFAULT_SETTINGS, tMin: 1e-200, perDecade: 1.5 } });
    act(() => root.render(<Sidebar />));
    expect(host.querySelector('[data-testid="setting-problem-tMin"]')?.textContent).toBe('tMin must be ≥ 1e-15');
    expect(host.querySelector('[data-testid="setting-problem-perDecade"]')?.textContent).toBe('perDecade must be a whole number');
    expect(host.querySelector('[data-testid="setting-problem-seed"]')).toBeNull();
    expect((host.querySelector('[data-testid="run-read"]') as HTMLButtonElement).disabled).toBe(true);
    act(() => enqueueRead('a.safetensors'));
    const c = getState().checkpoints[0];
    // not queued, and the previous result is kept
    expect(c.status).toBe('done');
    expect(c.result).toBe(r);
    expect(c.readError).toMatch(/^Not read: tMin must be ≥ 1e-15; perDecade must be a whole number/);
  });
  it('typing a value out of range in the field shows its message', () => {
    act(() => root.render(<Sidebar />));
    const input = [...host.querySelectorAll('label')].find((l) => l.textContent?.startsWith('bottomK'))!.querySelector('input')!;
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    act(() => {
      setter.call(input, '-5');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect(getState().settings.bottomK).toBe(-5);
    expect(host.querySelector('[data-testid="setting-problem-bottomK"]')?.textContent).toBe('bottomK must be ≥ 1');
  });
  it('maxEigenDim: a field with the range check the CLI uses, passed to the read', () => {
    act(() => root.render(<Sidebar />));
    const input = () => host.querySelector('[data-testid="setting-maxEigenDim"]') as HTMLInputElement;
    expect(input().value).toBe('2048');
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    const type = (v: string) => act(() => {
      const el = input();
      setter.call(el, v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    type('0');
    expect(host.querySelector('[data-testid="setting-problem-maxEigenDim"]')?.textContent).toBe('maxEigenDim must be ≥ 1');
    expect((host.querySelector('[data-testid="run-read"]') as HTMLButtonElement).disabled).toBe(true);
    act(() => enqueueRead('a.safetensors'));
    expect(getState().checkpoints[0].readError).toBe('Not read: maxEigenDim must be ≥ 1.');
    type('20000');
    expect(host.querySelector('[data-testid="setting-problem-maxEigenDim"]')?.textContent).toBe('maxEigenDim must be ≤ 16384');
    type('512');
    expect(host.querySelector('[data-testid="setting-problem-maxEigenDim"]')).toBeNull();
    expect(optionsFor(getState().checkpoints[0]).maxEigenDim).toBe(512);
  });
  it('precision: f32 by default as the CLI (its --precision without the flag), f64 chosen in the form reaches the read', () => {
    // the CLI: no --precision leaves the default, which its help names
    expect(parseReadArgs(['m.safetensors']).options.precision).toBeUndefined();
    expect(READ_HELP).toMatch(/--precision P .*\(default f32;/);
    expect(getState().precision).toBe('f32');
    act(() => root.render(<Sidebar />));
    const select = host.querySelector('[data-testid="setting-precision"]') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['f32', 'f64']);
    expect(select.value).toBe('f32');
    expect(optionsFor(getState().checkpoints[0]).precision).toBe('f32');
    expect(host.querySelector('.stale')).toBeNull();
    act(() => {
      select.value = 'f64';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(getState().precision).toBe('f64');
    expect(optionsFor(getState().checkpoints[0]).precision).toBe('f64');
    // the shown read was made on the CPU engine in f32 (its JSON says so): it is now out of date
    expect(r.backend).toBe('cpu');
    expect(r.settings.precision).toBe('f32');
    expect(host.querySelector('.stale')?.textContent).toMatch(/settings changed since this read/);
    expect(select.closest('label')!.className).toBe('changed');
    const reset = [...host.querySelectorAll('button')].find((b) => b.textContent === 'Reset to defaults')!;
    act(() => reset.click());
    expect(getState().precision).toBe('f32');
  });
  it('a field keeps its element, focus and typed text when its value leaves and comes back to the default', () => {
    act(() => root.render(<Sidebar />));
    const field = () => [...host.querySelectorAll('label')].find((l) => l.textContent?.startsWith('perDecade'))!.querySelector('input')!;
    const el = field();
    el.focus();
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
    const type = (v: string) => act(() => { setter.call(el, v); el.dispatchEvent(new Event('input', { bubbles: true })); });
    // default 4: delete it, type 40, delete the 0 (back to the default), then 4.0 (the default, written otherwise)
    for (const [text, stored] of [['', NaN], ['40', 40], ['4', DEFAULT_SETTINGS.perDecade], ['4.0', DEFAULT_SETTINGS.perDecade]] as const) {
      type(text);
      expect(getState().settings.perDecade).toBe(stored);
      expect(field()).toBe(el);
      expect(document.activeElement).toBe(el);
      expect(el.value).toBe(text);
    }
    // Reset to defaults from a changed value shows the default in the same field
    type('12');
    const reset = [...host.querySelectorAll('button')].find((b) => b.textContent === 'Reset to defaults')!;
    act(() => reset.click());
    expect(field()).toBe(el);
    expect(el.value).toBe(String(DEFAULT_SETTINGS.perDecade));
  });
});

describe('the Model and Run panels say things once, in the browser’s words', () => {
  const RELU = 'no activation in __metadata__ or settings: assuming ReLU (set --activation to change)';
  it('the ReLU assumption (in the graph’s and the summary’s warnings) is shown once and points at the activation menu', () => {
    const c = loaded('a.safetensors');
    const graph = { ...(c.summary.architecture as object), warnings: [RELU] };
    setState({ checkpoints: [{ ...c, summary: { ...c.summary, architecture: graph, warnings: [RELU] } as unknown as CheckpointSummary }] });
    act(() => root.render(<Sidebar />));
    const said = [...host.querySelectorAll('p')].filter((p) => p.textContent!.includes('assuming ReLU'));
    expect(said).toHaveLength(1);
    expect(said[0].textContent).toContain('choose it in the activation menu above');
    expect(host.textContent).not.toContain('--activation');
  });

  it('the engine line follows the backend chosen in the settings, not the adapter probed at start or the last read', () => {
    const webgpuRead = { ...r, backend: 'webgpu' as const, settings: { ...r.settings, backend: 'webgpu', adapter: 'SwiftShader Device (Subzero)' } };
    setState({ checkpoints: [{ ...loaded('a.safetensors'), result: webgpuRead }], backendInfo: { name: 'webgpu', description: 'WebGPU: SwiftShader Device (Subzero)' } });
    act(() => root.render(<Sidebar />));
    const line = () => host.querySelector('[data-testid="engine-line"]')?.textContent ?? null;
    act(() => setState({ backend: 'webgpu' }));
    expect(line()).toBeNull(); // the read's own line names its engine
    act(() => setState({ backend: 'cpu' }));
    expect(line()).toBe('Next read: the CPU engine, f32 scans (chosen in the settings)');
    // with no read yet the line says which engine reads
    act(() => setState((s) => ({ checkpoints: s.checkpoints.map((c) => ({ ...c, result: null, status: 'inspected' as const })) })));
    expect(line()).toBe('Engine: the CPU engine, f32 scans (chosen in the settings)');
    act(() => setState({ precision: 'f64' }));
    expect(line()).toBe('Engine: the CPU engine, f64 scans (chosen in the settings)');
    act(() => setState({ backend: 'auto' }));
    expect(line()).toBe('Engine: WebGPU: SwiftShader Device (Subzero)');
  });
});
