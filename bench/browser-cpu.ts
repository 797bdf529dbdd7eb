/**
 * The browser's CPU engine against the CLI's, same session: the MNIST MLP node-death read at probe
 * 1000 (the whole MNIST file) in the explorer's read worker in headless Chromium (Vite dev server,
 * cross-origin isolated, backend cpu, default f32) and in the CLI process, alternating, for each
 * thread count. The browser's reader does the read twice: the first (a fresh read worker: its
 * modules, WebAssembly and pool workers start) and the second (the explorer's next read: all warm).
 * Prints the walls and the ratios to the CLI (process wall, start-up included).
 *
 *   npx tsx bench/browser-cpu.ts [--runs 3] [--threads 1,2]
 */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { chromium } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;
const threadCounts = process.argv.includes('--threads') ? process.argv[process.argv.indexOf('--threads') + 1].split(',').map(Number) : [1];
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
  const times = new Map(threadCounts.map((t) => [t, { cold: [] as number[], warm: [] as number[], cli: [] as number[] }]));
  for (let r = 0; r < runs; r++) {
    for (const threads of threadCounts) {
      const ms = await page.evaluate(async (threads) => {
        const clientUrl = '/src/worker/client.ts';
        const { createReader } = (await import(/* @vite-ignore */ clientUrl)) as typeof import('../src/worker/client.ts');
        const checkpoint = await (await fetch('/fixtures/mnist-mlp-dfdx.safetensors')).blob();
        const inputs = await (await fetch('/fixtures/mnist-test-1000.safetensors')).blob();
        const reader = createReader();
        try {
          const walls: number[] = [];
          for (let i = 0; i < 2; i++) {
            const t = performance.now();
            const result = await reader.read({ checkpoint, checkpointName: 'mnist-mlp-dfdx.safetensors', inputs, inputsName: 'mnist-test-1000.safetensors' }, { detectors: ['node-death'], backend: 'cpu', threads }, () => {});
            walls.push(performance.now() - t);
            if (!(result.settings.adapter ?? '').includes(threads > 1 ? `× ${threads} threads` : 'CPU engine')) throw new Error(`not on ${threads} threads: ${result.settings.adapter}`);
          }
          return walls;
        } finally {
          reader.dispose();
        }
      }, threads);
      const t = performance.now();
      const cli = spawnSync(process.execPath, [resolve(ROOT, 'bin/deadscope.mjs'), 'read', 'fixtures/mnist-mlp-dfdx.safetensors', '--inputs', 'fixtures/mnist-test-1000.safetensors', '--detectors', 'node-death', '--backend', 'cpu', '--threads', String(threads), '--out', resolve(tmpdir(), 'deadscope-browser-bench.json')], { cwd: ROOT });
      if (cli.status !== 0) throw new Error(String(cli.stderr));
      const cliMs = performance.now() - t;
      const row = times.get(threads)!;
      row.cold.push(ms[0]);
      row.warm.push(ms[1]);
      row.cli.push(cliMs);
      process.stdout.write(`run ${r + 1}, ${threads} thread(s): browser worker ${(ms[0] / 1000).toFixed(2)} s first read, ${(ms[1] / 1000).toFixed(2)} s second; CLI ${(cliMs / 1000).toFixed(2)} s; load ${loadavg()[0].toFixed(1)}\n`);
    }
  }
  await browser.close();
  for (const [threads, row] of times) {
    const [cold, warm, cli] = [medianOf(row.cold), medianOf(row.warm), medianOf(row.cli)];
    process.stdout.write(`median, ${threads} thread(s): browser worker (cpu, f32) ${(cold / 1000).toFixed(2)} s first read, ${(warm / 1000).toFixed(2)} s second; CLI (cpu, f32, process wall) ${(cli / 1000).toFixed(2)} s; browser/CLI ${(cold / cli).toFixed(2)} first, ${(warm / cli).toFixed(2)} second\n`);
  }
} finally {
  vite.kill();
}
