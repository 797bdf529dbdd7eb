/**
 * The explorer end to end, in Chromium, against the real read worker: the example on first
 * visit, drop and file-input reads, the k-tooltip against the JSON export, SVG/PNG/JSON/CSV
 * exports, a malformed file, cancel, keyboard pinning, same-origin only, and a screenshot baseline.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Download, type Page } from '@playwright/test';
import { EXAMPLE, exportedJson as exportedRead, readFinished } from './read.ts';

const FIXTURES = resolve(process.cwd(), 'fixtures');

/** Axis labels each exported figure must carry (the builders' constants, spelled out here on purpose). */
const AXES: Record<string, string[]> = {
  'rate-plot': ['step t along the direction', 'F(t)  (directional Fisher)'],
  'slope-plot': ['step t along the direction', 'local slope α(t) = d log F / d log t'],
  'alignment-heatmap': ['checkpoint', 'layer (by depth)'],
  'gauge-floor-chart': ['gauge family · detector (then detectors that propose no symmetry)', 'R = F / F_live'],
};

let foreign: string[] = [];

test.beforeEach(async ({ page, baseURL }) => {
  foreign = [];
  const origin = new URL(baseURL!).origin;
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  });
});

test.afterEach(() => {
  // nothing is uploaded or fetched from anywhere else, in any scenario
  expect(foreign, 'requests outside the page origin').toEqual([]);
});

/** Wait until the active checkpoint's read has finished (the JSON export is enabled then). */
async function readDone(page: Page, name: string): Promise<void> {
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText(name.replace(/\.safetensors$/, ''), { timeout: 60_000 });
  await readFinished(page, name);
  await expect(page.getByTestId('direction-row').first()).toBeVisible();
}

async function downloadText(page: Page, testId: string): Promise<{ name: string; text: string; download: Download }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: readFileSync(path, 'utf8'), download };
}

async function exportedJson(page: Page, name: string) {
  return await exportedRead<{ schema: string; checkpoint: { path: string }; directions: Array<{ id: string; k: number | null; class: string }> }>(page, name);
}

test('the example loads, is read and renders on first visit', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  const json = await exportedJson(page, EXAMPLE);
  expect(json.schema).toBe('deadscope.read/1');
  expect(json.checkpoint.path).toBe(EXAMPLE);
  await expect(page.getByTestId('direction-row')).toHaveCount(json.directions.length);
  for (const id of Object.keys(AXES)) {
    await expect(page.getByTestId(id).locator('svg')).toBeVisible();
  }
  // one curve per direction in the rate plot, one heatmap column
  await expect(page.getByTestId('rate-plot').locator('[data-role="curves"] path[data-direction-id]:not([data-hit])')).toHaveCount(json.directions.length);
  await expect(page.getByTestId('alignment-heatmap').locator('text[data-column]')).toHaveCount(1);
  await expect(page.getByTestId('tensor-table').locator('tbody tr')).toHaveCount(2);
});

test('the file input reads a fixture and adds a column to the comparison', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  await page.getByTestId('file-input').setInputFiles(resolve(FIXTURES, 'ts_relu2_muon_s1.safetensors'));
  await readDone(page, 'ts_relu2_muon_s1.safetensors');
  const json = await exportedJson(page, 'ts_relu2_muon_s1.safetensors');
  expect(json.checkpoint.path).toBe('ts_relu2_muon_s1.safetensors');
  await expect(page.getByTestId('checkpoint-tab')).toHaveCount(2);
  await expect(page.getByTestId('alignment-heatmap').locator('text[data-column]')).toHaveCount(2);
  await expect(page.getByTestId('compare-table').locator('tbody tr')).toHaveCount(2);
});

test('a synthetic drop of a fixture reads it', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  const bytes = [...readFileSync(resolve(FIXTURES, 'ts_tanh_adamw_s1.safetensors'))];
  const dataTransfer = await page.evaluateHandle((b) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], 'ts_tanh_adamw_s1.safetensors', { type: 'application/octet-stream' }));
    return dt;
  }, bytes);
  await page.getByTestId('drop-zone').dispatchEvent('dragenter', { dataTransfer });
  await page.getByTestId('drop-zone').dispatchEvent('dragover', { dataTransfer });
  await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer });
  await readDone(page, 'ts_tanh_adamw_s1.safetensors');
  const json = await exportedJson(page, 'ts_tanh_adamw_s1.safetensors');
  expect(json.checkpoint.path).toBe('ts_tanh_adamw_s1.safetensors');
  await expect(page.getByTestId('direction-row')).toHaveCount(json.directions.length);
});

/**
 * Aoyagi–Watanabe (2005), reduced-rank regression: λ of an M → H → N linear chain of rank r at the
 * truth, from the paper's four cases (as test/ui/components.test.tsx writes them, not the project's code).
 */
function aoyagiWatanabe(M: number, H: number, N: number, r: number): number {
  if (M + H < N + r) return (H * M - H * r + N * r) / 2;
  if (N + H < M + r) return (H * N - H * r + M * r) / 2;
  if (M + N < H + r) return (M * N) / 2;
  const base = 2 * (H + r) * (M + N) - (M - N) ** 2 - (H + r) ** 2;
  return (M + H + N + r) % 2 === 0 ? base / 8 : (base + 1) / 8;
}

test('a dropped 3 → 3 → 5 rank-1 chain: the assembly table shows the closed form, the value from the reads and their difference', async ({ page }) => {
  const name = 'rrr_M3H3N5r1_s1.safetensors';
  await page.goto('/');
  await readDone(page, EXAMPLE);
  const bytes = [...readFileSync(resolve(FIXTURES, name))];
  const dataTransfer = await page.evaluateHandle(({ b, n }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], n, { type: 'application/octet-stream' }));
    return dt;
  }, { b: bytes, n: name });
  for (const type of ['dragenter', 'dragover', 'drop']) await page.getByTestId('drop-zone').dispatchEvent(type, { dataTransfer });
  await readDone(page, name);
  const json = await exportedRead<{ global: { lambda: number; assembled?: number; difference?: number } | null }>(page, name);
  const closedForm = aoyagiWatanabe(3, 3, 5, 1);
  expect(closedForm).toBe(11 / 2);
  expect(json.global?.assembled, 'the read assembles the chain from its own reads').toEqual(expect.any(Number));
  const fromReads = json.global!.assembled!;
  const difference = fromReads - closedForm;
  expect(json.global!.difference).toBeCloseTo(difference, 9);
  const signed = `${difference > 0 ? '+' : difference < 0 ? '−' : ''}${Math.abs(difference).toFixed(3)}`;

  const table = page.getByTestId('assembly');
  await table.locator('summary').click();
  const head = table.locator('thead th');
  await expect(head.filter({ hasText: /^closed form$/ })).toBeVisible();
  await expect(head.filter({ hasText: /^from the reads$/ })).toBeVisible();
  await expect(head.filter({ hasText: /^difference$/ })).toBeVisible();
  const chain = table.locator('tbody tr', { has: page.locator('[data-field="closed-form"]:not(:empty)') });
  await expect(chain).toHaveCount(1);
  await expect(chain.locator('[data-field="closed-form"]')).toHaveText(closedForm.toFixed(3));
  await expect(chain.locator('[data-field="assembled"]')).toHaveText(fromReads.toFixed(3));
  await expect(chain.locator('[data-field="difference"]')).toHaveText(signed);
  const whole = table.locator('tfoot tr');
  await expect(whole.locator('th')).toHaveText('whole model');
  await expect(whole.locator('[data-field="closed-form"]')).toHaveText(closedForm.toFixed(3));
  await expect(whole.locator('[data-field="assembled"]')).toHaveText(fromReads.toFixed(3));
  await expect(whole.locator('[data-field="difference"]')).toHaveText(signed);
});

test('a model folder (Hugging Face layout) reads its model.safetensors and skips the rest', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'deadscope-folder-'));
  copyFileSync(resolve(FIXTURES, 'ts_relu_adamw_s1.safetensors'), join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'README.md'), '# a model card\n');
  writeFileSync(join(dir, 'tokenizer.json'), '{}');
  await page.goto('/');
  await readDone(page, EXAMPLE);
  await page.getByTestId('folder-input').setInputFiles(dir);
  await readDone(page, 'model.safetensors');
  const json = await exportedJson(page, 'model.safetensors');
  expect(json.checkpoint.path).toBe('model.safetensors');
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});

test('the page makes no request outside its own origin', async ({ page, baseURL }) => {
  const seen: string[] = [];
  page.on('request', (r) => seen.push(r.url()));
  await page.goto('/');
  await readDone(page, EXAMPLE);
  await page.getByTestId('direction-row').first().hover();
  await downloadText(page, 'export-json');
  await downloadText(page, 'export-svg-rate-plot');
  const origin = new URL(baseURL!).origin;
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.filter((u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin)).toEqual([]);
  // and a Content-Security-Policy that would block any other origin
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("connect-src 'self'");
});

test('the Content-Security-Policy is a header too and runs no injected script or handler', async ({ page }) => {
  const response = await page.goto('/');
  const header = response!.headers()['content-security-policy'];
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(header).toBe(meta);
  const scriptSrc = header.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '))!;
  expect(scriptSrc).toMatch(/^script-src 'self'/);
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toContain("'unsafe-eval'");
  await readDone(page, EXAMPLE);
  // markup of the kind a hostile tensor name would carry, put straight into the page
  const blocked = await page.evaluate(async () => {
    const violations: string[] = [];
    document.addEventListener('securitypolicyviolation', (e) => violations.push(e.effectiveDirective));
    const host = document.createElement('div');
    host.innerHTML = '<img src="data:," onerror="window.__injected = \'handler\'"><svg onload="window.__injected = \'svg\'"></svg>';
    document.body.append(host);
    const s = document.createElement('script');
    s.textContent = "window.__injected = 'script'";
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 500));
    return { injected: (window as unknown as { __injected?: string }).__injected ?? null, violations };
  });
  expect(blocked.injected).toBeNull();
  expect(blocked.violations.length).toBeGreaterThan(0);
});

test('hovering a direction row shows a k-tooltip whose k equals the exported JSON', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  const json = await exportedJson(page, EXAMPLE);
  const withK = json.directions.filter((d) => d.k !== null);
  expect(withK.length).toBeGreaterThan(0);
  const tip = page.getByTestId('k-tooltip');
  // Hover until the tooltip shows this direction: under load a re-render can replace the row
  // between the pointer's arrival and the tooltip, so wait on the state asserted, not on time.
  const hoverUntilTip = async (target: ReturnType<Page['locator']>, id: string) => {
    await expect(async () => {
      await target.hover();
      await expect(tip).toHaveAttribute('data-direction-id', id, { timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
  };
  for (const d of [withK[0], withK[withK.length - 1]]) {
    await hoverUntilTip(page.locator(`[data-testid="direction-row"][data-direction-id="${d.id}"]`), d.id);
    await expect(tip).toBeVisible();
    expect(Number(await tip.getAttribute('data-k'))).toBe(d.k);
    // k̂ to three places, then possibly a note (a gauge's slope is not an order)
    await expect(tip.locator('[data-field="k"]')).toHaveText(new RegExp(`^${d.k!.toFixed(3).replace('.', '\\.')}(\\s|$)`));
    await expect(tip.locator('[data-field="class"]')).toContainText(d.class);
    // the same direction is highlighted in the rate plot
    await expect(page.getByTestId('rate-plot').locator(`path[data-direction-id="${d.id}"][data-focused]:not([data-hit])`)).toHaveCount(1);
    await expect(page.getByTestId('rate-plot').locator('path[data-focused]:not([data-hit])')).toHaveCount(1);
  }
  // hovering a mark in a figure shows the same tooltip
  const d = withK[0];
  await hoverUntilTip(page.getByTestId('gauge-floor-chart').locator(`g[data-direction-id="${d.id}"] circle[data-hit]`), d.id);
  expect(Number(await page.getByTestId('k-tooltip').getAttribute('data-k'))).toBe(d.k);
  await page.mouse.move(5, 5);
  await expect(page.getByTestId('k-tooltip')).toHaveCount(0);
});

test('keyboard: rows are focusable, Enter pins, Escape unpins', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  const row = page.getByTestId('direction-row').first();
  const id = await row.getAttribute('data-direction-id');
  await row.focus();
  await expect(page.getByTestId('k-tooltip')).toHaveAttribute('data-direction-id', id!);
  await page.keyboard.press('Enter');
  await expect(row).toHaveClass(/pinned/);
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('direction-row').nth(1)).toBeFocused();
  await expect(page.getByTestId('slope-plot').locator(`path[data-direction-id="${id}"]`).first()).toBeAttached();
  await page.keyboard.press('Escape');
  await expect(row).not.toHaveClass(/pinned/);
});

test('each SVG export downloads a file an XML parser accepts, with its axis labels', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  for (const [id, labels] of Object.entries(AXES)) {
    const { name, text } = await downloadText(page, `export-svg-${id}`);
    expect(name).toMatch(new RegExp(`${id}\\.svg$`));
    expect(text.startsWith('<?xml')).toBe(true);
    const parsed = await page.evaluate((src) => {
      const doc = new DOMParser().parseFromString(src, 'application/xml');
      const err = doc.getElementsByTagName('parsererror')[0];
      return {
        error: err ? err.textContent : null,
        ns: doc.documentElement.namespaceURI,
        texts: Array.from(doc.getElementsByTagName('text')).map((t) => t.textContent),
        title: doc.getElementsByTagName('title')[0]?.textContent ?? null,
      };
    }, text);
    expect(parsed.error, `${id} parses as XML`).toBeNull();
    expect(parsed.ns).toBe('http://www.w3.org/2000/svg');
    expect(parsed.title).toBeTruthy();
    for (const l of labels) expect(parsed.texts, `${id} has axis label "${l}"`).toContain(l);
  }
});

test('PNG, JSON and CSV exports', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png-rate-plot').click()]);
  const bytes = readFileSync(await png.path());
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const json = await exportedJson(page, EXAMPLE);
  const { text: csv } = await downloadText(page, 'export-csv');
  const lines = csv.trim().split(/\r\n/);
  expect(lines[0].split(',').slice(0, 3)).toEqual(['id', 'detector', 'layer']);
  expect(lines).toHaveLength(json.directions.length + 1);
});

test('a malformed file shows the broken rule in words and the previous model stays loaded', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  const before = await page.getByTestId('direction-row').count();
  const good = readFileSync(resolve(FIXTURES, EXAMPLE));
  await page.getByTestId('file-input').setInputFiles({ name: 'broken.safetensors', mimeType: 'application/octet-stream', buffer: good.subarray(0, 600) });
  const banner = page.getByTestId('error-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('broken.safetensors');
  // the file, the tensor, what is wrong and the rule's name: no error class in front
  await expect(page.getByTestId('error-message')).toHaveText(/^broken\.safetensors: tensor "2\.weight": .* \[rule: buffer-not-fully-indexed\]$/);
  // the example is still the loaded, active model with its read
  await expect(page.getByTestId('checkpoint-tab')).toHaveCount(1);
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText('ts_relu2_adamw_s1');
  await expect(page.getByTestId('direction-row')).toHaveCount(before);
  await expect(page.getByTestId('export-json')).toBeEnabled();
  // a text file renamed .safetensors: named for what it is, not by a header length read from its text
  await page.getByTestId('file-input').setInputFiles({ name: 'model-card.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('# A model card\n\nThis text file was renamed to .safetensors by mistake.\n') });
  await expect(page.getByTestId('error-banner')).toContainText('model-card.safetensors');
  // the reason first, in words (no error class in front); the header rule it broke after it
  await expect(page.getByTestId('error-message')).toHaveText(/^model-card\.safetensors: not a safetensors file \(it begins with the text "# A mode"\)/);
  await expect(page.getByTestId('checkpoint-tab')).toHaveCount(1);
});

test('a long read shows progress with an ETA and can be cancelled', async ({ page }) => {
  // the first directions of the MNIST read stream in after ~1 min on a loaded core
  test.setTimeout(300_000);
  await page.goto('/');
  await readDone(page, EXAMPLE);
  await page.getByTestId('file-input').setInputFiles([
    resolve(FIXTURES, 'mnist-mlp-dfdx.safetensors'), resolve(FIXTURES, 'mnist-test-1000.safetensors'),
  ]);
  const progress = page.getByTestId('progress');
  await expect(progress).toBeVisible({ timeout: 60_000 });
  // the probe inputs were taken as the checkpoint's companion, not as a second model
  await expect(page.getByTestId('checkpoint-tab')).toHaveCount(2);
  await expect(page.getByText('with mnist-test-1000.safetensors')).toBeVisible();
  await expect(progress).toContainText('%');
  // cancel once some directions have streamed in
  await expect(page.getByTestId('direction-row').first()).toBeVisible({ timeout: 180_000 });
  await page.getByTestId('cancel-read').click();
  await expect(progress).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByText(/cancelled/i).first()).toBeVisible();
  // the checkpoint stays loaded and can be read again
  await expect(page.getByTestId('run-read')).toBeEnabled();
  // the directions read so far stay on screen and export, marked partial
  // (the table lists 400 rows until asked for all)
  if (await page.getByRole('button', { name: /^Show all/ }).count()) await page.getByRole('button', { name: /^Show all/ }).click();
  const shown = await page.getByTestId('direction-row').count();
  expect(shown).toBeGreaterThan(0);
  await readFinished(page, 'mnist-mlp-dfdx.safetensors');
  const { name, text } = await downloadText(page, 'export-json');
  expect(name).toBe('mnist-mlp-dfdx.partial.read.json');
  const partial = JSON.parse(text) as { partial?: boolean; checkpoint: { path: string }; directions: Array<{ id: string }> };
  expect(partial.partial).toBe(true);
  expect(partial.checkpoint.path).toBe('mnist-mlp-dfdx.safetensors');
  expect(partial.directions).toHaveLength(shown);
  const { text: csv } = await downloadText(page, 'export-csv');
  expect(csv.trim().split(/\r\n/)).toHaveLength(shown + 1);
});

test('screenshot of the main view', async ({ page }) => {
  await page.goto('/');
  await readDone(page, EXAMPLE);
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.fonts.ready);
  await expect(page).toHaveScreenshot('main-view.png', {
    fullPage: false,
    mask: [page.locator('[data-volatile]')],
    maskColor: '#eef0f3',
  });
});
