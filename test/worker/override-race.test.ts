/**
 * A setting changed in the sidebar holds at once: a read started while the worker is still
 * inspecting the change (it may be busy finishing a cancelled read) reads with the new setting,
 * and an inspection that fails puts the old one back. Real reads, through the worker's read
 * service in-process; only the inspection's answer is held back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ReaderService } from '../../src/worker/read.worker.ts';
import { openFiles, runRead, setOverrides } from '../../src/state/actions.ts';
import { setReader, type Reader } from '../../src/state/reader.ts';
import { getState, initialState, setState } from '../../src/state/store.ts';

const FIX = resolve(import.meta.dirname, '../../fixtures');
const NAME = 'ts_relu_adamw_s1.safetensors';

afterEach(() => setReader(null));

async function openWithGate(): Promise<{ key: string; gate: { hold: boolean; fail: boolean; release: () => void } }> {
  setState(initialState(), true);
  setState({ settings: { ...getState().settings, perDecade: 2, liveProbes: 2, probe: 32 }, backend: 'cpu' });
  const service = new ReaderService('node');
  const waiting: Array<() => void> = [];
  const gate = { hold: false, fail: false, release: () => { for (const w of waiting.splice(0)) w(); } };
  setReader({
    inspect: async (f, o) => {
      if (gate.hold) await new Promise<void>((r) => waiting.push(r));
      if (gate.fail) throw Object.assign(new Error('the worker could not inspect that'), { name: 'InspectError' });
      return service.inspect(f, o);
    },
    read: (f, o, e) => service.read(f, o, e),
    cancel: async () => service.cancel(),
    backend: () => service.backend(),
  } satisfies Reader);
  await openFiles([{ file: new File([readFileSync(resolve(FIX, NAME))], NAME), path: '' }]);
  while (!['done', 'failed'].includes(getState().checkpoints[0].status)) await new Promise((r) => setTimeout(r, 20));
  return { key: getState().checkpoints[0].key, gate };
}

describe('a changed setting and a read started before the inspection answers', () => {
  it('reads with the new setting', async () => {
    const { key, gate } = await openWithGate();
    expect(getState().checkpoints[0].result!.settings.head).not.toBe('logits');
    gate.hold = true;
    const applied = setOverrides(key, { head: 'logits' });
    await runRead(key);
    expect(getState().checkpoints[0].result!.settings.head).toBe('logits');
    gate.release();
    await applied;
    expect(getState().checkpoints[0].overrides.head).toBe('logits');
  });

  it('puts the old setting back when the inspection fails', async () => {
    const { key, gate } = await openWithGate();
    const old = getState().checkpoints[0].overrides.head;
    gate.hold = true;
    gate.fail = true;
    const applied = setOverrides(key, { head: 'logits' });
    expect(getState().checkpoints[0].overrides.head).toBe('logits');
    gate.release();
    await applied;
    expect(getState().checkpoints[0].overrides.head).toBe(old);
  });
});
