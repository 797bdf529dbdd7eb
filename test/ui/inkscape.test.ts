/**
 * The exported SVG opens in Inkscape (run only where `inkscape` is installed; skipped otherwise):
 * each figure, exported standalone, converts to a PNG of the figure's size with no error.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { standaloneSvg } from '../../src/ui/export.ts';
import { buildAlignmentHeatmap, buildGaugeFloor, buildRatePlot, buildSlopePlot, directionsInput } from '../../src/ui/figures/index.ts';
import { DATASETS, loadRead } from './helpers.ts';

const hasInkscape = spawnSync('inkscape', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasInkscape)('exports open in Inkscape', () => {
  it('all four figures convert to PNG', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const inp = directionsInput(r, 'tensor <&> "names".safetensors');
    const size = { width: 640, height: 380 };
    const focus = r.directions.find((d) => d.window)?.id ?? null;
    const figures: Record<string, string> = {
      'rate-plot': buildRatePlot(inp, size, { focus }),
      'slope-plot': buildSlopePlot(inp, size, { focus }),
      'gauge-floor-chart': buildGaugeFloor(inp, size, { focus }),
      'alignment-heatmap': buildAlignmentHeatmap(DATASETS.map((n) => ({ name: `${n}.safetensors`, layers: loadRead(n).layers })), size),
    };
    const dir = mkdtempSync(join(tmpdir(), 'deadscope-inkscape-'));
    for (const [id, svg] of Object.entries(figures)) {
      const src = join(dir, `${id}.svg`), out = join(dir, `${id}.png`);
      writeFileSync(src, standaloneSvg(svg));
      execFileSync('inkscape', [src, '--export-type=png', `--export-filename=${out}`], { stdio: 'pipe', timeout: 60_000 });
      const png = readFileSync(out);
      expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), id).toBe('PNG');
      expect(png.readUInt32BE(16), `${id} width`).toBe(size.width);
      expect(png.readUInt32BE(20), `${id} height`).toBe(size.height);
    }
  }, 120_000);
});
