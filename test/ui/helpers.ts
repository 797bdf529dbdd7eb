/** Shared by the UI tests: the CLI-produced reads under test/ui/data and an XML check. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import type { ReadResult } from '../../src/read/schema.ts';

/** test/ui/data (vitest runs from the repository root; jsdom's import.meta.url is not a file URL) */
export const DATA_DIR = resolve(process.cwd(), 'test/ui/data');

export const DATASETS = ['ts_relu2_adamw_s1', 'ts_relu2_muon_s1', 'ts_relu_adamw_s1', 'ts_tanh_adamw_s1', 'lnmlp_gelu_s1'] as const;
export type Dataset = (typeof DATASETS)[number];

/** A read exactly as `npx deadscope read fixtures/<name>.safetensors` printed it. */
export function loadRead(name: Dataset): ReadResult {
  return JSON.parse(readFileSync(resolve(DATA_DIR, `${name}.read.json`), 'utf8')) as ReadResult;
}

/** Parse as XML (the way Inkscape and a browser opening the file do); fail on any parser error. */
export function parseSvg(svg: string): Document {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const err = doc.getElementsByTagName('parsererror');
  expect(err.length, err[0]?.textContent ?? '').toBe(0);
  expect(doc.documentElement.namespaceURI).toBe('http://www.w3.org/2000/svg');
  return doc;
}

export function textOf(doc: Document): string[] {
  return Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent ?? '');
}

/** RFC 4180 rows (quoted fields, doubled quotes, CRLF between rows). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  return rows;
}

/**
 * Each legend entry of a figure names (by its data-legend key) a drawn mark outside the legend:
 * an element with that class, role, checkpoint, order or track that has geometry. Returns the keys.
 */
export function checkLegend(doc: Document): Array<string | null> {
  const items = Array.from(doc.querySelectorAll('[data-role="legend"] > g, [data-role="focus-legend"] > g'));
  for (const it of items) {
    const key = it.getAttribute('data-legend');
    expect(key, `legend entry “${it.textContent}” has no key`).toBeTruthy();
    const q = ['data-class', 'data-role', 'data-checkpoint-name', 'data-order', 'data-track'].map((a) => `[${a}="${key!.replace(/["\\]/g, '\\$&')}"]`).join(', ');
    const geometry = 'path[d]:not([d=""]), line, circle, rect';
    const drawn = Array.from(doc.querySelectorAll(q)).filter((m) => !m.closest('[data-role="legend"], [data-role="focus-legend"]'))
      .filter((m) => m.matches(geometry) || m.querySelector(geometry));
    expect(drawn.length, `legend entry “${it.textContent}” (${key}) names no drawn mark`).toBeGreaterThan(0);
  }
  return items.map((it) => it.getAttribute('data-legend'));
}

declare global {
  // eslint-disable-next-line no-var
  var IS_REACT_ACT_ENVIRONMENT: boolean;
}

/** React's act() in jsdom, and a fixed-width ResizeObserver stand-in (jsdom has no layout). */
export function reactInJsdom(width = 640): void {
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;
  globalThis.ResizeObserver ??= class {
    constructor(private cb: ResizeObserverCallback) {}
    observe(el: Element) { this.cb([{ contentRect: { width } as DOMRectReadOnly, target: el } as ResizeObserverEntry], this as unknown as ResizeObserver); }
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}
