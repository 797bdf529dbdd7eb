/**
 * The output-side K-FAC factors the basis-free detectors read (bottom subspace at each linear/conv
 * output, dual factor at each unit layer's consumer input), computed in one reverse pass per probe
 * sample for all of them and kept for the read (keyed by its values), since the pass dominates.
 */
import { outputSideCovariances, type OutputFactorRequest } from '../ops/interpret.ts';
import { size, valueShapes, type ValueId } from '../model/graph.ts';
import { skipsDense, type DetectorContext } from './types.ts';
import { unitLayers } from './units.ts';

const cache = new WeakMap<Float64Array[], Map<string, Float64Array | null>>();
const key = (q: OutputFactorRequest) => `${q.at}:${q.plane}:${q.order ?? 'channels-first'}`;

/** Every factor a detector of this read may ask for (none of a layer it skips: DetectorContext.skipDense). */
function requests(ctx: DetectorContext): OutputFactorRequest[] {
  const shapes = valueShapes(ctx.model);
  const out: OutputFactorRequest[] = [];
  for (const node of ctx.model.nodes) {
    const op = node.op;
    if ((op.kind === 'linear' || op.kind === 'conv2d') && skipsDense(ctx, 'bottom-subspace', op.layer)) continue;
    if (op.kind === 'linear') {
      const T = size(shapes[node.id]) / op.outFeatures;
      out.push({ at: node.id, plane: T, order: T > 1 ? 'positions-first' : 'channels-first' });
    }
    if (op.kind === 'conv2d') out.push({ at: node.id, plane: shapes[node.id][1] * shapes[node.id][2], order: 'channels-first' });
  }
  for (const L of unitLayers(ctx.model)) if (!skipsDense(ctx, 'dual-factor', L.layer)) out.push({ at: L.consumerInput, plane: size(shapes[L.consumerInput]) / L.units, order: 'channels-first' });
  return out;
}

/** G at value `at` with `plane` features per channel; null when reverse mode cannot reach it. */
export async function outputFactor(
  ctx: DetectorContext, at: ValueId, plane: number, order: OutputFactorRequest['order'] = 'channels-first',
): Promise<Float64Array | null> {
  const want: OutputFactorRequest = { at, plane, order };
  let known = cache.get(ctx.values);
  if (!known || !known.has(key(want))) {
    const all = requests(ctx);
    if (!all.some((q) => key(q) === key(want))) all.push(want);
    const Gs = await outputSideCovariances(ctx.model, ctx.params, ctx.values, ctx.probe.count, ctx.head, all, ctx.pause);
    known = new Map(all.map((q, k) => [key(q), Gs[k]]));
    cache.set(ctx.values, known);
  }
  return known.get(key(want)) ?? null;
}
