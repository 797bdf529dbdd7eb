/** The CPU engine's sparse rule for concat: each input's change moved to its features of the join. */
import type { Flow, FlowArgs } from '../../engine/cpu/flow.ts';
import { moveFlow } from '../slice/flow.ts';
import { addFlow } from '../add/flow.ts';
import type { ConcatOp } from './definition.ts';

const size = (s: number[]) => s.reduce((x, y) => x * y, 1);

export function concatFlow(_op: ConcatOp, [a, b]: Flow[], args: FlowArgs): Flow {
  const [sa, sb] = args.inShapes;
  const Fa = sa[sa.length - 1], Fb = sb[sb.length - 1], F = Fa + Fb;
  const out = size(args.outShape);
  // a feature of either input lands on its own feature of the output: the join is the sum of the moved flows
  const movedA = moveFlow(a, args.n, size(sa), out, (f) => Math.floor(f / Fa) * F + (f % Fa));
  const movedB = moveFlow(b, args.n, size(sb), out, (f) => Math.floor(f / Fb) * F + Fa + (f % Fb));
  return addFlow({ kind: 'add' }, [movedA, movedB], args);
}
