/**
 * Architecture inference: from tensor names, shapes and `__metadata__` (or an explicit
 * architecture JSON) to a graph. Rules, in order:
 *  1. Group tensors by prefix (name minus its last component); sort prefixes naturally.
 *  2. A group is linear (2-D weight), conv2d (4-D weight), batchnorm (1-D weight with running
 *     stats) or layernorm (1-D weight without them).
 *  3. torch `nn.Sequential` leaves index gaps where parameter-free layers sit: after a linear or
 *     conv the first missing slot is the activation; after a norm on vectors it is the
 *     activation; after a norm on images it is a 2×2 max-pool; a slot after a pool is a flatten.
 *     Nested names (`0.0.weight`, dfdx/tuple style) close each parent with an activation.
 *  4. Image input size: from the probe inputs, else `__metadata__.input_shape`, else the smallest
 *     square size the shape arithmetic accepts (stated in a warning). Convs: stride 1, no padding
 *     unless `__metadata__` or the architecture JSON says otherwise.
 */
import { recognizeTransformer } from './families.ts';
import { BN_POSITIONS, checkChain, isTutorialStyle, orderTutorialLayers, tutorialOpLists, type BatchNormPosition } from './tutorial-order.ts';
import { ACTIVATIONS, chainGraph, graphError, isParamOp, outputShape, valueShapes, size, type Activation, type GraphNode, type InputType, type ModelGraph, type Op } from './graph.ts';
import { DEFINITIONS, definitionOf, isOpKind } from '../ops/definitions.ts';
import type { ArchContext, ArchLayer } from '../ops/types.ts';

export interface TensorDesc { name: string; shape: number[] }

export class ArchitectureError extends Error {
  constructor(message: string, readonly tensors: string[] = []) {
    super(message);
    this.name = 'ArchitectureError';
  }
}

export interface InferOptions {
  /** explicit activation (flag or UI setting) */
  activation?: Activation | null;
  /** per-sample input feature count known from probe inputs */
  inputFeatures?: number | null;
  /** Hugging Face config.json, parsed */
  config?: Record<string, unknown> | null;
}

const ACTIVATION_ALIASES: Record<string, Activation> = {
  relu: 'relu', relu2: 'relu2', squared_relu: 'relu2', relu_squared: 'relu2', gelu: 'gelu', gelu_erf: 'gelu',
  gelu_tanh: 'gelu_tanh', gelu_new: 'gelu_tanh', gelu_pytorch_tanh: 'gelu_tanh', tanh: 'tanh', silu: 'silu',
  swish: 'silu', identity: 'identity', linear: 'identity', none: 'identity',
};

export function parseActivation(name: string): Activation | null {
  return ACTIVATION_ALIASES[name.trim().toLowerCase()] ?? null;
}

interface Group {
  prefix: string;
  path: (number | string)[];
  suffixes: Map<string, TensorDesc>;
}

type Slot = { kind: 'layer'; op: Op } | { kind: 'free'; after: Op['kind'] | 'start'; image: boolean; index: number };

export function inferArchitecture(
  tensors: TensorDesc[], metadata: Record<string, string> | null, options: InferOptions = {},
): ModelGraph {
  const transformer = recognizeTransformer(tensors, options.config ?? null);
  if (transformer) {
    throw new ArchitectureError(
      `recognised ${transformer.label}, ${transformer.blocks.length} blocks: the whole network cannot be assembled as a chain; a read reads each block block-locally (scope "block-local")`,
      [],
    );
  }
  if (options.config && typeof options.config.model_type === 'string') {
    throw new ArchitectureError(
      `config.json declares model_type "${options.config.model_type}", but no attention projections were recognised in the tensor names — pass --arch for a chain model`,
      tensors.map((t) => t.name),
    );
  }
  const warnings: string[] = [];
  const { activation, activationSource } = chooseActivation(metadata, options.activation ?? null, warnings);
  const groups = groupTensors(tensors);
  const unplaced: string[] = [];
  const layers: { group: Group; op: Op }[] = [];
  for (const g of groups) {
    const op = classifyGroup(g, metadata);
    if (op) layers.push({ group: g, op });
    else unplaced.push(...[...g.suffixes.values()].map((t) => t.name));
  }
  if (unplaced.length) {
    throw new ArchitectureError(
      `could not place tensors ${unplaced.map((n) => `"${n}"`).join(', ')} (expected <prefix>.weight/.bias of Linear, Conv2d, BatchNorm or LayerNorm layers); pass an explicit architecture with --arch`,
      unplaced,
    );
  }
  if (!layers.length) throw new ArchitectureError('no parameter tensors found', []);

  // PyTorch-tutorial attribute names (conv1, bn1, …, fc1): order by numbers and chaining shapes
  const tutorial = isTutorialStyle(layers.map((l) => l.group.prefix));
  let tutorialLists: Op[][] = [];
  if (tutorial) {
    const ordered = orderTutorialLayers(layers.map((l) => ({ prefix: l.group.prefix, op: l.op, width: normWidth(l.group) })));
    if (!ordered) {
      throw new ArchitectureError(
        `the layers ${layers.map((l) => `${l.group.prefix}: ${describe(l.op)}`).join(', ')} chain in no order; pass an explicit architecture with --arch`,
        layers.flatMap((l) => [...l.group.suffixes.values()].map((t) => t.name)),
      );
    }
    const position = metadata?.bn_position ?? 'before-activation';
    if (!(BN_POSITIONS as readonly string[]).includes(position)) throw new ArchitectureError(`__metadata__.bn_position "${position}" is not one of ${BN_POSITIONS.join(', ')}`);
    tutorialLists = tutorialOpLists(ordered, activation, position as BatchNormPosition);
    layers.splice(0, layers.length, ...ordered.map((o) => layers.find((l) => l.op === o.op)!));
    warnings.push(`layer order ${ordered.map((o) => o.prefix).join(' → ')} from the numbers in the names and the chaining shapes; activations after each layer but the last${ordered.some((o) => o.op.kind === 'batchnorm') ? `, BatchNorm ${position}` : ''}, 2×2 max-pools where the shapes need them (set --arch to change)`);
  }

  // Lay the layers out with the parameter-free slots the index gaps leave.
  const slots: Slot[] = [];
  layers.forEach(({ group, op }, i) => {
    slots.push({ kind: 'layer', op });
    const next = layers[i + 1];
    if (!next) return;
    const gap = gapBetween(group.path, next.group.path);
    let prevKind: Op['kind'] = op.kind;
    for (let k = 0; k < gap; k++) {
      slots.push({ kind: 'free', after: prevKind, image: false, index: k });
      prevKind = 'activation';
    }
  });

  const first = layers[0].op;
  const imageInput = first.kind === 'conv2d';
  const metaShape = metadata?.input_shape?.split(',').map((s) => Number(s.trim()));
  let candidates: number[][];
  if (!imageInput) {
    const inF = first.kind === 'linear' ? first.inFeatures : (tensors[0]?.shape[0] ?? 0);
    candidates = [[inF]];
  } else if (metaShape && metaShape.every(Number.isInteger)) {
    candidates = [metaShape];
  } else if (options.inputFeatures) {
    const c = first.inChannels;
    const hw = Math.round(Math.sqrt(options.inputFeatures / c));
    if (c * hw * hw !== options.inputFeatures) {
      throw new ArchitectureError(
        `probe inputs have ${options.inputFeatures} features per sample, not C·H·W for a square ${c}-channel image; set __metadata__.input_shape or pass --arch`,
        [first.weight],
      );
    }
    candidates = [[c, hw, hw]];
  } else {
    candidates = [];
    for (let h = 1; h <= 512; h++) candidates.push([first.inChannels, h, h]);
  }

  // (input shape, ops) to try in order; for tutorial names with no known input size, the pool
  // patterns (most pools first) are tried before the sizes, since a pool-free chain would fit a
  // smaller image and the tutorials pool after every conv
  const attempts = function* (): Generator<[number[], Op[] | null]> {
    if (tutorial && candidates.length > 1) {
      for (const list of tutorialLists) for (const inputShape of candidates) yield [inputShape, checkChain(list, inputShape)];
    } else {
      for (const inputShape of candidates) yield [inputShape, tutorial ? firstChaining(tutorialLists, inputShape) : resolveSlots(slots, inputShape, activation)];
    }
  };
  for (const [inputShape, ops] of attempts()) {
    if (ops) {
      if (imageInput && candidates.length > 1) {
        warnings.push(`input size ${inputShape.join('×')} inferred from the shape arithmetic; give probe inputs or __metadata__.input_shape to fix it`);
      }
      return chainGraph(inputShape, ops, { activation, activationSource, warnings });
    }
  }
  throw new ArchitectureError(
    `the layer shapes do not chain (${layers.map((l) => `${l.group.prefix}: ${describe(l.op)}`).join(' → ')}); pass an explicit architecture with --arch`,
    layers.flatMap((l) => [...l.group.suffixes.values()].map((t) => t.name)),
  );
}

function firstChaining(lists: Op[][], inputShape: number[]): Op[] | null {
  for (const ops of lists) {
    const chained = checkChain(ops, inputShape);
    if (chained) return chained;
  }
  return null;
}

/** A norm group's feature count (its weight, bias or running mean). */
function normWidth(g: Group): number | null {
  const t = g.suffixes.get('weight') ?? g.suffixes.get('running_mean') ?? g.suffixes.get('bias');
  return t && t.shape.length === 1 ? t.shape[0] : null;
}

function chooseActivation(
  metadata: Record<string, string> | null, override: Activation | null, warnings: string[],
): { activation: Activation; activationSource: ModelGraph['activationSource'] } {
  const metaName = metadata?.activation;
  const fromMeta = metaName ? parseActivation(metaName) : null;
  if (metaName && !fromMeta) warnings.push(`__metadata__.activation "${metaName}" is not one of ${ACTIVATIONS.join(', ')}`);
  if (override) {
    if (fromMeta && fromMeta !== override) warnings.push(`activation set to ${override}, overriding __metadata__.activation = ${metaName}`);
    return { activation: override, activationSource: 'setting' };
  }
  if (fromMeta) return { activation: fromMeta, activationSource: 'metadata' };
  warnings.push('no activation in __metadata__ or settings: assuming ReLU (set --activation to change)');
  return { activation: 'relu', activationSource: 'default' };
}

function naturalKey(prefix: string): (number | string)[] {
  return prefix.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function compareKeys(a: (number | string)[], b: (number | string)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

function groupTensors(tensors: TensorDesc[]): Group[] {
  const byPrefix = new Map<string, Group>();
  for (const t of tensors) {
    const cut = t.name.lastIndexOf('.');
    const prefix = cut < 0 ? '' : t.name.slice(0, cut);
    const suffix = cut < 0 ? t.name : t.name.slice(cut + 1);
    let g = byPrefix.get(prefix);
    if (!g) byPrefix.set(prefix, (g = { prefix, path: naturalKey(prefix), suffixes: new Map() }));
    g.suffixes.set(suffix, t);
  }
  return [...byPrefix.values()].sort((a, b) => compareKeys(a.path, b.path));
}

/** Parameter-free slots between two layers' Sequential indices. */
function gapBetween(a: (number | string)[], b: (number | string)[]): number {
  let i = 0;
  while (i < Math.min(a.length, b.length) && a[i] === b[i]) i++;
  const x = a[i];
  const y = b[i];
  const direct = typeof x === 'number' && typeof y === 'number' ? Math.max(0, y - x - 1) : 0;
  // `0.0` → `1.0`: the parent `0` may hold parameter-free layers after its `.0` (tuple style):
  // count one slot for the rest of the parent.
  const nestedTail = a.length > i + 1 ? 1 : 0;
  return direct + nestedTail;
}

const KNOWN_SUFFIXES = new Set(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);

function classifyGroup(g: Group, metadata: Record<string, string> | null): Op | null {
  for (const s of g.suffixes.keys()) if (!KNOWN_SUFFIXES.has(s)) return null;
  const w = g.suffixes.get('weight');
  const b = g.suffixes.get('bias');
  const name = (s: string) => (g.suffixes.has(s) ? g.suffixes.get(s)!.name : null);
  const layer = g.prefix;
  if (w && w.shape.length === 2) {
    if (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[0])) return null;
    return { kind: 'linear', layer, weight: w.name, bias: name('bias'), outFeatures: w.shape[0], inFeatures: w.shape[1] };
  }
  if (w && w.shape.length === 4) {
    const stride = Number(metadata?.[`${layer}.stride`] ?? metadata?.conv_stride ?? 1);
    const padding = Number(metadata?.[`${layer}.padding`] ?? metadata?.conv_padding ?? 0);
    return {
      kind: 'conv2d', layer, weight: w.name, bias: name('bias'), outChannels: w.shape[0], inChannels: w.shape[1],
      kernel: [w.shape[2], w.shape[3]], stride: [stride, stride], padding: [padding, padding],
    };
  }
  const mean = name('running_mean');
  const variance = name('running_var');
  if (mean && variance) {
    return { kind: 'batchnorm', layer, weight: name('weight'), bias: name('bias'), runningMean: mean, runningVar: variance, eps: Number(metadata?.bn_eps ?? 1e-5) };
  }
  if (w && w.shape.length === 1) {
    return { kind: 'layernorm', layer, weight: w.name, bias: name('bias'), eps: Number(metadata?.ln_eps ?? 1e-5) };
  }
  return null;
}

/** Fill the free slots and check every shape; null when the chain does not fit this input. */
function resolveSlots(slots: Slot[], inputShape: number[], activation: Activation): Op[] | null {
  const ops: Op[] = [];
  let shape = inputShape;
  for (const slot of slots) {
    const image = shape.length === 3;
    if (slot.kind === 'free') {
      let op: Op | null = null;
      const afterNorm = slot.after === 'batchnorm' || slot.after === 'layernorm';
      if (slot.after === 'linear' || slot.after === 'conv2d' || (afterNorm && !image)) op = { kind: 'activation', fn: activation };
      else if (afterNorm && image) op = { kind: 'maxpool', kernel: 2, stride: 2 };
      // a slot after a pool or activation: flatten or dropout — both a no-op on our data layout
      if (op) {
        if (op.kind === 'maxpool' && (shape[1] < 2 || shape[2] < 2)) return null;
        ops.push(op);
        shape = outputShape(op, [shape]);
      }
      continue;
    }
    const op = slot.op;
    if (op.kind === 'linear') {
      if (image) {
        if (size(shape) !== op.inFeatures) return null;
        ops.push({ kind: 'flatten' });
        shape = [size(shape)];
      }
      if (shape[0] !== op.inFeatures) return null;
    } else if (op.kind === 'conv2d') {
      if (!image || shape[0] !== op.inChannels) return null;
      if (shape[1] + 2 * op.padding[0] < op.kernel[0] || shape[2] + 2 * op.padding[1] < op.kernel[1]) return null;
    }
    ops.push(op);
    shape = outputShape(op, [shape]);
  }
  // a trailing activation never follows the output layer: the head reads the raw logits
  return ops;
}

/** A short description of a layer for messages: its kind and sizes (`linear 4→3`). */
function describe(op: Op): string {
  const l = definitionOf(op).label(op);
  return `${op.kind}${l.detail ? ` ${l.detail.split(',')[0].replaceAll(' ', '')}` : ''}`;
}

/**
 * Explicit architecture JSON (`--arch`), see README "Architecture JSON":
 * { "inputShape": [784], "activation": "relu", "layers": [ {"op": "linear", "prefix": "0"},
 *   {"op": "activation"}, {"op": "conv2d", "prefix": "c1", "stride": 1, "padding": 0},
 *   {"op": "maxpool", "kernel": 2, "stride": 2}, {"op": "batchnorm", "prefix": "bn", "eps": 1e-5},
 *   {"op": "layernorm", "prefix": "ln", "eps": 1e-5}, {"op": "flatten"} ] }
 * `prefix` names `<prefix>.weight`, `<prefix>.bias`, … ; `{"op":"activation","fn":"tanh"}` overrides per slot.
 */
export function architectureFromJson(
  arch: unknown, tensors: TensorDesc[], metadata: Record<string, string> | null, options: InferOptions = {},
): ModelGraph {
  const bad = (msg: string): never => {
    throw new ArchitectureError(`architecture JSON: ${msg}`);
  };
  if (!arch || typeof arch !== 'object') bad('not an object');
  const a = arch as { inputShape?: unknown; activation?: unknown; layers?: unknown };
  if (!Array.isArray(a.inputShape) || !a.inputShape.every((d) => Number.isInteger(d) && d > 0)) bad('"inputShape" must be an array of positive integers');
  if (!Array.isArray(a.layers)) bad('"layers" must be an array');
  const warnings: string[] = [];
  let activation: Activation;
  let activationSource: ModelGraph['activationSource'];
  if (options.activation) {
    activation = options.activation;
    activationSource = 'setting';
  } else if (typeof a.activation === 'string') {
    activation = parseActivation(a.activation) ?? bad(`unknown activation "${a.activation}"`);
    activationSource = 'arch';
  } else {
    ({ activation, activationSource } = chooseActivation(metadata, null, warnings));
  }
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const nodes: GraphNode[] = [];
  for (const [i, raw] of (a.layers as Record<string, unknown>[]).entries()) {
    if (!raw || typeof raw !== 'object') bad(`layer ${i}: not an object`);
    if (!isOpKind(raw.op)) bad(`layer ${i}: unknown op ${JSON.stringify(raw.op)}`);
    const layer = raw as unknown as ArchLayer;
    const prefix = typeof layer.prefix === 'string' ? layer.prefix : '';
    const ctx: ArchContext = {
      index: i,
      name: (suffix) => (prefix ? `${prefix}.${suffix}` : suffix),
      need: (n) => byName.get(n) ?? bad(`tensor "${n}" not in the checkpoint`),
      optional: (n) => (byName.has(n) ? n : null),
      activation,
      bad,
    };
    if (layer.fn !== undefined && (typeof layer.fn !== 'string' || !parseActivation(layer.fn))) bad(`layer ${i}: unknown activation "${String(layer.fn)}"`);
    const op = DEFINITIONS[layer.op].fromArch({ ...layer, prefix, ...(layer.fn !== undefined ? { fn: parseActivation(layer.fn)! } : {}) }, ctx);
    const inputs = layer.inputs ?? [i];
    if (!Array.isArray(inputs) || !inputs.every((v) => Number.isInteger(v) && v >= 0 && v <= i)) bad(`layer ${i}: "inputs" must list earlier values (0 = the input, layer j's output = j + 1)`);
    nodes.push({ id: i + 1, op, inputs });
  }
  // a graph without weights has no direction to read: a read of it would be empty, not a result
  if (!nodes.some((n) => isParamOp(n.op))) bad(nodes.length ? '"layers" lists no layer with weights: nothing to read' : '"layers" is empty: nothing to read');
  const inputShape = a.inputShape as number[];
  // token ids in when an embedding reads the input
  const inputType: InputType = nodes.some((n) => n.op.kind === 'embedding' && n.inputs.includes(0)) ? 'token' : 'float';
  const graph = { inputShape, inputType, nodes, output: nodes.length, outputWidth: 0, activation, activationSource, warnings };
  const err = graphError(graph);
  if (err) bad(err.replace(/^node /, 'layer '));
  graph.outputWidth = size(valueShapes(graph)[graph.output]);
  return graph;
}
