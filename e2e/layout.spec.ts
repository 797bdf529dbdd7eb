/**
 * Phone width (390 px): results come before the settings and nothing spills sideways; the dark
 * theme exports the same figures as the light one; every control of the table is reachable by Tab.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { guideLabelHits } from './geometry.ts';
import { exampleRead, readFinished } from './read.ts';

async function exportedSvg(page: Page, id: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`export-svg-${id}`).click()]);
  return readFileSync(await download.path(), 'utf8');
}

test.describe('phone width', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test('results first, no sideways overflow', async ({ page }) => {
    await exampleRead(page);
    const summary = await page.getByTestId('summary').boundingBox();
    const settings = await page.locator('#settings-title').boundingBox();
    const rate = await page.getByTestId('rate-plot').boundingBox();
    expect(summary!.y).toBeLessThan(settings!.y);
    expect(rate!.y).toBeLessThan(settings!.y);
    expect(summary!.y).toBeLessThan(844); // a result on the first screen
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.fonts.ready);
    await expect(page).toHaveScreenshot('phone.png', { fullPage: false, mask: [page.locator('[data-volatile]')], maskColor: '#eef0f3' });
  });
});

test('the dark theme exports the same figures as the light one', async ({ browser }) => {
  const svgs: Record<string, string[]> = {};
  for (const colorScheme of ['light', 'dark'] as const) {
    const ctx = await browser.newContext({ colorScheme, viewport: { width: 1440, height: 1000 } });
    const page = await ctx.newPage();
    await exampleRead(page);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim())).toBe(colorScheme === 'dark' ? '#0d1117' : '#f6f7f9');
    svgs[colorScheme] = [await exportedSvg(page, 'rate-plot'), await exportedSvg(page, 'gauge-floor-chart')];
    if (colorScheme === 'dark') {
      await page.mouse.move(0, 0);
      await expect(page).toHaveScreenshot('dark.png', { fullPage: false, mask: [page.locator('[data-volatile]')], maskColor: '#30363d' });
    }
    await ctx.close();
  }
  expect(svgs.dark).toEqual(svgs.light);
});

test('the table’s controls are reachable by keyboard', async ({ page }) => {
  await exampleRead(page);
  await page.getByLabel('search directions').focus();
  // Shift+Tab walks back through the layer and detector filters and the class chips
  const seen: string[] = [];
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Shift+Tab');
    seen.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.getAttribute('data-class') ?? document.activeElement?.tagName ?? ''));
  }
  expect(seen).toContain('filter by layer');
  expect(seen).toContain('filter by detector');
  expect(seen.some((s) => ['live', 'singular', 'flat', 'pre-asymptotic'].includes(s))).toBe(true);
  await page.getByLabel('filter by layer').focus();
  await page.keyboard.press('ArrowDown'); // a native select changes with the keyboard
  await expect(page.getByTestId('direction-row').first()).toBeVisible();
});

test('every control on the page is reachable with Tab', async ({ page }) => {
  await exampleRead(page);
  // a second checkpoint: the compare view and the side-by-side table join the page
  await page.getByTestId('file-input').setInputFiles(resolve(process.cwd(), 'fixtures', 'ts_relu2_muon_s1.safetensors'));
  await readFinished(page, 'ts_relu2_muon_s1.safetensors');
  await expect(page.getByTestId('compare-view')).toBeVisible();
  // every visible, enabled control, numbered
  const total = await page.evaluate(() => {
    const sel = 'button, select, input, textarea, a[href], summary, [tabindex]';
    const controls = Array.from(document.querySelectorAll<HTMLElement>(sel)).filter((el) => {
      if ((el as HTMLButtonElement).disabled || el.getAttribute('tabindex') === '-1' || el.closest('.visually-hidden, [aria-hidden="true"]')) return false;
      // (a closed <details> hides its content, but for its summary)
      if (el.tagName !== 'SUMMARY' && el.closest('details:not([open])')) return false;
      const r = el.getBoundingClientRect();
      return r.width > 1 && r.height > 1 && el.checkVisibility({ visibilityProperty: true });
    });
    controls.forEach((el, i) => el.setAttribute('data-kb', String(i)));
    return controls.length;
  });
  expect(total).toBeGreaterThan(60);
  const reached = new Set<string>();
  await page.locator('body').focus();
  for (let i = 0; i < total + 40 && reached.size < total; i++) {
    await page.keyboard.press('Tab');
    const kb = await page.evaluate(() => document.activeElement?.closest('[data-kb]')?.getAttribute('data-kb') ?? null);
    if (kb !== null) reached.add(kb);
  }
  const missed = await page.evaluate((seen) => Array.from(document.querySelectorAll<HTMLElement>('[data-kb]'))
    .filter((el) => !seen.includes(el.getAttribute('data-kb')!))
    .map((el) => `${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') ?? el.getAttribute('data-testid') ?? el.textContent?.trim().slice(0, 30)}`), [...reached]);
  expect(missed).toEqual([]);
});

test('figure marks are reachable by keyboard: Tab onto a figure, arrows walk its directions, Enter pins', async ({ page }) => {
  await exampleRead(page);
  const fig = page.getByTestId('gauge-floor-chart');
  // Tab from the figure's own export buttons reaches the figure
  await page.getByTestId('export-png-gauge-floor-chart').focus();
  await page.keyboard.press('Tab');
  await expect(fig).toBeFocused();
  // a visible focus ring
  expect(await fig.evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
  const first = await page.getByTestId('direction-row').first().getAttribute('data-direction-id');
  await expect(fig.locator('[data-role="marks"] > g[data-focused]')).toHaveAttribute('data-direction-id', first!);
  await page.keyboard.press('ArrowRight');
  const second = await page.getByTestId('direction-row').nth(1).getAttribute('data-direction-id');
  // the same linked highlight as the mouse: the mark, the other figures, the row, the k-tooltip
  await expect(fig.locator('[data-role="marks"] > g[data-focused]')).toHaveAttribute('data-direction-id', second!);
  await expect(page.getByTestId('rate-plot').locator(`path[data-focused][data-direction-id="${second}"]`).first()).toBeAttached();
  await expect(page.locator(`[data-testid="direction-row"][data-direction-id="${second}"]`)).toHaveClass(/hl/);
  await expect(page.getByTestId('k-tooltip')).toContainText(second!);
  await page.keyboard.press('Enter');
  await expect(page.locator(`[data-testid="direction-row"][data-direction-id="${second}"]`)).toHaveClass(/pinned/);
  await page.keyboard.press('Escape');
  await expect(page.locator(`[data-testid="direction-row"][data-direction-id="${second}"]`)).not.toHaveClass(/pinned/);
});

test('a settings field keeps the caret when its value comes back to the default', async ({ page }) => {
  await exampleRead(page);
  const field = page.locator('label', { hasText: /^probe/ }).locator('input');
  await expect(field).toHaveValue('256');
  await field.focus();
  await page.keyboard.press('End');
  // 256 → 25 → 256 (the default again) → 2560: every key lands in the same field
  await page.keyboard.press('Backspace');
  await expect(field).toHaveValue('25');
  await page.keyboard.type('6');
  await expect(field).toBeFocused();
  await page.keyboard.type('0');
  await expect(field).toHaveValue('2560');
  await expect(field).toBeFocused();
  await expect(page.locator('#settings-title').locator('xpath=..')).toContainText('1 changed');
});

test('the guides’ k-labels cover no drawn curve or band, by the browser’s own geometry, in both themes', async ({ browser }) => {
  for (const colorScheme of ['light', 'dark'] as const) {
    const ctx = await browser.newContext({ colorScheme, viewport: { width: 1440, height: 1000 } });
    const page = await ctx.newPage();
    await exampleRead(page);
    // pin a singular direction: the rate plot's fan then starts at its window
    const singular = await page.getByTestId('rate-plot').locator('[data-role="curves"] path[data-class="singular"]').first().getAttribute('data-direction-id');
    await page.locator(`[data-testid="direction-row"][data-direction-id="${singular}"]`).click();
    await expect(page.locator(`[data-testid="direction-row"][data-direction-id="${singular}"]`)).toHaveClass(/pinned/);
    for (const id of ['rate-plot', 'slope-plot']) {
      const { labels, hits } = await guideLabelHits(page.getByTestId(id));
      expect(labels, `${colorScheme} ${id}`).toBeGreaterThan(0);
      expect(hits, `${colorScheme} ${id}`).toEqual([]);
    }
    await ctx.close();
  }
});
