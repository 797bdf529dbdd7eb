/** Flatten in f64: the row-major data is already flat. */
import type { ReferenceOp } from '../op-def.ts';

export const flattenReference: ReferenceOp<'flatten'> = {
  forward: (_op, { xs: [x], dxs: [dx] }) => ({ y: x, dy: dx }),
  vjp: (_op, { cotangent }) => [cotangent.slice()],
};
