#!/usr/bin/env node
// `npm test`: every test of the project, on a fresh machine included. It installs what is
// missing (node_modules via `npm ci`, Debian's Chromium via apt when run as root), then runs
//   1. Vitest: the f64 engine, read, format, model, detectors, CLI, UI snapshot tests;
//   2. Vitest under SwiftShader: the WGSL kernels and WebGPU engine against the f64 engine;
//   3. Playwright in Debian Chromium: the explorer end to end;
// and ends with one line `N passed, N failed, N skipped` summed from the runners' JSON reports.
// Exit status non-zero when any test failed or a runner did not report.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
const sh = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } }).status;

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('deadscope test: installing dependencies (npm ci)');
  if (sh('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}
rmSync('reports', { recursive: true, force: true });
mkdirSync('reports', { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- unit` runs one stage
const want = (stage) => only.length === 0 || only.includes(stage);

// What each stage needs, installed by what it needs: the WebGPU stage runs on Chromium's
// SwiftShader; the e2e stage needs Chromium and, for its screenshot baseline, Liberation fonts
// (without them Chromium falls back to DejaVu and the baseline differs by ~3 %).
const debPackages = [];
if ((want('webgpu') || want('e2e')) && !existsSync('/usr/bin/chromium')) debPackages.push('chromium');
if (want('e2e') && spawnSync('dpkg-query', ['-W', '-f=${Status}', 'fonts-liberation'], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true) debPackages.push('fonts-liberation');
if (debPackages.length) {
  if (process.getuid?.() === 0) {
    console.log(`deadscope test: installing ${debPackages.join(', ')} (apt)`);
    sh('apt-get', ['update', '-qq']);
    sh('apt-get', ['install', '-y', '--no-install-recommends', ...debPackages]);
  } else {
    console.log(`deadscope test: missing ${debPackages.join(', ')}; install with: sudo apt-get install -y --no-install-recommends ${debPackages.join(' ')}`);
  }
}

const stages = [];
if (want('unit')) {
  sh('npx', ['vitest', 'run', '--exclude', 'test/webgpu/**', '--reporter=default', '--reporter=json', '--outputFile=reports/vitest-unit.json']);
  stages.push(['unit', 'reports/vitest-unit.json', 'vitest']);
}
if (want('webgpu')) {
  sh('node', ['scripts/with-swiftshader.mjs', 'npx', 'vitest', 'run', 'test/webgpu', '--reporter=default', '--reporter=json', '--outputFile=reports/vitest-webgpu.json']);
  stages.push(['webgpu', 'reports/vitest-webgpu.json', 'vitest']);
}
if (want('e2e')) {
  sh('npx', ['playwright', 'test'], { PLAYWRIGHT_JSON_OUTPUT_NAME: 'reports/playwright.json' });
  stages.push(['e2e', 'reports/playwright.json', 'playwright']);
}

let passed = 0, failed = 0, skipped = 0, broken = 0;
for (const [stage, file, kind] of stages) {
  if (!existsSync(file)) {
    console.log(`deadscope test: the ${stage} runner wrote no report (${file}): counted as a failure`);
    broken++;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  let p, f, s;
  if (kind === 'vitest') {
    p = r.numPassedTests; f = r.numFailedTests; s = r.numPendingTests + (r.numTodoTests ?? 0);
    // a file that failed to load has no tests but fails the run
    const loadFailures = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    f += loadFailures;
  } else {
    p = r.stats.expected + (r.stats.flaky ?? 0); f = r.stats.unexpected; s = r.stats.skipped;
    f += (r.errors ?? []).length;
  }
  console.log(`deadscope test: ${stage}: ${p} passed, ${f} failed, ${s} skipped`);
  passed += p; failed += f; skipped += s;
}
failed += broken;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
