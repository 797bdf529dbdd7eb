/**
 * The two common answers of `OpDefinition.positionsRead` (which positions of each input a sequence
 * output at some positions reads; src/engine/cpu/positions.ts cuts the CPU engine's flows to them).
 */

/** Acts per position: an input [T, ·] with the output's T is read at the output's positions; any other input whole. */
export function samePositions(_op: unknown, out: Uint8Array | null, inputs: number[][], output: number[]): (Uint8Array | null)[] {
  return inputs.map((x) => (x.length === 2 && output.length === 2 && x[0] === output[0] ? out : null));
}

/** Mixes positions (or is not a sequence op): every input is read whole. */
export function allPositions(_op: unknown, _out: Uint8Array | null, inputs: number[][]): (Uint8Array | null)[] {
  return inputs.map(() => null);
}
