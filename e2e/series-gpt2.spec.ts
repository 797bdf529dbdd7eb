/**
 * The GPT-2 grokking run (fixtures/series/gpt2_modadd23_s1: steps 0, 600, 2 000 and 15 000 with the
 * run's config.json) dropped as one folder: every step is read as a whole transformer with the same
 * settings and probe, and the training-run view plots, against the step, the census λ, the class
 * counts, the pinned direction's k̂ and the train/test accuracy from each file's __metadata__.
 * Values: the steps and accuracies are read here from the raw safetensors headers; the census of
 * the open step from its exported JSON; the series CSV is the CLI's format.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { exampleRead, exportedJson } from './read.ts';

const RUN = resolve(process.cwd(), 'fixtures/series/gpt2_modadd23_s1');

function rawMetadata(file: string): Record<string, string> {
  const buf = readFileSync(resolve(RUN, file));
  const n = Number(buf.readBigUInt64LE(0));
  return JSON.parse(buf.subarray(8, 8 + n).toString('utf8')).__metadata__ as Record<string, string>;
}

async function setSetting(page: Page, key: string, value: string): Promise<void> {
  await page.locator(`label:has(.setting-name:text-is("${key}")) input`).fill(value);
}

interface Json {
  scope: string;
  checkpoint: { path: string };
  directions: Array<{ id: string; class: string; detector: string; lambda: number | null; k: number | null }>;
}

test('the GPT-2 grokking run: one folder, every step read whole, census, k̂ and accuracy against the step', async ({ page }) => {
  test.setTimeout(420_000);
  await exampleRead(page);
  // a reduced probe and grid keep four whole-transformer reads short on a CI core
  await setSetting(page, 'probe', '8');
  await setSetting(page, 'perDecade', '2');
  await page.locator('label:has(.setting-name:text-is("backend")) select').selectOption('cpu');
  const files = readdirSync(RUN).filter((f) => f.endsWith('.safetensors')).sort();
  const meta = files.map(rawMetadata);
  await page.getByTestId('folder-input').setInputFiles(RUN);
  const card = page.getByTestId('training-run');
  await expect(card).toBeVisible({ timeout: 60_000 });
  const t0 = Date.now();
  await expect(card).toContainText(`${files.length} of ${files.length} checkpoints read`, { timeout: 360_000 });
  console.log(`[series-gpt2] ${files.length} whole reads in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);

  // one point per step on every track, at the step each file's __metadata__ names
  const plot = card.getByTestId('series-plot');
  const census = plot.locator('[data-track^="census"] circle');
  await expect(census).toHaveCount(files.length);
  expect(await census.evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('data-step'))))).toEqual(meta.map((m) => Number(m.step)));
  const accuracy = plot.locator('[data-role="panel"][data-panel="test_acc, train_acc"]');
  await expect(accuracy.locator('[data-track="test_acc"] circle')).toHaveCount(files.length);
  await expect(accuracy.locator('[data-track="train_acc"] circle')).toHaveCount(files.length);
  for (const [i, m] of meta.entries()) {
    await expect(accuracy.locator(`[data-track="test_acc"] circle[data-step="${m.step}"] title`)).toContainText(`test_acc at step ${m.step}: `);
    expect(Number((await accuracy.locator(`[data-track="test_acc"] circle`).nth(i).textContent())!.split(': ')[1].split(' ')[0])).toBeCloseTo(Number(m.test_acc), 3);
  }
  await expect(plot.locator('[data-role="panel"][data-panel="directions per class"]')).toBeVisible();

  // the series CSV: steps, metadata accuracies, and the open step's census from its own JSON
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-series-csv').click()]);
  const [head, ...lines] = readFileSync(await csvDownload.path(), 'utf8').trim().split(/\r\n/);
  const cols = head.split(',');
  const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
  expect(rows.map((r) => Number(r.step))).toEqual(meta.map((m) => Number(m.step)));
  rows.forEach((r, i) => {
    expect(Number(r.train_acc)).toBe(Number(meta[i].train_acc));
    expect(Number(r.test_acc)).toBe(Number(meta[i].test_acc));
  });
  // open the last step (by its tab: the current-step rule covers the active step's points), export its read
  await page.locator('[data-testid="checkpoint-tab"]', { hasText: files[files.length - 1].replace('.safetensors', '') }).click();
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText(files[files.length - 1].replace('.safetensors', ''));
  const json = await exportedJson<Json>(page, files[files.length - 1]);
  expect(json.scope).toBe('whole');
  const last = rows[rows.length - 1];
  for (const cls of ['live', 'singular', 'gauge', 'flat', 'pre-asymptotic']) expect(Number(last[`n_${cls}`]), cls).toBe(json.directions.filter((d) => d.class === cls).length);
  const lambda = json.directions.filter((d) => d.class === 'live' || d.class === 'singular').reduce((s, d) => s + (d.lambda ?? 0), 0);
  expect(Number(last.census_lambda)).toBeCloseTo(lambda, 9);

  // pin an MLP direction of the dual-factor detector: its k̂ is followed across the run
  const follow = json.directions.find((d) => d.detector === 'dual-factor' && d.k !== null)!;
  await page.locator(`[data-testid="direction-row"][data-direction-id="${follow.id}"]`).click();
  const kPanel = plot.locator('[data-role="panel"][data-panel="k̂ of chosen directions"]');
  await expect(kPanel.locator(`[data-track="${follow.id}"]`)).toHaveCount(1);
  await expect(card).toContainText(`Follows ${follow.id}`);

  // a viewport taller than the card, so the sticky top bar does not cover its head
  await page.setViewportSize({ width: 1440, height: 2200 });
  await page.mouse.move(0, 0);
  await page.evaluate(() => document.fonts.ready);
  await expect(card).toHaveScreenshot('gpt2-series.png');
});
