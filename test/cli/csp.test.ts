/**
 * The explorer's Content-Security-Policy (issue 10): scripts only from the origin or, for an inline
 * script the served page really holds (Vite's dev preamble), by its SHA-256 — never 'unsafe-inline' —
 * and the same policy as an HTTP header from both the dev and the preview server, with the cross-origin
 * isolation headers (COOP same-origin, COEP require-corp). The e2e test
 * (e2e/explorer.spec.ts) checks the running page; this checks the plugin without a browser.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cspPlugin, policyFor } from '../../scripts/vite-csp.ts';

const directives = (policy: string) => new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
const preamble = 'import { injectIntoGlobalHook } from "/@react-refresh"; injectIntoGlobalHook(window);';
const withPreamble = `<!doctype html><html><head><script type="module">${preamble}</script></head><body><script type="module" src="/src/main.tsx"></script></body></html>`;
const built = '<!doctype html><html><head><script type="module" crossorigin src="/assets/index-abc.js"></script></head><body></body></html>';

type Res = { headers: Map<string, string>; setHeader(n: string, v: string): void };
/** the cross-origin isolation headers a response got (SharedArrayBuffer for the read worker's thread pool) */
const isolation = (res: Res) => [res.headers.get('Cross-Origin-Opener-Policy'), res.headers.get('Cross-Origin-Embedder-Policy')];
const response = (): Res => { const headers = new Map<string, string>(); return { headers, setHeader: (n, v) => void headers.set(n, v) }; };

describe('Content-Security-Policy', () => {
  it('script-src: self and the hash of each inline script, never unsafe-inline; a built page gets no hash', () => {
    const dev = directives(policyFor(withPreamble));
    const hash = `'sha256-${createHash('sha256').update(preamble, 'utf8').digest('base64')}'`;
    expect(dev.get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'", hash]);
    expect(directives(policyFor(built)).get('script-src')).toEqual(["'self'", "'wasm-unsafe-eval'"]);
    for (const p of [policyFor(withPreamble), policyFor(built)]) {
      const d = directives(p);
      expect(d.get('script-src')).not.toContain("'unsafe-inline'");
      expect(d.get('default-src')).toEqual(["'self'"]);
      expect(d.get('object-src')).toEqual(["'none'"]);
    }
  });

  it('the preview server sends the built page’s policy as a header on every response', () => {
    const root = mkdtempSync(join(tmpdir(), 'deadscope-csp-'));
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', 'index.html'), built);
    const uses: Array<(req: unknown, res: Res, next: () => void) => void> = [];
    const server = { config: { root, build: { outDir: 'dist' } }, middlewares: { use: (f: (typeof uses)[number]) => void uses.push(f) } };
    (cspPlugin().configurePreviewServer as (s: unknown) => void)(server);
    expect(uses).toHaveLength(1);
    const res = response();
    let passed = false;
    uses[0]({}, res, () => { passed = true; });
    expect(passed).toBe(true);
    expect(res.headers.get('Content-Security-Policy')).toBe(policyFor(built));
    expect(isolation(res)).toEqual(['same-origin', 'require-corp']);
  });

  it('the preview server finds a build in an absolute outDir', () => {
    const root = mkdtempSync(join(tmpdir(), 'deadscope-csp-'));
    const out = mkdtempSync(join(tmpdir(), 'deadscope-dist-'));
    writeFileSync(join(out, 'index.html'), built);
    const uses: Array<(req: unknown, res: Res, next: () => void) => void> = [];
    const server = { config: { root, build: { outDir: out } }, middlewares: { use: (f: (typeof uses)[number]) => void uses.push(f) } };
    (cspPlugin().configurePreviewServer as (s: unknown) => void)(server);
    const res = response();
    uses[0]({}, res, () => {});
    expect(res.headers.get('Content-Security-Policy')).toBe(policyFor(built));
  });

  it('the dev server sends the served page’s policy (its preamble hashed) as a header', async () => {
    const root = mkdtempSync(join(tmpdir(), 'deadscope-csp-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><html><head></head><body></body></html>');
    const uses: Array<(req: unknown, res: Res, next: () => void) => Promise<void> | void> = [];
    const server = {
      config: { root },
      middlewares: { use: (f: (typeof uses)[number]) => void uses.push(f) },
      transformIndexHtml: async () => withPreamble,
    };
    (cspPlugin().configureServer as (s: unknown) => void)(server);
    const res = response();
    await new Promise<void>((resolve) => void uses[0]({}, res, resolve));
    const header = res.headers.get('Content-Security-Policy')!;
    expect(header).toBe(policyFor(withPreamble));
    expect(directives(header).get('script-src')).not.toContain("'unsafe-inline'");
    expect(isolation(res)).toEqual(['same-origin', 'require-corp']);
  });
});
