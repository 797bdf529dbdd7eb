/**
 * The compiled WebAssembly kernels of src/fast/kernels.wat (the fast scan's f32 rows, the
 * eigensolver's f64 loops), of src/fast/conv-kernels.wat (the pattern scan's f32 convolution) and of
 * src/fast/readout-kernels.wat (the readout scan's softmax forms),
 * compiled once per thread; each user instantiates its own memory.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.ts';

const compiled = new Map<string, WebAssembly.Module | null>();

/**
 * A kernel module compiled from its generated base64 (scripts/build-wasm.mjs), once per thread, or
 * null where this runtime has no WebAssembly SIMD.
 */
export function wasmModule(base64: string): WebAssembly.Module | null {
  let m = compiled.get(base64);
  if (m === undefined) {
    try {
      m = new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    } catch {
      m = null;
    }
    compiled.set(base64, m);
  }
  return m;
}

/** Grows `memory` (whole 64 KiB pages) until it holds at least `bytes`. */
export function ensureBytes(memory: WebAssembly.Memory, bytes: number): void {
  const need = bytes - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
}

/** The compiled kernel of src/fast/kernels.wat, or null where this runtime has no WebAssembly SIMD. */
export function kernelModule(): WebAssembly.Module | null {
  return wasmModule(KERNELS_WASM_BASE64);
}
