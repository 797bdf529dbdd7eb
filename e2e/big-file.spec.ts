/**
 * A checkpoint over 2 GiB in the explorer (issue 10, big files): a sparse file whose 23200 × 23200
 * layer is 2.15 GB. Its tensor table opens with the values written into it (Chromium refuses
 * Blob.slice().arrayBuffer() of 2 GiB or more, so the reader slices; before, the table failed with
 * "NotReadableError"), and its read is refused before it starts with the number: the parameters fit
 * in 4 GiB, the f64 live-probe directions over that layer do not.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { exampleRead } from './read.ts';

const H = 23_200;
const dir = mkdtempSync(join(tmpdir(), 'deadscope-e2e-big-'));
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 2 → 4 → H → H → 1, all zeros but the first and last elements of the H × H weight (−2.5, 3.5). */
function sparseCheckpoint(path: string): number {
  const tensors: Array<[string, number[]]> = [['0.weight', [4, 2]], ['0.bias', [4]], ['2.weight', [H, 4]], ['2.bias', [H]], ['4.weight', [H, H]], ['4.bias', [H]], ['6.weight', [1, H]], ['6.bias', [1]]];
  const header: Record<string, unknown> = {};
  let at = 0;
  let big = 0;
  for (const [name, shape] of tensors) {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    if (name === '4.weight') big = at;
    header[name] = { dtype: 'F32', shape, data_offsets: [at, at + bytes] };
    at += bytes;
  }
  const text = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  const start = 8 + text.length;
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.concat([len, text]));
  writeSync(fd, Buffer.from(Float32Array.of(-2.5).buffer), 0, 4, start + big);
  writeSync(fd, Buffer.from(Float32Array.of(3.5).buffer), 0, 4, start + big + 4 * (H * H - 1));
  ftruncateSync(fd, start + at);
  closeSync(fd);
  return start + at;
}

test('a checkpoint over 2 GiB opens its tensor table and says before reading that the read will not fit', async ({ page }) => {
  test.setTimeout(300_000);
  const path = join(dir, 'wide.safetensors');
  expect(sparseCheckpoint(path)).toBeGreaterThan(2 ** 31);
  expect(4 * H * H).toBeGreaterThan(2 ** 31);
  await exampleRead(page);
  await page.getByTestId('file-input').setInputFiles(path);
  await expect(page.locator('[data-testid="checkpoint-tab"][aria-current="true"]')).toContainText('wide', { timeout: 180_000 });
  const row = page.getByTestId('tensor-table').locator('tr', { has: page.locator('td', { hasText: /^4\.weight$/ }) });
  // name, dtype, shape, params, min, max, mean, NaN / Inf
  await expect(row.locator('td')).toHaveText(['4.weight', 'F32', /23200\D+23200/, /538.?240.?000/, '-2.5', '3.5', '1.86e−9', '0 / 0'], { timeout: 180_000 });
  // 4 B × (H² + 6H + 13) of parameters; 2 × 8 B × H² of live-probe directions (src/read/pipeline.ts liveProbeBytes)
  const refusal = page.getByTestId('error-message');
  await expect(refusal).toContainText(/this read needs about [\d.]+ GiB of memory/, { timeout: 120_000 });
  await expect(refusal).toContainText(`live-probe directions over the largest tensor, f64, ${(16 * H * H / 2 ** 30).toFixed(1)} GiB`);
  await expect(refusal).toContainText('more than the 4.0 GiB a read may use');
  // the example stays loaded with its read
  await expect(page.getByTestId('checkpoint-tab')).toHaveCount(2);
});
