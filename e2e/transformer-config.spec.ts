/**
 * A transformer dropped without its config.json, whose shapes do not give the number of heads
 * (GPT-2): the explorer reads it block by block, names the missing hyperparameter and asks for it
 * in a config.json template; the completed template, applied, assembles the whole network.
 */
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { exampleRead, exportedJson } from './read.ts';

const FIXTURES = resolve(process.cwd(), 'fixtures');

test('GPT-2 without config.json: the heads are asked for; the completed config.json assembles the whole network', async ({ page }) => {
  test.setTimeout(240_000);
  await exampleRead(page);
  // a small probe and grid keep the block-local read short on a CI core
  await page.locator('label:has(.setting-name:text-is("probe"))').locator('input').fill('8');
  await page.locator('label:has(.setting-name:text-is("perDecade"))').locator('input').fill('2');
  await page.getByTestId('file-input').setInputFiles([
    { name: 'gpt2_modadd23_s1.safetensors', mimeType: 'application/octet-stream', buffer: readFileSync(resolve(FIXTURES, 'gpt2_modadd23_s1.safetensors')) },
  ]);
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText('gpt2_modadd23_s1', { timeout: 60_000 });
  const bare = await exportedJson<{ scope: string }>(page, 'gpt2_modadd23_s1.safetensors', 200_000);
  expect(bare.scope).toBe('block-local');
  const ask = page.getByTestId('config-ask');
  await expect(ask).toContainText('number of heads');
  await expect(page.getByTestId('transformer-blocks')).toContainText('scope “block-local”');
  const text = page.getByTestId('config-ask-text');
  expect(JSON.parse(await text.inputValue())).toEqual({ n_head: null });
  await text.fill(JSON.stringify({ n_head: 4 }));
  await page.getByTestId('config-ask-apply').click();
  await expect(page.getByTestId('transformer-blocks')).toContainText('scope “whole”');
  await expect(ask).toHaveCount(0);
  await expect(page.getByText('config.json (edited here)')).toBeVisible();
});
