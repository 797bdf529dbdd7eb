/**
 * The browser's CPU engine against the CLI's, same session: the MNIST MLP node-death read at probe
 * 1000 (the whole MNIST file) in the explorer's read worker in headless Chromium (Vite dev server,
 * backend cpu, default f32) and in the CLI process, alternating. Prints both walls and the ratio.
 *
 *   npx tsx bench/browser-cpu.ts [--runs 3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const port = 5190 + Math.floor(Math.random() * 100);
const vite = spawn(process.execPath, [resolve(ROOT, 'node_modules/vite/bin/vite.js'), '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: ROOT, stdio: 'ignore' });
try {
  for (let i = 0; i < 60; i++) {
    if (await fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox'] });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const inBrowser: number[] = [];
  const inCli: number[] = [];
  for (let r = 0; r < runs; r++) {
    const ms = await page.evaluate(async () => {
      const clientUrl = '/src/worker/client.ts';
      const { createReader } = (await import(/* @vite-ignore */ clientUrl)) as typeof import('../src/worker/client.ts');
      const checkpoint = await (await fetch('/fixtures/mnist-mlp-dfdx.safetensors')).blob();
      const inputs = await (await fetch('/fixtures/mnist-test-1000.safetensors')).blob();
      const reader = createReader();
      try {
        const t = performance.now();
        await reader.read({ checkpoint, checkpointName: 'mnist-mlp-dfdx.safetensors', inputs, inputsName: 'mnist-test-1000.safetensors' }, { detectors: ['node-death'], backend: 'cpu' }, () => {});
        return performance.now() - t;
      } finally {
        reader.dispose();
      }
    });
    inBrowser.push(ms);
    const t = performance.now();
    const cli = spawnSync(process.execPath, [resolve(ROOT, 'bin/deadscope.mjs'), 'read', 'fixtures/mnist-mlp-dfdx.safetensors', '--inputs', 'fixtures/mnist-test-1000.safetensors', '--detectors', 'node-death', '--backend', 'cpu', '--out', resolve(tmpdir(), 'deadscope-browser-bench.json')], { cwd: ROOT });
    if (cli.status !== 0) throw new Error(String(cli.stderr));
    inCli.push(performance.now() - t);
    process.stdout.write(`run ${r + 1}: browser worker ${(ms / 1000).toFixed(2)} s, CLI ${((performance.now() - t) / 1000).toFixed(2)} s\n`);
  }
  await browser.close();
  const b = medianOf(inBrowser);
  const c = medianOf(inCli);
  process.stdout.write(`median: browser worker (cpu, f32) ${(b / 1000).toFixed(2)} s, CLI (cpu, f32, process wall) ${(c / 1000).toFixed(2)} s, browser/CLI ${(b / c).toFixed(2)}\n`);
} finally {
  vite.kill();
}
