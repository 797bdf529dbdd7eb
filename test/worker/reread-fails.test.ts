/**
 * Faults keep results: a re-read that fails (here the file changed on disk and is now cut short)
 * leaves the checkpoint's previous read on show, with the error beside it. Real reads, through
 * the worker's read service in-process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReaderService } from '../../src/worker/read.worker.ts';
import { cancelRead, openFiles, runRead } from '../../src/state/actions.ts';
import { setReader, type Reader } from '../../src/state/reader.ts';
import { getState, initialState, setState, updateCheckpoint } from '../../src/state/store.ts';

const FIX = resolve(import.meta.dirname, '../../fixtures');
const NAME = 'ts_relu_adamw_s1.safetensors';

afterEach(() => setReader(null));

describe('a failed re-read', () => {
  it('keeps the previous read visible with the error beside it', async () => {
    setState(initialState(), true);
    setState({ settings: { ...getState().settings, perDecade: 2, liveProbes: 2, probe: 64 }, backend: 'cpu' });
    const service = new ReaderService('node');
    setReader({ inspect: (f, o) => service.inspect(f, o), read: (f, o, e) => service.read(f, o, e), cancel: async () => service.cancel(), backend: () => service.backend() } satisfies Reader);
    const bytes = readFileSync(resolve(FIX, NAME));
    await openFiles([{ file: new File([bytes], NAME), path: '' }]);
    const key = getState().checkpoints[0].key;
    // opening queues the first read: wait for it to finish
    while (getState().checkpoints[0].status !== 'done' && getState().checkpoints[0].status !== 'failed') await new Promise((r) => setTimeout(r, 20));
    const first = getState().checkpoints[0];
    expect(first.status).toBe('done');
    expect(first.result!.directions.length).toBeGreaterThan(0);

    // the file is cut short: the next read fails on its last tensor
    updateCheckpoint(key, (c) => ({ files: { ...c.files, checkpoint: new File([bytes.subarray(0, bytes.length - 4)], NAME) } }));
    await runRead(key);
    const after = getState().checkpoints[0];
    expect(after.status).toBe('failed');
    expect(after.result).toBe(first.result);
    expect(after.partial).toEqual([]);
    // the file's error in words, without its class name
    expect(after.readError).toMatch(/^[^:]*\.safetensors: .*\[rule: buffer-not-fully-indexed\] — the previous read is shown\./);
  });

  it('a cancelled re-read brings the previous read back, not the part of the new one', async () => {
    setState(initialState(), true);
    setState({ settings: { ...getState().settings, perDecade: 2, liveProbes: 2, probe: 64 }, backend: 'cpu' });
    const service = new ReaderService('node');
    setReader({ inspect: (f, o) => service.inspect(f, o), read: (f, o, e) => service.read(f, o, e), cancel: async () => service.cancel(), backend: () => service.backend() } satisfies Reader);
    await openFiles([{ file: new File([readFileSync(resolve(FIX, NAME))], NAME), path: '' }]);
    const key = getState().checkpoints[0].key;
    while (getState().checkpoints[0].status !== 'done' && getState().checkpoints[0].status !== 'failed') await new Promise((r) => setTimeout(r, 20));
    const first = getState().checkpoints[0];
    expect(first.status).toBe('done');

    // a longer re-read (finer grid, more probes), cancelled once its first directions have streamed in
    setState({ settings: { ...getState().settings, perDecade: 8, liveProbes: 8, probe: 256 } });
    const again = runRead(key);
    while (getState().checkpoints[0].partial.length === 0 && getState().checkpoints[0].status === 'reading') await new Promise((r) => setTimeout(r, 5));
    expect(getState().checkpoints[0].status).toBe('reading');
    await cancelRead();
    await again;
    const after = getState().checkpoints[0];
    expect(after.status).toBe('cancelled');
    expect(after.result).toBe(first.result);
    expect(after.partial).toEqual([]);
    expect(after.stale).toBe(true);
    expect(after.readError).toBe('Read cancelled; the previous read is shown.');
  });
});
