/**
 * A transformer dropped into the explorer (checkpoint + its config.json) is read as one network
 * in the browser (scope "whole": embedding, attention, MLP, tied unembedding): the read finishes,
 * and the table shows every direction of the exported JSON.
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { exampleRead, exportedJson } from './read.ts';

const FIXTURES = resolve(process.cwd(), 'fixtures');

/**
 * Opens the explorer, applies `settings` (a setting name → the value typed, or chosen where the
 * setting is a menu), drops the GPT-2 fixture with its config.json, waits for its read and returns
 * the exported JSON.
 */
async function readGpt2<T>(page: Page, settings: Record<string, string>, readTimeout: number): Promise<T> {
  await exampleRead(page);
  for (const [name, value] of Object.entries(settings)) {
    const field = page.locator(`label:has(.setting-name:text-is("${name}"))`);
    if (await field.locator('select').count()) await field.locator('select').selectOption(value);
    else await field.locator('input').fill(value);
  }
  await page.getByTestId('file-input').setInputFiles([
    { name: 'gpt2_modadd23_s1.safetensors', mimeType: 'application/octet-stream', buffer: readFileSync(resolve(FIXTURES, 'gpt2_modadd23_s1.safetensors')) },
    { name: 'config.json', mimeType: 'application/json', buffer: readFileSync(resolve(FIXTURES, 'gpt2_modadd23_s1.config.json')) },
  ]);
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText('gpt2_modadd23_s1', { timeout: 60_000 });
  return await exportedJson<T>(page, 'gpt2_modadd23_s1.safetensors', readTimeout);
}

test('the GPT-2 fixture with its config.json reads as a whole network', async ({ page }) => {
  test.setTimeout(240_000);
  // 32 synthetic token sequences keep the whole read of the 1-layer model short on a CI core
  const json = await readGpt2<{ scope: string; checkpoint: { path: string }; directions: { id: string; scope?: string; detector: string; class: string; head?: number }[] }>(page, { probe: '32' }, 200_000);
  expect(json.checkpoint.path).toBe('gpt2_modadd23_s1.safetensors');
  expect(json.scope).toBe('whole');
  expect(json.directions.length).toBeGreaterThan(0);
  expect(json.directions.every((d) => d.scope === undefined)).toBe(true);
  expect(json.directions.filter((d) => d.detector === 'qk-rotation').map((d) => d.class)).toEqual(['gauge', 'gauge', 'gauge', 'gauge']);
  await expect(page.getByTestId('direction-row')).toHaveCount(json.directions.length);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await expect(page.getByTestId('transformer-blocks')).toContainText('GPT-2');
  await expect(page.getByTestId('transformer-blocks')).toContainText('scope “whole”');
  await expect(page.getByTestId('run-read')).toBeEnabled();
  // the table filters by attention head: head 2's per-head directions (query–key, value–output), as the JSON says
  const head2 = json.directions.filter((d) => d.head === 2).map((d) => d.id).sort();
  expect(head2.length).toBeGreaterThanOrEqual(3);
  await page.getByTestId('filter-head').selectOption('2');
  await expect(page.getByTestId('direction-row')).toHaveCount(head2.length);
  const shown = await page.getByTestId('direction-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-direction-id')));
  expect(shown.sort()).toEqual(head2);
  await page.getByTestId('filter-head').selectOption('');
  await expect(page.getByTestId('direction-row')).toHaveCount(json.directions.length);
});

// The same model on the WebGPU engine: `auto` takes the CPU engine on a fallback adapter
// (SwiftShader here), so the test asks for WebGPU in the settings; a reduced probe and grid keep
// the read short on SwiftShader. Its exact gauges (QK rotation, LayerNorm) read gauge there too.
test('the GPT-2 fixture reads as a whole network on the WebGPU engine', async ({ page }) => {
  test.setTimeout(300_000);
  const json = await readGpt2<{ scope: string; backend: string; directions: { detector: string; class: string }[] }>(page, { probe: '8', perDecade: '2', backend: 'webgpu' }, 240_000);
  expect(json.backend).toBe('webgpu');
  expect(json.scope).toBe('whole');
  expect(json.directions.filter((d) => d.detector === 'qk-rotation').map((d) => d.class)).toEqual(['gauge', 'gauge', 'gauge', 'gauge']);
  const ln = json.directions.filter((d) => d.detector.startsWith('ln-'));
  expect(ln.length).toBeGreaterThan(0);
  expect(ln.map((d) => d.class)).toEqual(ln.map(() => 'gauge'));
  await expect(page.getByTestId('direction-row')).toHaveCount(json.directions.length);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
});
