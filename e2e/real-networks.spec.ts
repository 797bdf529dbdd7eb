/**
 * The explorer on real networks: the MNIST MLP (1 400+ directions, a reduced probe of 16 test
 * images on the CPU engine) drawn as class bands, with the table's filters driving the figures and
 * the saturated head reported; a training run (the AdamW teacher–student checkpoints, one folder)
 * read step by step and plotted against the step, with the compare view and duplicate detection.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { guideLabelHits } from './geometry.ts';
import { exampleRead, exportedJson } from './read.ts';

const FIXTURES = resolve(process.cwd(), 'fixtures');
const RUN = resolve(FIXTURES, 'series/ts_relu2_adamw_s1');
async function setSetting(page: Page, key: string, value: string): Promise<void> {
  const input = page.locator(`label:has(.setting-name:text-is("${key}")) input`);
  await input.fill(value);
}

test('the MNIST MLP: class bands, filters drive every figure, inactive counted once, saturated head reported', async ({ page }) => {
  test.setTimeout(540_000);
  await exampleRead(page);
  await setSetting(page, 'inputCap', '16');
  await page.locator('label:has(.setting-name:text-is("backend")) select').selectOption('cpu');
  await page.getByTestId('file-input').setInputFiles([resolve(FIXTURES, 'mnist-mlp-dfdx.safetensors'), resolve(FIXTURES, 'mnist-test-1000.safetensors')]);
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText('mnist-mlp-dfdx');
  const json = await exportedJson<{
    directions: Array<{ id: string; class: string; layer: string; unit: number | null; detector: string; ratio: number }>;
    layers: Array<{ inactiveUnits: number | null }>; saturation?: { saturated: number; of: number };
  }>(page, 'mnist-mlp-dfdx.safetensors', 240_000);
  expect(json.directions.length).toBeGreaterThan(1000);

  // bands, not a curve per direction
  const rate = page.getByTestId('rate-plot');
  await expect(rate.locator('[data-role="bands"]')).toHaveCount(1);
  await expect(rate.locator('[data-role="curves"] path[data-direction-id]')).toHaveCount(0);
  await expect(rate.locator('[data-role="floor"]')).toHaveCount(1);
  // reviewed baseline: the 1 400+ directions as class bands, the floor marked, in both plots
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.fonts.ready);
  await expect(rate).toHaveScreenshot('mnist-rate-bands.png');
  await expect(page.getByTestId('slope-plot')).toHaveScreenshot('mnist-slope-bands.png');
  // the guides' labels sit clear of the bands (the browser's own geometry)
  for (const id of ['rate-plot', 'slope-plot']) {
    const { labels, hits } = await guideLabelHits(page.getByTestId(id));
    expect(labels, id).toBeGreaterThan(0);
    expect(hits, id).toEqual([]);
  }

  // inactive: the summary counts each unit once, as the layer table does
  const units = json.layers.reduce((s, l) => s + (l.inactiveUnits ?? 0), 0);
  await expect(page.locator('.class-counts li[data-class="inactive"] .count')).toHaveText(String(units));
  expect(json.directions.filter((d) => d.class === 'inactive').length).toBe(2 * units);

  // the saturated head, as the JSON says
  expect(json.saturation!.of).toBe(16);
  if (json.saturation!.saturated > 0) await expect(page.getByTestId('saturation')).toContainText(`${json.saturation!.saturated} of 16`);

  // the layer filter drives the table and every figure
  await page.getByTestId('filter-layer').selectOption('2.0');
  const kept = json.directions.filter((d) => d.layer === '2.0');
  await expect(page.getByTestId('direction-row')).toHaveCount(kept.length);
  await expect(rate.locator('[data-role="curves"] path[data-direction-id]:not([data-hit])')).toHaveCount(kept.length);
  await expect(page.getByTestId('gauge-floor-chart').locator('[data-role="marks"] > g[data-direction-id]')).toHaveCount(kept.length);
  await expect(page.getByTestId('alignment-heatmap').locator('text[data-layer]')).toHaveCount(1);
  // and the class filter on top of it
  await page.locator('.chips button[data-class="live"]').click();
  const live = kept.filter((d) => d.class === 'live');
  await expect(page.getByTestId('direction-row')).toHaveCount(live.length);
  await expect(page.getByTestId('slope-plot').locator('[data-role="curves"] path[data-direction-id]:not([data-hit])')).toHaveCount(live.length);

  // the saturated softmax: one button reads again on the centred logits (--head logits), which do not saturate
  expect(json.saturation!.saturated).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Clear filter' }).click();
  await page.getByTestId('read-logits').click();
  await expect(page.getByTestId('head-select')).toHaveValue('logits');
  // the head control holds at once, while the previous read stays exportable until the new one
  // starts: wait for the read on the logits itself (the model panel names its result's head)
  await expect(page.locator('.arch-note')).toContainText('head logits', { timeout: 240_000 });
  const logits = await exportedJson<typeof json & { settings: { head: string; floorRatio: number } }>(page, 'mnist-mlp-dfdx.safetensors', 240_000);
  expect(logits.settings.head).toBe('logits');
  const underRho = (j: typeof json) => j.directions.filter((d) => d.ratio < logits.settings.floorRatio).length;
  // fewer directions pinned under the floor than on the saturated softmax
  expect(underRho(logits)).toBeLessThan(underRho(json));
  await expect(page.getByTestId('read-logits')).toHaveCount(0);
});

test('a training run: one folder read step by step and plotted against the step; compare; duplicates open once', async ({ page }) => {
  test.setTimeout(240_000);
  await exampleRead(page);
  const files = readdirSync(RUN).filter((f) => f.endsWith('.safetensors')).sort();
  await page.getByTestId('folder-input').setInputFiles(RUN);
  const card = page.getByTestId('training-run');
  await expect(card).toBeVisible({ timeout: 60_000 });
  await expect(card).toContainText(`${files.length} of ${files.length} checkpoints read`, { timeout: 180_000 });
  const plot = card.getByTestId('series-plot');
  // one point per step on the census-λ track, at the step the file's __metadata__ names
  const dots = plot.locator('[data-track^="census"] circle');
  await expect(dots).toHaveCount(files.length);
  const steps = (await dots.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-step')))));
  const metaSteps = files.map((f) => {
    const buf = readFileSync(resolve(RUN, f));
    const n = Number(buf.readBigUInt64LE(0));
    return Number(JSON.parse(buf.subarray(8, 8 + n).toString('utf8')).__metadata__.step);
  });
  expect(steps).toEqual(metaSteps);
  // the series CSV, as the CLI writes it
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-series-csv').click()]);
  const rows = readFileSync(await download.path(), 'utf8').trim().split(/\r\n/);
  expect(rows[0].startsWith('step,file,sha256,directions,n_live')).toBe(true);
  expect(rows.slice(1).map((r) => Number(r.split(',')[0]))).toEqual(metaSteps);
  // reviewed baseline: the run's census λ, class counts, alignment and k̂ against the step (a
  // viewport taller than the card, so the sticky top bar does not cover its head)
  // at the last step (the checkpoint open last depends on the order the folder lists its files)
  await page.getByTestId('series-step').selectOption({ label: String(metaSteps[metaSteps.length - 1]) });
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText(files[files.length - 1].replace('.safetensors', ''));
  await page.setViewportSize({ width: 1440, height: 2200 });
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.fonts.ready);
  await expect(card).toHaveScreenshot('adamw-run.png');
  await page.setViewportSize({ width: 1440, height: 1000 });
  // clicking a point opens that checkpoint
  await dots.nth(3).click();
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText(files[3].replace('.safetensors', ''));
  // so does the keyboard: Tab to the step menu, an arrow key moves to the next step
  await expect(page.getByTestId('series-step').locator('option:checked')).toHaveText(String(metaSteps[3]));
  await page.getByTestId('series-step').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText(files[4].replace('.safetensors', ''));
  // compare: one line per checkpoint for the same direction id (the example has the same layout)
  const compare = page.getByTestId('compare-view');
  await expect(compare).toBeVisible();
  await expect(compare.getByTestId('compare-rate-plot').locator('[data-role="curves"] path')).toHaveCount(files.length + 1);
  // at phone width: nothing spills sideways, and every text of every figure (the run's, and the heatmap's 14 columns) stays inside it
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
  await expect.poll(() => page.evaluate(() => Array.from(document.querySelectorAll('.figure-svg svg')).flatMap((svg) => {
    const box = svg.getBoundingClientRect();
    return Array.from(svg.querySelectorAll('text')).filter((t) => {
      const r = t.getBoundingClientRect();
      return r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1);
    }).map((t) => `${svg.getAttribute('data-figure')}: ${t.textContent}`);
  }))).toEqual([]);
  // the same file again is not opened twice
  const tabs = await page.getByTestId('checkpoint-tab').count();
  await page.getByTestId('file-input').setInputFiles(resolve(RUN, files[0]));
  await expect(page.getByText(/same content \(SHA-256\)/)).toBeVisible();
  await expect(page.getByTestId('checkpoint-tab')).toHaveCount(tabs);
});

test('a Trainer run: checkpoint-N/ folders (with their side files) are one training run, at the folder’s step', async ({ page }) => {
  test.setTimeout(240_000);
  await exampleRead(page);
  // three checkpoints of the AdamW run as a Hugging Face Trainer writes them; the folder names a
  // step (7, 70, 700) that the files' __metadata__ does not, so the plotted steps can only come from it
  const files = readdirSync(RUN).filter((f) => f.endsWith('.safetensors')).sort().slice(0, 3);
  const steps = [7, 70, 700];
  const dir = mkdtempSync(join(tmpdir(), 'deadscope-trainer-'));
  files.forEach((f, i) => {
    const ck = join(dir, `checkpoint-${steps[i]}`);
    mkdirSync(ck);
    copyFileSync(resolve(RUN, f), join(ck, 'model.safetensors'));
    writeFileSync(join(ck, 'trainer_state.json'), JSON.stringify({ global_step: steps[i], log_history: [] }));
    writeFileSync(join(ck, 'optimizer.pt'), Buffer.alloc(16));
  });
  await page.getByTestId('folder-input').setInputFiles(dir);
  const card = page.getByTestId('training-run');
  await expect(card).toContainText('3 of 3 checkpoints read', { timeout: 180_000 });
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  const dots = card.getByTestId('series-plot').locator('[data-track^="census"] circle');
  await expect(dots).toHaveCount(3);
  expect(await dots.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-step'))))).toEqual(steps);
  const tabs = await page.getByTestId('checkpoint-tab').allTextContents();
  for (const n of steps) expect(tabs.some((t) => t.endsWith(`checkpoint-${n}/model`)), `tab of checkpoint-${n}`).toBe(true);
  // the series CSV: one row per folder, at its step
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-series-csv').click()]);
  const rows = readFileSync(await download.path(), 'utf8').trim().split(/\r\n/).slice(1);
  expect(rows.map((r) => Number(r.split(',')[0]))).toEqual(steps);
});
