/** The CPU engine's sparse rule for patchify: a change on feature (d, p) moves to (p, d). */
import type { Flow, FlowArgs } from '../../engine/cpu/flow.ts';
import { moveFlow } from '../slice/flow.ts';
import type { PatchifyOp } from './definition.ts';

export function patchifyFlow(_op: PatchifyOp, [x]: Flow[], a: FlowArgs): Flow {
  const [D, h, w] = a.inShapes[0];
  const P = h * w;
  return moveFlow(x, a.n, D * P, D * P, (f) => (f % P) * D + Math.floor(f / P));
}
