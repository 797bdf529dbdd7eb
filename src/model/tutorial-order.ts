/**
 * PyTorch-tutorial module names (`conv1`, `bn1`, `conv2`, `bn2`, `fc1`, `fc2`): attributes of a
 * module whose forward() calls the activations and pools functionally, so neither the order of
 * the layers nor the parameter-free ops between them are in the names. The order comes from the
 * numbers in the names and from which shapes chain, not from the alphabet (`bn1` sorts before
 * `conv1`): each stem's layers keep their numeric order, and the stems are merged by a search that
 * only places a layer whose input fits the current width, preferring a layer with the number of
 * the one just placed (bn1 after conv1), then the lowest number. The parameter-free ops follow the
 * tutorials' `pool(relu(bn(conv(x))))`: an activation after every conv/linear but the last, a
 * BatchNorm with its conv's number before that activation (`__metadata__.bn_position` =
 * `after-activation` or `after-pool` moves it), and 2×2 max-pools after conv blocks where the
 * shape arithmetic needs them (most pools first: the tutorials pool after every conv).
 */
import type { Activation, Op } from './graph.ts';
import { outputShape, size } from './graph.ts';

/** A layer with its tensor-name prefix; `width` is a norm's feature count. */
export interface NamedLayer { prefix: string; op: Op; width: number | null }

const TUTORIAL_NAME = /^([A-Za-z_]+?)_?(\d+)$/;

/** Are these prefixes tutorial-style attribute names (every prefix `stem<number>`, no dotted paths)? */
export function isTutorialStyle(prefixes: string[]): boolean {
  return prefixes.length > 1 && prefixes.every((p) => !p.includes('.') && TUTORIAL_NAME.test(p));
}

function stemAndNumber(prefix: string): { stem: string; n: number } {
  const m = TUTORIAL_NAME.exec(prefix)!;
  return { stem: m[1], n: Number(m[2]) };
}

/** The layers in forward order, or null when no order chains. */
export function orderTutorialLayers(layers: NamedLayer[]): NamedLayer[] | null {
  const queues = new Map<string, NamedLayer[]>();
  for (const l of layers) {
    const { stem } = stemAndNumber(l.prefix);
    if (!queues.has(stem)) queues.set(stem, []);
    queues.get(stem)!.push(l);
  }
  for (const q of queues.values()) q.sort((a, b) => stemAndNumber(a.prefix).n - stemAndNumber(b.prefix).n);
  const stems = [...queues.keys()];
  const heads = new Map(stems.map((s) => [s, 0]));
  const convsLeft = () => stems.some((s) => queues.get(s)!.slice(heads.get(s)!).some((l) => l.op.kind === 'conv2d'));
  const order: NamedLayer[] = [];
  const normWidths = new Map(layers.map((l) => [l.op, l.width]));

  // width: channels (image) or features (vector); null before the first layer.
  // This switch is about the tutorial naming convention, not about the ops: a tutorial model names
  // its convs, BatchNorms/LayerNorms and linears as attributes (and flattens between the last conv
  // and the first linear in forward()), so those are the layers that can be placed; any other
  // kind is not a tutorial model and never fits. Exhaustive, so a new kind is decided here.
  const fits = (op: Op, width: number | null, image: boolean): boolean => {
    switch (op.kind) {
      case 'conv2d':
        return (width === null || (image && width === op.inChannels));
      case 'linear':
        // after images a flatten: the spatial size is checked later, but no conv may remain
        return width === null ? true : image ? !convsLeft() : width === op.inFeatures;
      case 'batchnorm':
      case 'layernorm':
        return width !== null && width === normWidths.get(op);
      case 'maxpool':
      case 'activation':
      case 'flatten':
      case 'add':
      case 'rmsnorm':
      case 'mul':
      case 'embedding':
      case 'positional':
      case 'attention':
      case 'take':
      case 'mean':
      case 'slice':
      case 'concat':
      case 'patchify':
      case 'patches':
      case 'cls':
      case 'scale':
        return false;
    }
  };
  const search = (width: number | null, image: boolean, lastNumber: number | null): boolean => {
    if (order.length === layers.length) return true;
    const candidates = stems
      .filter((s) => heads.get(s)! < queues.get(s)!.length)
      .map((s) => queues.get(s)![heads.get(s)!])
      .filter((l) => fits(l.op, width, image))
      .sort((a, b) => {
        const na = stemAndNumber(a.prefix).n, nb = stemAndNumber(b.prefix).n;
        return Number(nb === lastNumber) - Number(na === lastNumber) || na - nb;
      });
    for (const l of candidates) {
      const { stem, n } = stemAndNumber(l.prefix);
      heads.set(stem, heads.get(stem)! + 1);
      order.push(l);
      const op = l.op;
      const next = op.kind === 'conv2d' ? { width: op.outChannels, image: true } : op.kind === 'linear' ? { width: op.outFeatures, image: false } : { width, image };
      if (search(next.width, next.image, n)) return true;
      order.pop();
      heads.set(stem, heads.get(stem)! - 1);
    }
    return false;
  };
  return search(null, false, null) ? order : null;
}

/**
 * The op lists to try for an ordered tutorial model, most pools first (ties: later convs pooled
 * first); the caller keeps the first that chains for the input shape.
 */
export type BatchNormPosition = 'before-activation' | 'after-activation' | 'after-pool';
export const BN_POSITIONS: readonly BatchNormPosition[] = ['before-activation', 'after-activation', 'after-pool'];

export function tutorialOpLists(ordered: NamedLayer[], activation: Activation, bnPosition: BatchNormPosition): Op[][] {
  const convs = ordered.filter((l) => l.op.kind === 'conv2d').length;
  const lastWeighted = ordered.map((l) => l.op.kind === 'conv2d' || l.op.kind === 'linear').lastIndexOf(true);
  const patterns = [...Array(1 << convs).keys()].sort((a, b) => popcount(b) - popcount(a) || b - a);
  return patterns.map((pattern) => {
    const ops: Op[] = [];
    let conv = 0;
    for (let i = 0; i < ordered.length; i++) {
      const op = ordered[i].op;
      ops.push(op);
      if ((op.kind !== 'conv2d' && op.kind !== 'linear') || i >= lastWeighted) continue;
      // the BatchNorm with this layer's number follows it, before or after the activation
      const next = ordered[i + 1];
      const bn = next?.op.kind === 'batchnorm' && stemAndNumber(next.prefix).n === stemAndNumber(ordered[i].prefix).n ? next.op : null;
      if (bn) i++;
      if (bn && bnPosition === 'before-activation') ops.push(bn);
      ops.push({ kind: 'activation', fn: activation });
      if (bn && bnPosition === 'after-activation') ops.push(bn);
      if (op.kind === 'conv2d') {
        if (pattern & (1 << conv)) ops.push({ kind: 'maxpool', kernel: 2, stride: 2 });
        conv++;
      }
      if (bn && bnPosition === 'after-pool') ops.push(bn);
    }
    return ops;
  });
}

function popcount(x: number): number {
  let c = 0;
  for (; x; x >>= 1) c += x & 1;
  return c;
}

/** Insert a flatten before the first linear that reads an image; null when a shape does not chain. */
export function checkChain(ops: Op[], inputShape: number[]): Op[] | null {
  const out: Op[] = [];
  let shape = inputShape;
  for (const op of ops) {
    const image = shape.length === 3;
    if (op.kind === 'linear') {
      if (image) {
        out.push({ kind: 'flatten' });
        shape = [size(shape)];
      }
      if (shape[0] !== op.inFeatures) return null;
    } else if (op.kind === 'conv2d') {
      if (!image || shape[0] !== op.inChannels) return null;
      if (shape[1] + 2 * op.padding[0] < op.kernel[0] || shape[2] + 2 * op.padding[1] < op.kernel[1]) return null;
    } else if (op.kind === 'maxpool') {
      if (!image || shape[1] < 2 || shape[2] < 2) return null;
    }
    out.push(op);
    shape = outputShape(op, [shape]);
  }
  return out;
}
