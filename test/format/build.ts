/**
 * Hand-built safetensors bytes for tests: 8-byte little-endian header length, header text,
 * data. Built by hand (not with our writer) so the reader is tested against the format itself.
 */

export interface BuildOptions {
  /** Header length to declare instead of the real one (to test bad lengths). */
  n?: number | bigint;
}

/** `header` is JSON text (or an object to stringify, or raw bytes); `data` is bytes or a count of zero bytes. */
export function stBytes(header: string | object | Uint8Array, data: number | Uint8Array = 0, opts: BuildOptions = {}): Uint8Array {
  const h =
    header instanceof Uint8Array ? header
    : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(opts.n ?? h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

/** A tensor entry for a header object. */
export function entry(dtype: string, shape: unknown[], offsets: unknown[]): object {
  return { dtype, shape, data_offsets: offsets };
}
