/**
 * Label-over-data checks by the browser's own geometry (real font metrics, real path filling):
 * each "k=…" guide label's box, sampled every pixel, against the drawn curves, bands, focus points
 * and fit of a figure (isPointInStroke / isPointInFill).
 */
import type { Locator } from '@playwright/test';

export async function guideLabelHits(figure: Locator): Promise<{ labels: number; hits: string[] }> {
  return await figure.locator('svg').evaluate((svg: SVGSVGElement) => {
    const labels = Array.from(svg.querySelectorAll('text')).filter((t) => /^k=\d$/.test(t.textContent ?? ''));
    const marks = Array.from(svg.querySelectorAll('[data-role="curves"] path, [data-role="focus-curve"] path, [data-role="focus-points"] circle, [data-role="fit"]'))
      .filter((m) => !m.hasAttribute('data-hit')) as SVGGeometryElement[];
    const hits: string[] = [];
    for (const t of labels) {
      const b = (t as SVGTextElement).getBBox();
      let hit: SVGGeometryElement | undefined;
      for (let x = b.x; x <= b.x + b.width && !hit; x += 1) {
        for (let y = b.y; y <= b.y + b.height && !hit; y += 1) {
          const p = new DOMPoint(x, y);
          hit = marks.find((g) => g.isPointInStroke(p) || (getComputedStyle(g).fill !== 'none' && g.isPointInFill(p)));
        }
      }
      if (hit) hits.push(`${t.textContent} over ${hit.getAttribute('data-direction-id') ?? hit.getAttribute('data-role') ?? hit.tagName}`);
    }
    return { labels: labels.length, hits };
  });
}
