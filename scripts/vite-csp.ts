/**
 * Content-Security-Policy for the explorer, one policy for the `<meta>` tag and the HTTP header of
 * the Vite dev and preview servers. Scripts: only same-origin files plus, by SHA-256 hash, the
 * inline scripts the HTML as served actually contains (in dev, the React refresh preamble; in a
 * build, none) — never 'unsafe-inline', so an injected handler or script does not run. The same
 * servers send the cross-origin isolation headers (ISOLATION_HEADERS below).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin, ViteDevServer } from 'vite';

const POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  // React sets style attributes (progress bar widths, figure sizes): styles stay inline-capable
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'", 'blob:', 'data:'],
  'font-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

/** The inline `<script>` bodies of an HTML page (those without src). */
export function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]).filter((s) => s.length > 0);
}

/** The policy for a page: the table above plus a hash source for each inline script it holds. */
export function policyFor(html: string): string {
  const hashes = inlineScripts(html).map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
  return Object.entries(POLICY)
    .map(([k, v]) => [k, k === 'script-src' ? [...v, ...hashes] : v].flat().join(' '))
    .join('; ');
}

/**
 * Cross-origin isolation: with these two headers on the page (and on the worker scripts, which
 * the same middleware serves) the page and its workers are `crossOriginIsolated`, which is what
 * makes SharedArrayBuffer available, and with it the read worker's thread pool (src/fast/pool*.ts).
 * require-corp refuses cross-origin subresources that do not opt in: the explorer loads none.
 * A `<meta>` tag cannot carry them: a static host must send them (README, "Serving the explorer").
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

function setIsolation(res: { setHeader(name: string, value: string): unknown }): void {
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) res.setHeader(name, value);
}

const META = /<meta http-equiv="Content-Security-Policy" content="[^"]*"\s*\/?>/;

export function cspPlugin(): Plugin {
  let devPolicy: string | null = null;
  return {
    name: 'deadscope:csp',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const meta = `<meta http-equiv="Content-Security-Policy" content="${policyFor(html)}" />`;
        return META.test(html) ? html.replace(META, meta) : html.replace(/<head>/i, `<head>\n    ${meta}`);
      },
    },
    configureServer(server: ViteDevServer) {
      server.middlewares.use(async (_req, res, next) => {
        // the policy of the page as served (the preamble included), computed once
        devPolicy ??= policyFor(await server.transformIndexHtml('/index.html', readFileSync(join(server.config.root, 'index.html'), 'utf8')));
        res.setHeader('Content-Security-Policy', devPolicy);
        setIsolation(res);
        next();
      });
    },
    configurePreviewServer(server) {
      const built = readFileSync(resolve(server.config.root, server.config.build.outDir, 'index.html'), 'utf8');
      const policy = policyFor(built);
      server.middlewares.use((_req, res, next) => {
        res.setHeader('Content-Security-Policy', policy);
        setIsolation(res);
        next();
      });
    },
  };
}
