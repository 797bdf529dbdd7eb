/**
 * A cancel lands during a detector's long dense step (the K-FAC output factors of a 12-block GPT-2
 * are one reverse pass per probe sample: tens of seconds, once a single synchronous call that a
 * cancel waited out), and the directions streamed before it are kept.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileSource } from '../../src/format/node-source.ts';
import { readCheckpoint, type ReadProgress } from '../../src/read/pipeline.ts';
import { CpuEngine } from '../../src/engine/cpu/engine.ts';
import type { ReadOptions } from '../../src/read/options.ts';
import type { DirectionResult } from '../../src/read/schema.ts';
import { fixture } from '../helpers/read.ts';
import { evaluateDense, evaluateDensePausing } from '../../src/ops/interpret.ts';
import { CancelledError } from '../../src/engine/types.ts';
import { residualGraph } from '../helpers/residual.ts';
import { createRng, randomParams, randomProbe } from '../helpers/models.ts';

const NAME = 'gpt2_12blocks_s7';
/** from the abort to the read's rejection; the step between checks is ≤ 25 ms plus one sample's pass */
const BOUND_MS = 3000;

/**
 * Starts a read, aborts it `afterMs` after `when` first holds for a progress event, and returns how
 * long the rejection took after the abort was due, the error and the directions streamed before it.
 */
async function cancelDuring(options: Partial<ReadOptions>, when: (p: ReadProgress, streamed: number) => boolean, afterMs: number) {
  const checkpoint = await fileSource(fixture(`${NAME}.safetensors`));
  const stop = new AbortController();
  const streamed: DirectionResult[] = [];
  let stage = '';
  let abortedAt = 0;
  try {
    const read = readCheckpoint({
      checkpoint, checkpointName: NAME, inputs: null, inputsName: null,
      configText: readFileSync(fixture(`${NAME}.config.json`), 'utf8'), configName: `${NAME}.config.json`,
    }, { backend: 'cpu', ...options }, new CpuEngine(), {
      signal: stop.signal,
      onDirection: (d) => streamed.push(d),
      onProgress: (p) => {
        stage = p.stage;
        if (abortedAt || !when(p, streamed.length)) return;
        // timed from when the cancel is due: a timer (like a cancel message) waits for the event loop too
        abortedAt = performance.now() + afterMs;
        setTimeout(() => stop.abort(), afterMs);
      },
    });
    const error = await read.then(() => null, (e: Error) => e);
    return { tookMs: performance.now() - abortedAt, error, streamed, stage };
  } finally {
    await checkpoint.close();
  }
}

describe('cancel during a long detector step', () => {
  it('a whole read stops within the bound while the K-FAC output factors are being computed', async () => {
    const { tookMs, error, stage } = await cancelDuring({ detectors: ['bottom-subspace'] }, (p) => p.stage === 'detectors', 500);
    expect(error?.name).toBe('CancelledError');
    expect(stage).toBe('detectors');
    expect(tookMs).toBeLessThan(BOUND_MS);
  }, 120_000);

  it('a block-local read cancelled in a later block\'s detector step keeps the directions streamed before it', async () => {
    const { tookMs, error, streamed } = await cancelDuring(
      { scope: 'block-local', detectors: ['node-death', 'bottom-subspace'] }, (p, n) => p.stage === 'detectors' && n > 0, 0,
    );
    expect(error?.name).toBe('CancelledError');
    expect(tookMs).toBeLessThan(BOUND_MS);
    expect(streamed.length).toBeGreaterThan(0);
    for (const d of streamed) {
      expect(d.scope, d.id).toBe('block-local');
      expect(d.scan.F.every(Number.isFinite), d.id).toBe(true);
    }
  }, 300_000);
});

describe('the forward pass a read can cancel', () => {
  it('evaluateDensePausing gives evaluateDense\'s values to the bit, pauses after every node, and stops where the pause throws', async () => {
    const g = residualGraph();
    const rng = createRng(5);
    const params = randomParams(g, rng);
    const n = 7;
    const input = randomProbe(g, n, rng).data;
    const plain = evaluateDense(g, params, input, n, { keepValues: true }).values!;
    let pauses = 0;
    const paused = (await evaluateDensePausing(g, params, input, n, { keepValues: true }, async () => { pauses++; })).values!;
    expect(pauses).toBe(g.nodes.length);
    g.nodes.forEach((node) => expect(paused[node.id]).toEqual(plain[node.id]));
    let seen = 0;
    const stopped = await evaluateDensePausing(g, params, input, n, {}, async () => {
      if (++seen === 2) throw new CancelledError();
    }).then(() => null, (e: Error) => e);
    expect(stopped?.name).toBe('CancelledError');
    expect(seen).toBe(2);
  });
});
