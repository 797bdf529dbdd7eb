/**
 * Joining partial reads (`deadscope read --layers …`, one shard per job) into the read of the whole
 * network: the directions in the whole read's order, the layers in network order, and the global
 * assembly (METHOD §6) recomputed over every direction. Shards must come from the same checkpoint
 * with the same settings and together hold every direction exactly once.
 */
import { z } from 'zod';
import { assembled } from './pipeline.ts';
import { fluctuationData } from './fluctuation-estimate.ts';
import type { ReadResult } from './schema.ts';

export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MergeError';
  }
}

const int = z.number().int().nonnegative();
/** What of a partial read the merge relies on; the rest is carried over as it is. */
const PARTIAL_READ = z.looseObject({
  checkpoint: z.looseObject({ sha256: z.string() }),
  settings: z.looseObject({ seed: int }),
  directions: z.array(z.looseObject({
    id: z.string(), layer: z.string(), unit: int.nullable(), detector: z.string(),
    class: z.enum(['live', 'singular', 'gauge', 'inactive', 'flat', 'pre-asymptotic']), kRounded: z.number().int().nullable(),
  })),
  layers: z.array(z.looseObject({ layer: z.string() })),
  warnings: z.array(z.string()),
  timing: z.looseObject({ totalMs: z.number(), prepareMs: z.number(), scanMs: z.number(), queries: z.number() }),
  shard: z.looseObject({
    layers: z.array(z.string()), order: z.array(int), total: int, layerOrder: z.array(z.string()),
    chains: z.array(z.looseObject({ layers: z.array(z.string()), widths: z.array(int).optional(), M: int, H: int, N: int, r: int })),
  }),
});

/** A hand-edited or truncated shard is named with the first field that is wrong, never a TypeError. */
function checkShape(name: string, read: unknown): void {
  const r = read as { schema?: unknown; shard?: unknown } | null;
  if (typeof r !== 'object' || r === null || r.schema !== 'deadscope.read/1') throw new MergeError(`${name}: not a deadscope.read/1 JSON`);
  if (!r.shard) throw new MergeError(`${name}: not a partial read (read it with --layers)`);
  const parsed = PARTIAL_READ.safeParse(read);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MergeError(`${name}: not a well-formed partial read (${issue.path.join('.') || 'the top level'}: ${issue.message})`);
  }
  const { shard, directions } = parsed.data;
  if (shard.order.length !== directions.length || shard.order.some((o) => o >= shard.total)) {
    throw new MergeError(`${name}: not a well-formed partial read (shard.order does not index its ${directions.length} directions among ${shard.total})`);
  }
}

export function mergeReads(shards: { name: string; read: ReadResult }[]): ReadResult {
  if (shards.length === 0) throw new MergeError('no reads to merge');
  for (const { name, read } of shards) checkShape(name, read);
  const first = shards[0];
  const firstSettings = JSON.stringify(first.read.settings);
  const order: number[] = [];
  const directions: ReadResult['directions'] = [];
  const layers: ReadResult['layers'] = [];
  const warnings: string[] = [];
  const timing = { totalMs: 0, prepareMs: 0, scanMs: 0, queries: 0 };
  for (const { name, read } of shards) {
    const shard = read.shard;
    if (read.schema !== 'deadscope.read/1') throw new MergeError(`${name}: not a deadscope.read/1 JSON`);
    if (!shard) throw new MergeError(`${name}: not a partial read (read it with --layers)`);
    if (read.checkpoint.sha256 !== first.read.checkpoint.sha256) throw new MergeError(`${name}: a different checkpoint (sha256) from ${first.name}`);
    if (shard.total !== first.read.shard!.total) throw new MergeError(`${name}: a different set of directions from ${first.name}`);
    if (JSON.stringify(read.settings) !== firstSettings) throw new MergeError(`${name}: read with other settings than ${first.name}`);
    read.directions.forEach((d, i) => {
      order.push(shard.order[i]);
      directions.push(d);
    });
    layers.push(...read.layers);
    for (const w of read.warnings) if (!warnings.includes(w)) warnings.push(w);
    timing.totalMs += read.timing.totalMs;
    timing.prepareMs += read.timing.prepareMs;
    timing.scanMs += read.timing.scanMs;
    timing.queries += read.timing.queries;
  }
  const total = first.read.shard!.total;
  const seen = new Uint8Array(total);
  for (const i of order) {
    if (seen[i]) throw new MergeError(`direction ${directions[order.indexOf(i)].id} is in more than one shard`);
    seen[i] = 1;
  }
  const missing = seen.reduce((n, x) => n + (x ? 0 : 1), 0);
  if (missing) throw new MergeError(`the shards hold ${total - missing} of the ${total} directions: a layer is missing`);
  const sorted = order.map((o, i) => [o, directions[i]] as const).sort((a, b) => a[0] - b[0]).map(([, d]) => d);
  const layerOrder = first.read.shard!.layerOrder;
  layers.sort((a, b) => layerOrder.indexOf(a.layer) - layerOrder.indexOf(b.layer));
  const { shard: _shard, ...rest } = first.read;
  void _shard;
  let assembly: ReturnType<typeof assembled>;
  try {
    assembly = assembled(sorted, first.read.shard!.chains);
  } catch (e) {
    // e.g. a singular direction without an order, or a layer in two chains: edited by hand
    if (e instanceof RangeError) throw new MergeError(`the shards cannot be assembled (${e.message})`);
    throw e;
  }
  return {
    ...rest,
    directions: sorted,
    layers,
    ...assembly,
    ...(first.read.fluctuation ? { fluctuation: fluctuationData(sorted, first.read.settings.seed) } : {}),
    warnings,
    timing,
  };
}
