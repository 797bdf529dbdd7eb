/**
 * A transformer dropped into the explorer (checkpoint + its config.json) is read block by block
 * in the browser: the read finishes, every direction is labelled block-local, and the table shows
 * every direction of the exported JSON.
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';

const FIXTURES = resolve(process.cwd(), 'fixtures');

test('the GPT-2 fixture with its config.json reads block-locally', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/');
  await expect(page.getByTestId('export-json')).toBeEnabled({ timeout: 90_000 });
  await page.getByTestId('file-input').setInputFiles([
    { name: 'gpt2_modadd23_s1.safetensors', mimeType: 'application/octet-stream', buffer: readFileSync(resolve(FIXTURES, 'gpt2_modadd23_s1.safetensors')) },
    { name: 'config.json', mimeType: 'application/json', buffer: readFileSync(resolve(FIXTURES, 'gpt2_modadd23_s1.config.json')) },
  ]);
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText('gpt2_modadd23_s1', { timeout: 60_000 });
  await expect(page.getByTestId('export-json')).toBeEnabled({ timeout: 200_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const json = JSON.parse(readFileSync(await download.path(), 'utf8')) as { scope: string; checkpoint: { path: string }; directions: { scope: string; block: string }[] };
  expect(json.checkpoint.path).toBe('gpt2_modadd23_s1.safetensors');
  expect(json.scope).toBe('block-local');
  expect(json.directions.length).toBeGreaterThan(0);
  expect(json.directions.every((d) => d.scope === 'block-local')).toBe(true);
  await expect(page.getByTestId('direction-row')).toHaveCount(json.directions.length);
  await expect(page.getByTestId('error-banner')).toHaveCount(0);
  await expect(page.getByTestId('transformer-blocks')).toContainText('GPT-2');
  await expect(page.getByTestId('run-read')).toBeEnabled();
});
