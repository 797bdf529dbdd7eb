/**
 * The compiled WebAssembly kernels of src/fast/kernels.wat (the fast scan's f32 rows, the
 * eigensolver's f64 loops), and of src/fast/conv-kernels.wat (the pattern scan's f32 convolution),
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

/** The compiled kernel of src/fast/kernels.wat, or null where this runtime has no WebAssembly SIMD. */
export function kernelModule(): WebAssembly.Module | null {
  return wasmModule(KERNELS_WASM_BASE64);
}
