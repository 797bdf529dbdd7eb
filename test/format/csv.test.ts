/**
 * The CLI's series.csv goes through the same CSV cell rule as the explorer's export (issue 10, CSV
 * formula injection): a checkpoint path or a __metadata__ key that starts with = + - @, tab or CR
 * reaches a spreadsheet as text (a leading '), and parses back to the original after it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { seriesCsv, seriesRow } from '../../src/series/series.ts';
import type { ReadResult } from '../../src/read/schema.ts';
import { parseCsv } from '../ui/helpers.ts';

const read = JSON.parse(readFileSync(new URL('../reads/ts_relu_adamw_s1.read.json', import.meta.url), 'utf8')) as ReadResult;
const trigger = /^[=+\-@\t\r]/;

describe('series.csv neutralises formulas', () => {
  it('hostile file names and metadata keys are text; numbers (negative ones too) stay numbers', () => {
    const file = '=HYPERLINK("http://evil/","c").safetensors';
    const key = '@SUM(A1:A9)';
    const rows = parseCsv(seriesCsv([seriesRow(read, { [key]: '-0.25', '+1+1': '3', step: '7' }, file)]));
    expect(rows).toHaveLength(2);
    const [header, row] = rows;
    for (const cell of [...header, ...row]) if (cell.startsWith("'")) expect(trigger.test(cell.slice(1))).toBe(true);
    for (const cell of [...header, ...row]) expect(trigger.test(cell) && !/^-?\d/.test(cell)).toBe(false);
    expect(row[header.indexOf('file')]).toBe(`'${file}`);
    expect(header).toContain(`'${key}`);
    expect(header).toContain("'+1+1");
    expect(row[header.indexOf(`'${key}`)]).toBe('-0.25');
    expect(row[header.indexOf('step')]).toBe('7');
  });
});
