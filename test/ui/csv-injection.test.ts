/**
 * CSV formula injection (OWASP): a tensor named `=HYPERLINK("http://evil/","c").weight` must
 * reach the spreadsheet as text. Every text cell that starts with = + - @, tab or CR gets a
 * leading ', and parses back to the original after that one character; numbers are untouched.
 */
import { describe, expect, it } from 'vitest';
import { csvCell, resultCsv, CSV_COLUMNS } from '../../src/ui/export.ts';
import { loadRead, parseCsv } from './helpers.ts';


const hostile = ['=HYPERLINK("http://evil/","c")', '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1', '\r=1'];
const trigger = /^[=+\-@\t\r]/;

describe('CSV export neutralises formulas', () => {
  it('each hostile text cell starts with a quote mark and reads back to the original', () => {
    for (const h of hostile) {
      const [[cell]] = parseCsv(`${csvCell(h)}\r\n`);
      expect(cell[0], JSON.stringify(h)).toBe("'");
      expect(cell.slice(1)).toBe(h);
    }
  });
  it('harmless text and numbers (negative ones too) are written as they are', () => {
    expect(csvCell('0.weight')).toBe('0.weight');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell(-1e-300)).toBe('-1e-300');
    expect(csvCell(Number.NaN)).toBe('');
  });
  it('a read whose names are formulas exports no cell a spreadsheet would evaluate', () => {
    const r = loadRead('ts_relu2_adamw_s1');
    const evil = r.directions.map((d, i) => ({
      ...d, id: hostile[i % hostile.length] + d.id, layer: hostile[(i + 1) % hostile.length], tensors: [`${hostile[i % hostile.length]}.weight`, d.tensors[0]],
      reason: hostile[(i + 2) % hostile.length],
    }));
    const rows = parseCsv(resultCsv({ directions: evil }));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(evil.length + 1);
    const textColumns = ['id', 'layer', 'tensors', 'reason'].map((c) => CSV_COLUMNS.indexOf(c as never));
    for (const [i, row] of rows.slice(1).entries()) {
      for (const cell of row) expect(cell, `row ${i}: ${cell}`).not.toMatch(trigger);
      for (const c of textColumns) expect(row[c][0]).toBe("'");
      expect(row[CSV_COLUMNS.indexOf('tensors')].slice(1)).toBe(evil[i].tensors.join(';'));
      expect(row[CSV_COLUMNS.indexOf('k')]).toBe(evil[i].k === null ? '' : String(evil[i].k));
    }
  });
});
