// @vitest-environment jsdom
/** Results exports: JSON in the CLI's schema, CSV one row per direction; standalone SVG wrapping. */
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, fileStem, resultCsv, resultJson, standaloneSvg, XML_DECLARATION } from '../../src/ui/export.ts';
import { buildRatePlot, directionsInput } from '../../src/ui/figures/index.ts';
import { loadRead, parseCsv, parseSvg } from './helpers.ts';


describe('exports', () => {
  it('JSON export is the read itself (same schema as the CLI)', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const back = JSON.parse(resultJson(r));
    expect(back).toEqual(r);
    expect(back.schema).toBe('deadscope.read/1');
  });

  it('CSV has a header and one row per direction, with the read values', () => {
    const r = loadRead('lnmlp_gelu_s1');
    const rows = parseCsv(resultCsv(r));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(r.directions.length + 1);
    const col = (name: string) => rows[0].indexOf(name);
    r.directions.forEach((d, i) => {
      const row = rows[i + 1];
      expect(row[col('id')]).toBe(d.id);
      expect(row[col('class')]).toBe(d.class);
      expect(row[col('k')]).toBe(d.k === null ? '' : String(d.k));
      expect(Number(row[col('ratio')])).toBe(d.ratio);
      expect(row[col('tensors')]).toBe(d.tensors.join(';'));
      expect(row[col('reason')]).toBe(d.reason);
    });
  });

  it('CSV quotes commas, quotes and newlines', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const d = { ...r.directions[0], reason: 'a, "b"\nc' };
    const rows = parseCsv(resultCsv({ directions: [d] }));
    expect(rows[1][CSV_COLUMNS.indexOf('reason')]).toBe('a, "b"\nc');
  });

  it('standalone SVG carries an XML declaration and parses', () => {
    const svg = standaloneSvg(buildRatePlot(directionsInput(loadRead('ts_relu2_adamw_s1')), { width: 600, height: 360 }));
    expect(svg.startsWith(XML_DECLARATION)).toBe(true);
    expect(standaloneSvg(svg)).toBe(svg);
    parseSvg(svg);
  });

  it('file stems are safe', () => {
    expect(fileStem('ts_relu2_adamw_s1.safetensors')).toBe('ts_relu2_adamw_s1');
    expect(fileStem('my model (v2).safetensors')).toBe('my_model_v2_');
  });
});
