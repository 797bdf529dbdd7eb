/**
 * The read worker in headless Chromium on WebGPU gives the same read as the CLI (CPU engine) on
 * the same file and settings: same directions, class and kRounded; F within f32 accuracy. The
 * page imports the worker client straight from the Vite dev server; the fixture is fetched from
 * it and handed over as a Blob, as the explorer does.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import type { ReadResult } from '../src/read/schema.ts';

const ROOT = process.cwd();
const FILE = 'ts_relu2_adamw_s1.safetensors';
const OPTIONS = { probe: 128 };

function cliRead(): ReadResult {
  const out = execFileSync(process.execPath, [resolve(ROOT, 'bin/deadscope.mjs'), 'read', `fixtures/${FILE}`, '--probe', String(OPTIONS.probe), '--backend', 'cpu'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out) as ReadResult;
}

test('worker read on WebGPU in Chromium matches the CLI read', async ({ page }) => {
  await page.goto('/');
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    if (!gpu) return null;
    const a = await gpu.requestAdapter();
    return a ? `${a.info.vendor} ${a.info.architecture} ${a.info.description}`.trim() : null;
  });
  test.skip(adapter === null, 'no WebGPU adapter in this Chromium (navigator.gpu.requestAdapter() returned null)');

  const browser = await page.evaluate(async ({ file, options }) => {
    const clientUrl = '/src/worker/client.ts'; // served (and transformed) by the Vite dev server
    const { createReader } = (await import(/* @vite-ignore */ clientUrl)) as typeof import('../src/worker/client.ts');
    const bytes = await (await fetch(`/fixtures/${file}`)).blob();
    const reader = createReader();
    const events: string[] = [];
    try {
      const result = await reader.read({ checkpoint: bytes, checkpointName: `fixtures/${file}` }, { ...options, backend: 'webgpu' }, (e) => events.push(e.type));
      return { result, events, backend: await reader.backend() };
    } finally {
      reader.dispose();
    }
  }, { file: FILE, options: OPTIONS });

  expect(browser.result.backend).toBe('webgpu');
  expect(browser.backend.name).toBe('webgpu');
  expect(browser.events).toContain('progress');
  expect(browser.events.filter((e) => e === 'direction').length).toBe(browser.result.directions.length);

  const cli = cliRead();
  expect(cli.backend).toBe('cpu');
  expect(browser.result.checkpoint.sha256).toBe(cli.checkpoint.sha256);
  expect(browser.result.directions.map((d) => d.id)).toEqual(cli.directions.map((d) => d.id));
  const diffs: string[] = [];
  let worst = 0;
  cli.directions.forEach((c, i) => {
    const g = browser.result.directions[i];
    if (g.class !== c.class || g.kRounded !== c.kRounded) diffs.push(`${c.id}: cli ${c.class}/${c.kRounded} browser ${g.class}/${g.kRounded}`);
    const top = Math.max(...c.scan.F);
    c.scan.F.forEach((f, j) => {
      if (f > 1e-6 * top && f > 1e-7 * c.fLive) worst = Math.max(worst, Math.abs(g.scan.F[j] - f) / f);
    });
  });
  console.log(`adapter: ${adapter}; ${cli.directions.length} directions; max rel err of F ${worst.toExponential(2)}`);
  expect(diffs).toEqual([]);
  expect(worst).toBeLessThan(1e-3);
});
