/**
 * The explorer's page is cross-origin isolated (the dev server sends COOP/COEP, scripts/vite-csp.ts),
 * so its read worker has SharedArrayBuffer and can spread the CPU engine over a pool of nested Web
 * Workers (src/fast/pool-browser.ts).
 */
import { expect, test } from '@playwright/test';

test('the page is cross-origin isolated (COOP/COEP headers) and keeps its Content-Security-Policy header', async ({ page }) => {
  const response = await page.goto('/');
  const headers = response!.headers();
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  const isolated = await page.evaluate(() => ({ isolated: globalThis.crossOriginIsolated, sab: typeof SharedArrayBuffer }));
  expect(isolated).toEqual({ isolated: true, sab: 'function' });
});
