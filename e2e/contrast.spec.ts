/**
 * WCAG 2.x AA contrast of the page's text in both themes: every visible text run against the
 * background it is painted on (ancestors' colours composited), ≥ 4.5:1, or ≥ 3:1 for large text
 * (≥ 24 px, or ≥ 18.66 px bold). Disabled controls are exempt (WCAG 1.4.3). The figures' own
 * text is checked on their white paper in the figure tests.
 */
import { expect, test, type Page } from '@playwright/test';
import { exampleRead } from './read.ts';

interface Miss { text: string; fg: string; bg: string; ratio: number; need: number; where: string }

async function misses(page: Page): Promise<Miss[]> {
  return await page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const over = (top: number[], under: number[]) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3]));
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = (el: Element): number[] => {
      const chain: Element[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) chain.push(e);
      let bg = [255, 255, 255];
      const root = parse(getComputedStyle(document.documentElement).backgroundColor);
      if (root[3] > 0) bg = over(root, bg);
      for (const e of chain.reverse()) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) bg = over(c, bg);
      }
      return bg;
    };
    const out: Miss[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('svg, [aria-hidden="true"], .sr-only, option')) continue;
      if (el.closest('button:disabled, select:disabled, input:disabled, [aria-disabled="true"]')) continue;
      const rect = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      if (rect.width === 0 || rect.height === 0 || cs.visibility === 'hidden') continue;
      let opacity = 1;
      for (let e: Element | null = el; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
      const bg = background(el);
      const c = parse(cs.color);
      const fg = over([c[0], c[1], c[2], c[3] * opacity], bg);
      const [a, b] = [lum(fg), lum(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < need) out.push({ text: text.slice(0, 40), fg: cs.color, bg: `rgb(${bg.map(Math.round).join(',')})`, ratio: Math.round(ratio * 100) / 100, need, where: el.className || el.tagName });
    }
    return out;
  });
}

for (const colorScheme of ['light', 'dark'] as const) {
  test(`text contrast meets WCAG AA in the ${colorScheme} theme`, async ({ browser }) => {
    const page = await browser.newPage({ colorScheme, viewport: { width: 1440, height: 1000 } });
    await exampleRead(page);
    await page.getByTestId('direction-row').first().hover(); // the tooltip and a highlighted row
    const found = await misses(page);
    expect(found, JSON.stringify(found, null, 1)).toEqual([]);
    await page.close();
  });
}
