/**
 * Waiting for a read in the explorer. "The JSON export is enabled" is not enough: the built-in
 * example's finished read enables it too (before a dropped file becomes the active checkpoint, or
 * after anything reloads the page). The export button names the checkpoint whose read it writes
 * (data-checkpoint), so the tests wait for that name.
 */
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

export const EXAMPLE = 'ts_relu2_adamw_s1.safetensors';

/** `name` as the explorer names a checkpoint (its file name, `.safetensors` added when left off). */
function fileName(name: string): string {
  return /\.safetensors$/i.test(name) ? name : `${name}.safetensors`;
}

/** Wait until the read of checkpoint `name` has finished and is what the JSON export writes. */
export async function readFinished(page: Page, name: string, timeout = 90_000): Promise<void> {
  await expect(page.getByTestId('export-json')).toHaveAttribute('data-checkpoint', fileName(name), { timeout });
  await expect(page.getByTestId('export-json')).toBeEnabled();
}

/** Open the explorer and wait for the built-in example's read. */
export async function exampleRead(page: Page): Promise<void> {
  await page.goto('/');
  await readFinished(page, EXAMPLE);
  await expect(page.getByTestId('direction-row').first()).toBeVisible();
}

/** The JSON export of checkpoint `name`'s read (waits for it), checked to be that checkpoint's. */
export async function exportedJson<T>(page: Page, name: string, timeout = 90_000): Promise<T> {
  await readFinished(page, name, timeout);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const json = JSON.parse(readFileSync(await download.path(), 'utf8')) as T & { checkpoint: { path: string } };
  expect(json.checkpoint.path, 'the exported read is the checkpoint waited for').toBe(fileName(name));
  return json;
}
