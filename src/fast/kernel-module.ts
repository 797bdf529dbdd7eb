/**
 * The compiled WebAssembly kernels of src/fast/kernels.wat (the fast scan's f32 rows, the
 * eigensolver's f64 loops), compiled once per thread; each user instantiates its own memory.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.ts';

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where this runtime has no WebAssembly SIMD. */
export function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}
