// @vitest-environment jsdom
/** The ν̂-vs-n figure: one point per (k, n) at the computed mean, ν(k) drawn at its value. */
import { describe, expect, it } from 'vitest';
import { parseSvg } from './helpers.ts';
import { buildNuHatPlot } from '../../src/ui/figures/index.ts';
import { nuHatCurve, NU_HAT_SIZES } from '../../src/read/fluctuation-estimate.ts';
import { singularFluctuation } from '../../src/read/fluctuation.ts';

describe('ν̂-vs-n figure', () => {
  it('draws every point of every order with ν(k) as a line, and says what it is', () => {
    const orders = [2, 3].map((k) => nuHatCurve(k, singularFluctuation(k), 1));
    const svg = buildNuHatPlot({ checkpoint: 'x.safetensors', orders }, { width: 640, height: 340 });
    const doc = parseSvg(svg);
    expect(doc.documentElement.getAttribute('data-figure')).toBe('nu-hat-plot');
    for (const o of orders) {
      const g = doc.querySelector(`g[data-order="${o.k}"]`)!;
      const dots = Array.from(g.querySelectorAll<SVGCircleElement>('circle'));
      expect(dots).toHaveLength(NU_HAT_SIZES.length);
      dots.forEach((c, i) => expect(c.querySelector('title')!.textContent).toContain(`n = ${NU_HAT_SIZES[i]}: ν̂ = ${o.nuHat[i].mean.toFixed(4)}`));
      // one linear y scale: (value, y) pairs of the points and the dashed ν(k) line are collinear
      const yNu = Number(g.querySelector('line[data-role="nu"]')!.getAttribute('y1'));
      const pairs: [number, number][] = [[o.nu, yNu], ...dots.map((c, i): [number, number] => [o.nuHat[i].mean, Number(c.getAttribute('cy'))])];
      const [v0, y0] = pairs[0];
      const [v1, y1] = pairs.reduce((a, b) => (Math.abs(b[0] - v0) > Math.abs(a[0] - v0) ? b : a));
      const slope = (y1 - y0) / (v1 - v0);
      expect(slope).toBeLessThan(0); // larger ν̂ is higher up
      for (const [v, y] of pairs) expect(y).toBeCloseTo(y0 + slope * (v - v0), 1);
    }
    expect(doc.querySelector('title')!.textContent).toContain('ν̂ against n');
  });
});
