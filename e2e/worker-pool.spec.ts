/**
 * The explorer's page is cross-origin isolated (the dev server sends COOP/COEP, scripts/vite-csp.ts),
 * so its read worker has SharedArrayBuffer and can spread the CPU engine over a pool of nested Web
 * Workers (src/fast/pool-browser.ts), whose read equals the read on one thread.
 */
import { expect, test, type Page } from '@playwright/test';
import type { ReadOptions } from '../src/read/options.ts';

test('the page is cross-origin isolated (COOP/COEP headers) and keeps its Content-Security-Policy header', async ({ page }) => {
  const response = await page.goto('/');
  const headers = response!.headers();
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  const isolated = await page.evaluate(() => ({ isolated: globalThis.crossOriginIsolated, sab: typeof SharedArrayBuffer }));
  expect(isolated).toEqual({ isolated: true, sab: 'function' });
});

/**
 * Reads in one explorer read worker (client.ts, as the explorer starts it), CPU engine, with `threads`;
 * `reads` times the same read (a later read finds the pool's workers started): the last is returned.
 */
async function workerRead(page: Page, file: string, inputs: string | null, options: Partial<ReadOptions>, reads = 1) {
  return await page.evaluate(async ({ file, inputs, options, reads }) => {
    const clientUrl = '/src/worker/client.ts'; // served (and transformed) by the Vite dev server
    const { createReader } = (await import(/* @vite-ignore */ clientUrl)) as typeof import('../src/worker/client.ts');
    const checkpoint = await (await fetch(`/fixtures/${file}`)).blob();
    const inputBlob = inputs ? await (await fetch(`/fixtures/${inputs}`)).blob() : null;
    const reader = createReader();
    try {
      const ms: number[] = [];
      let result = null;
      for (let r = 0; r < reads; r++) {
        const t = performance.now();
        result = await reader.read({ checkpoint, checkpointName: file, inputs: inputBlob, inputsName: inputs }, options, () => {});
        ms.push(performance.now() - t);
      }
      return { result: result!, ms, backend: await reader.backend() };
    } finally {
      reader.dispose();
    }
  }, { file, inputs, options, reads });
}

const CASES: [string, string | null, Partial<ReadOptions>][] = [
  ['ts_relu_adamw_s1.safetensors', null, { probe: 128 }],
  ['mnist-mlp-dfdx.safetensors', 'mnist-test-1000.safetensors', { inputCap: 16, detectors: ['node-death'], perDecade: 2 }],
];

for (const [file, inputs, options] of CASES) {
  test(`a read on 2 pooled Web Workers equals the single-thread read: ${file}`, async ({ page }) => {
    await page.goto('/');
    const one = await workerRead(page, file, inputs, { ...options, backend: 'cpu', threads: 1 });
    // twice: the second read finds its nested worker started, so both threads take directions
    const pooled = await workerRead(page, file, inputs, { ...options, backend: 'cpu', threads: 2 }, 2);
    // the pool ran (the worker was isolated, else it falls back to one thread and says so by its description)
    expect(pooled.backend.description).toMatch(/× 2 threads/);
    expect(pooled.result.settings.adapter).toMatch(/× 2 threads/);
    // both threads answered directions on the MNIST MLP (on the 48-direction network the read
    // worker can take every chunk of a call before the nested worker wakes: same F either way)
    const [mainShare, workerShare] = pooled.backend.chunksPerThread!;
    if (file.startsWith('mnist')) expect(workerShare).toBeGreaterThan(0);
    expect(mainShare + workerShare).toBeGreaterThanOrEqual(pooled.result.directions.length);
    expect(one.result.settings.adapter).not.toMatch(/threads/);
    expect(pooled.result.directions.map((d) => d.id)).toEqual(one.result.directions.map((d) => d.id));
    const diffs: string[] = [];
    let worst = 0;
    one.result.directions.forEach((d, i) => {
      const p = pooled.result.directions[i];
      if (p.class !== d.class || p.kRounded !== d.kRounded) diffs.push(`${d.id}: 1 thread ${d.class}/${d.kRounded}, 2 threads ${p.class}/${p.kRounded}`);
      [[d.scan.F, p.scan.F], [d.orbitScan?.F ?? [], p.orbitScan?.F ?? []], [[d.fLive], [p.fLive]]].forEach(([a, b]) => {
        expect(b.length).toBe(a.length);
        a.forEach((f, j) => (worst = Math.max(worst, Math.abs(b[j] - f) / Math.max(Math.abs(f), 1e-300))));
      });
    });
    console.log(`${file}: ${one.result.directions.length} directions, chunks by thread ${pooled.backend.chunksPerThread!.join('/')}, 1 thread ${(one.ms[0] / 1000).toFixed(2)} s, 2 threads ${pooled.ms.map((t) => (t / 1000).toFixed(2)).join(' then ')} s, max rel diff of F ${worst.toExponential(2)}`);
    expect(diffs).toEqual([]);
    // every query is computed by the same code on the same shared data: equal up to rounding at most
    expect(worst).toBeLessThan(1e-9);
  });
}

test('the explorer\'s threads setting reads on the pooled CPU engine', async ({ page }) => {
  await page.goto('/');
  const runLine = page.getByText(/^Read \d+ directions in/);
  await expect(runLine).toBeVisible({ timeout: 60_000 }); // the example's first read
  await page.locator('label', { hasText: 'backend' }).locator('select').selectOption('cpu');
  await page.getByTestId('setting-threads').selectOption('2');
  await page.getByTestId('run-read').click();
  await expect(runLine).toContainText('× 2 threads', { timeout: 60_000 });
  await expect(runLine).toContainText('on cpu');
  // back to one thread (the read worker disposes the pool) and to two again (a new pool)
  for (const [threads, adapter] of [['1', /on cpu \(CPU engine \(TypeScript[^)]*\)\) · /], ['2', /× 2 threads/]] as const) {
    await page.getByTestId('setting-threads').selectOption(threads);
    await page.getByTestId('run-read').click();
    await expect(runLine).toContainText(adapter, { timeout: 60_000 });
  }
});
