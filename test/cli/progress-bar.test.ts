/**
 * The CLI's progress bar (cli-progress) off a terminal: a line on start, every 10 s and at the
 * end, each with the percentage, the stage and an ETA from the measured pace — at a constant
 * 1 % a second, (100 − p) seconds left at p %.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliProgress } from '../../src/cli/progress.ts';

afterEach(() => { vi.useRealTimers(); });

describe('the CLI progress bar', () => {
  it('writes percentage, stage and the time left at the measured pace', () => {
    vi.useFakeTimers({ now: 0 });
    let out = '';
    const stream = Object.assign(new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } }), { isTTY: false, columns: 120 }) as unknown as NodeJS.WriteStream;
    const bar = cliProgress('x.safetensors', stream);
    for (let s = 0; s <= 50; s++) {
      bar.update({ fraction: s / 100, stage: 'scanning' } as Parameters<typeof bar.update>[0]);
      vi.advanceTimersByTime(1000);
    }
    const lines = out.split(/\r?\n/).filter((l) => l.includes('x.safetensors'));
    // a line when the read starts, then one every 10 s
    expect(lines.length, out).toBe(6);
    expect(lines[0]).toMatch(/\| 0% · scanning · ETA \?$/);
    for (const l of lines.slice(1)) {
      const [, pct, m, sec] = /\| (\d+)% · scanning · ETA (?:(\d+)m)?(\d+)s$/.exec(l)!;
      // 1 % a second: (100 − p) seconds left, to the rounding of p
      expect(Math.abs(Number(m ?? 0) * 60 + Number(sec) - (100 - Number(pct))), l).toBeLessThanOrEqual(1);
    }
    bar.stop();
  });
});
