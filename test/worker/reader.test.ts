/**
 * The read worker and its client, in Node: the worker's ReaderService is served by comlink over
 * a MessageChannel (as in a browser worker), and the client is the one the UI uses. Covers
 * inspect, a whole read with progress/ETA and direction events, cancellation within one scan
 * batch, and the fallback to a CPU worker on a crash or a lost device (files kept, call retried,
 * notice emitted).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as Comlink from 'comlink';
import { ReaderService, DeviceLostError } from '../../src/worker/read.worker.ts';
import { createReader, type ReaderHandle, type WorkerPort } from '../../src/worker/client.ts';
import type { ReadEvent, ReadFiles } from '../../src/worker/api.ts';
import type { Backend } from '../../src/engine/select.ts';
import { CancelledError } from '../../src/engine/types.ts';

const FIX = resolve(import.meta.dirname, '../../fixtures');
const blob = (name: string) => new Blob([readFileSync(`${FIX}/${name}`)]);
const files = (name: string): ReadFiles => ({ checkpoint: blob(name), checkpointName: name });
const QUICK = { probe: 64, perDecade: 2, liveProbes: 2, backend: 'cpu' as const };

/** A "worker" in this process: a ReaderService behind a MessageChannel. */
function channelWorker(service: ReaderService, log: string[] = []): WorkerPort & { crash(msg: string): void } {
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(service, port1 as unknown as Comlink.Endpoint);
  let onCrash: ((m: string) => void) | null = null;
  return {
    endpoint: port2 as unknown as Comlink.Endpoint,
    terminate: () => {
      log.push('terminate');
      service.cancel();
      port1.close();
      port2.close();
    },
    onCrash: (cb) => (onCrash = cb),
    crash: (m) => onCrash?.(m),
  };
}

let readers: ReaderHandle[] = [];
afterEach(() => {
  for (const r of readers) r.dispose();
  readers = [];
});

describe('read worker and client (Node, MessageChannel)', () => {
  it('inspect: tensor table and inferred architecture', async () => {
    const reader = createReader({ spawn: () => channelWorker(new ReaderService('node')) });
    readers.push(reader);
    const s = await reader.inspect(files('ts_relu_adamw_s1.safetensors'));
    expect(s.tensors.map((t) => t.name).sort()).toEqual(['0.weight', '2.weight']);
    expect(s.params).toBe(12 * 8 + 12);
    expect(s.architecture?.nodes.map((n) => n.op.kind)).toEqual(['linear', 'activation', 'linear']);
    expect(s.architectureError).toBeNull();
  });

  it('a transformer: inspect assembles the whole network; a block-local read labels its direction events with the scope', async () => {
    const reader = createReader({ spawn: () => channelWorker(new ReaderService('node')) });
    readers.push(reader);
    const gpt2: ReadFiles = { ...files('gpt2_modadd23_s1.safetensors'), config: blob('gpt2_modadd23_s1.config.json') };
    const s = await reader.inspect(gpt2);
    expect(s.architectureError).toBeNull();
    expect(s.architecture?.inputType).toBe('token');
    expect(s.transformer).toMatchObject({ family: 'gpt2-hf', blocks: [{ name: 'transformer.h.0.attn', kind: 'attention' }, { name: 'transformer.h.0.mlp', kind: 'mlp' }, { name: 'unembedding', kind: 'head' }] });
    const events: ReadEvent[] = [];
    const r = await reader.read(gpt2, { ...QUICK, detectors: ['ln-kernel'], scope: 'block-local' }, (e) => events.push(e));
    expect(r.scope).toBe('block-local');
    const dirs = events.flatMap((e) => (e.type === 'direction' ? [e.direction] : []));
    expect(dirs.map((d) => [d.scope, d.block, d.class])).toEqual([
      ['block-local', 'transformer.h.0.ln_1 → transformer.h.0.attn.c_attn', 'gauge'],
      ['block-local', 'transformer.h.0.mlp', 'gauge'],
    ]);
  });

  it('read: progress with ETA, one event per direction, the deadscope.read/1 JSON', async () => {
    const reader = createReader({ spawn: () => channelWorker(new ReaderService('node')) });
    readers.push(reader);
    const events: ReadEvent[] = [];
    const r = await reader.read(files('ts_relu2_adamw_s1.safetensors'), QUICK, (e) => events.push(e));
    expect(r.schema).toBe('deadscope.read/1');
    expect(r.backend).toBe('cpu');
    const dirs = events.filter((e) => e.type === 'direction');
    expect(dirs.length).toBe(r.directions.length);
    const prog = events.filter((e): e is Extract<ReadEvent, { type: 'progress' }> => e.type === 'progress');
    expect(prog.some((p) => p.stage === 'scanning' && p.etaSeconds !== null)).toBe(true);
    expect(prog[prog.length - 1].fraction).toBeCloseTo(1, 6);
    expect(await reader.backend()).toMatchObject({ name: 'cpu' });
  });

  it('cancel: the running read rejects with CancelledError within one scan batch', async () => {
    const reader = createReader({ spawn: () => channelWorker(new ReaderService('node')) });
    readers.push(reader);
    let seen = 0;
    let atCancel = -1;
    const p = reader.read(files('lnmlp_gelu_s1.safetensors'), { ...QUICK, probe: 16 }, (e) => {
      if (e.type !== 'direction') return;
      seen++;
      if (atCancel < 0) {
        atCancel = seen;
        reader.cancel();
      }
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    // the pipeline scans 16 candidates per batch: at most the rest of that batch arrives
    expect(seen - atCancel).toBeLessThan(16);
  });

  it('a crashed worker: the client moves to a CPU worker, says so, and re-runs the read on the same files', async () => {
    const log: string[] = [];
    const spawned: (Backend | null)[] = [];
    let first: ReturnType<typeof channelWorker> | null = null;
    const reader = createReader({
      backend: 'auto',
      spawn: (backend) => {
        spawned.push(backend);
        const w = channelWorker(new ReaderService('node'), log);
        first ??= w;
        return w;
      },
    });
    readers.push(reader);
    const notices: string[] = [];
    reader.onNotice((m) => notices.push(m));
    const events: ReadEvent[] = [];
    const p = reader.read(files('ts_relu_adamw_s1.safetensors'), { ...QUICK, backend: 'auto' }, (e) => {
      events.push(e);
      if (e.type === 'progress' && spawned.length === 1) first!.crash('simulated crash');
    });
    const r = await p;
    expect(spawned).toEqual(['auto', 'cpu']);
    expect(log).toContain('terminate');
    expect(notices.length).toBe(1);
    expect(notices[0]).toMatch(/crashed.*CPU engine/);
    expect(events.some((e) => e.type === 'notice')).toBe(true);
    expect(r.backend).toBe('cpu');
    expect(reader.forcedBackend).toBe('cpu');
  });

  it('after a crash mid-read the CPU retry does not stream the directions already shown again', async () => {
    const spawned: (Backend | null)[] = [];
    let first: ReturnType<typeof channelWorker> | null = null;
    const reader = createReader({
      backend: 'auto',
      spawn: (backend) => {
        spawned.push(backend);
        const w = channelWorker(new ReaderService('node'));
        first ??= w;
        return w;
      },
    });
    readers.push(reader);
    const ids: string[] = [];
    let beforeCrash = 0;
    const r = await reader.read(files('ts_relu_adamw_s1.safetensors'), { ...QUICK, backend: 'auto' }, (e) => {
      if (e.type !== 'direction') return;
      ids.push(e.direction.id);
      if (spawned.length === 1 && beforeCrash++ === 0) first!.crash('simulated crash after the first direction');
    });
    expect(spawned).toEqual(['auto', 'cpu']);
    expect(beforeCrash).toBeGreaterThan(0);
    // every direction once (unique React keys), and together exactly the finished read's
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(r.directions.map((d) => d.id).sort());
    // the read says why it ran on the CPU engine
    expect(r.settings.engineChoice).toMatch(/^the read worker crashed \(simulated crash after the first direction\) — continuing on the CPU engine$/);
  });

  it('a lost device: DeviceLostError from the worker also falls back to the CPU engine', async () => {
    class LosingService extends ReaderService {
      forcedCpu = false;
      override configure(b: Backend | null, why?: string | null): void {
        this.forcedCpu = b === 'cpu';
        super.configure(b, why);
      }
      override async read(f: ReadFiles, o: Parameters<ReaderService['read']>[1], e: Parameters<ReaderService['read']>[2]) {
        if (!this.forcedCpu) throw new DeviceLostError('WebGPU device lost (simulated)');
        return super.read(f, o, e);
      }
    }
    const reader = createReader({ spawn: () => channelWorker(new LosingService('node')) });
    readers.push(reader);
    const notices: string[] = [];
    reader.onNotice((m) => notices.push(m));
    const r = await reader.read(files('ts_tanh_adamw_s1.safetensors'), QUICK, () => {});
    expect(r.schema).toBe('deadscope.read/1');
    expect(notices[0]).toMatch(/device lost.*CPU engine/);
    expect(r.settings.engineChoice).toMatch(/^WebGPU device lost \(simulated\).* — continuing on the CPU engine$/);
  });
});
