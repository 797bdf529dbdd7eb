/**
 * Ctrl-C and `kill` end a running read at once (the progress bar once held SIGINT/SIGTERM only
 * to stop itself, and the read ran on to its end), and the bar's ETA text.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { etaText } from '../../src/cli/progress.ts';
import { fixture } from '../helpers/read.ts';

const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;

describe('a running read and signals', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s ends a long read within seconds', async (signal) => {
    // the 12-block GPT-2 read whole at the default probe takes hours on the CPU engine
    const child = spawn(process.execPath, [bin, 'read', fixture('gpt2_12blocks_s7.safetensors'), '--config', fixture('gpt2_12blocks_s7.config.json'), '--backend', 'cpu'],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
    // the bar starts once the file is checked and the read is under way
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); if (/deadscope gpt2_12blocks_s7/.test(stderr)) resolve(); });
      void exited.then(() => reject(new Error(`exited before the read started: ${stderr}`)));
    });
    try {
      const sent = Date.now();
      child.kill(signal);
      const end = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
      expect(end, 'still running 10 s after the signal').not.toBeNull();
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(end!.signal).toBe(signal);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});

describe('the progress bar’s ETA', () => {
  it.each([
    [0, '0s'], [9.4, '9s'], [59.4, '59s'], [59.6, '1m00s'], [119.7, '2m00s'], [125, '2m05s'], [3599.6, '1h00m'], [12_030, '3h21m'],
    [Number.NaN, '?'], [Number.POSITIVE_INFINITY, '?'],
  ])('%s s → %s', (s, text) => expect(etaText(s)).toBe(text));
});
