/**
 * Sharded Hugging Face checkpoints (`model.safetensors.index.json` + `model-0000k-of-0000n.safetensors`)
 * as one safetensors file: a merged header over the shards' data sections, concatenated lazily as
 * Blob slices, so every reader of a single file (pipeline, worker, CLI) reads a sharded one
 * unchanged, and no shard is loaded whole. The merged file's SHA-256 is the checkpoint's hash.
 */
import { blobSource, openSafetensors, type SafetensorsFile } from './safetensors.ts';

/** The index file is not what Hugging Face writes, or names a shard or tensor that is not there. */
export class ShardIndexError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail} [rule: shard-index]`);
    this.name = 'ShardIndexError';
  }
}

/** The shard file names an index refers to, in order of first mention. */
export function shardNames(indexText: string, indexName: string): string[] {
  return [...new Set(Object.values(weightMap(indexText, indexName)))];
}

function weightMap(indexText: string, indexName: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(indexText);
  } catch (e) {
    throw new ShardIndexError(indexName, `not valid JSON (${(e as Error).message})`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (!map || typeof map !== 'object' || Array.isArray(map)) throw new ShardIndexError(indexName, 'no "weight_map" object (tensor name → shard file)');
  for (const [t, f] of Object.entries(map)) {
    if (typeof f !== 'string' || !f) throw new ShardIndexError(indexName, `weight_map entry ${JSON.stringify(t)} is not a shard file name`);
    // a shard is a file beside the index (Hugging Face writes bare names): a path would let a
    // downloaded index make the reader open any file on the machine
    if (/[\\/]/.test(f) || f === '.' || f === '..') throw new ShardIndexError(indexName, `weight_map entry ${JSON.stringify(t)} names ${JSON.stringify(f)}, a path; shards are file names in the index's folder`);
  }
  return map as Record<string, string>;
}

/**
 * One safetensors Blob from an index and its shards (by file name). Every tensor the index maps
 * must be in its shard; tensors keep their shard's dtype, shape and bytes.
 */
export async function mergeShards(indexText: string, indexName: string, shards: ReadonlyMap<string, Blob>): Promise<Blob> {
  const map = weightMap(indexText, indexName);
  const names = [...new Set(Object.values(map))];
  // null prototypes: a tensor may be named "__proto__"
  const header = Object.create(null) as Record<string, unknown>;
  const metadata = Object.create(null) as Record<string, string>;
  const parts: Blob[] = [];
  let offset = 0;
  for (const name of names) {
    const blob = shards.get(name);
    if (!blob) throw new ShardIndexError(indexName, `shard ${JSON.stringify(name)} is missing (give the folder with every shard)`);
    const file: SafetensorsFile = await openSafetensors(blobSource(blob), name);
    for (const [k, v] of Object.entries(file.metadata ?? {})) metadata[k] ??= v;
    for (const t of [...file.tensors].sort((a, b) => a.begin - b.begin)) {
      if (t.name in header) throw new ShardIndexError(indexName, `tensor ${JSON.stringify(t.name)} is in more than one shard (${name} and another)`);
      header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset + t.begin, offset + t.end] };
    }
    const dataStart = 8 + file.headerLength;
    parts.push(blob.slice(dataStart));
    offset += file.byteSize - dataStart;
  }
  for (const [t, shard] of Object.entries(map)) {
    if (!(t in header)) throw new ShardIndexError(indexName, `tensor ${JSON.stringify(t)} is mapped to ${shard}, which does not hold it`);
  }
  const text = new TextEncoder().encode(JSON.stringify(Object.keys(metadata).length ? { __metadata__: metadata, ...header } : header));
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(text.length), true);
  return new Blob([len, text, ...parts]);
}
