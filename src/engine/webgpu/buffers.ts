/**
 * A batch's GPU buffers, reused across batches and grown on demand: the patch, index and
 * partial-sum buffers, and the flow buffers. Flow buffers are handed out by a slot allocator keyed
 * by the values a plan computes: a value takes a free slot and gives it back once its last reader
 * has been recorded (a chain thus alternates between two, a residual block needs three).
 */
import type { GpuContext } from './context.ts';

export class BatchBuffers {
  private named = new Map<'patch' | 'idx' | 'partial', GPUBuffer>();
  private flows: GPUBuffer[] = [];
  constructor(private readonly ctx: GpuContext) {}

  /** The patch / index / partial-sum buffer, of at least `bytes`. */
  ensure(which: 'patch' | 'idx' | 'partial', bytes: number): GPUBuffer {
    const cur = this.named.get(which);
    if (cur && cur.size >= bytes) return cur;
    cur?.destroy();
    const buf = this.ctx.storage(Math.max(bytes, 1024), which);
    this.named.set(which, buf);
    return buf;
  }

  partial(): GPUBuffer {
    return this.named.get('partial')!;
  }

  /** Flow buffer k, of at least `bytes`. */
  flow(k: number, bytes: number): GPUBuffer {
    const cur = this.flows[k];
    if (cur && cur.size >= bytes) return cur;
    cur?.destroy();
    return (this.flows[k] = this.ctx.storage(Math.max(bytes, 1024), `flow ${k}`));
  }

  destroy(): void {
    for (const b of [...this.named.values(), ...this.flows]) b.destroy();
    this.named.clear();
    this.flows = [];
  }
}

/** Slots for the values of one batch plan: a value holds its slot until its last reader is recorded. */
export class FlowSlots {
  private holders: number[] = [];

  /** A free slot, held once. */
  alloc(): number {
    let k = this.holders.findIndex((h) => h === 0);
    if (k < 0) k = this.holders.push(0) - 1;
    this.holders[k]++;
    return k;
  }

  /** One more value shares slot k (an op whose output aliases its input). */
  hold(k: number): void {
    this.holders[k]++;
  }

  release(k: number): void {
    this.holders[k]--;
  }

  get count(): number {
    return this.holders.length;
  }
}
