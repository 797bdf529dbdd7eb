/** The CPU engine's sparse rule for patches: a change on pixel (c, y, x) moves to its patch feature. */
import type { Flow, FlowArgs } from '../../engine/cpu/flow.ts';
import { moveFlow } from '../slice/flow.ts';
import { patchFeature, type PatchesOp } from './definition.ts';

export function patchesFlow(op: PatchesOp, [x]: Flow[], a: FlowArgs): Flow {
  const shape = a.inShapes[0];
  const F = shape[0] * shape[1] * shape[2];
  return moveFlow(x, a.n, F, F, (f) => patchFeature(f, shape, op.size));
}
