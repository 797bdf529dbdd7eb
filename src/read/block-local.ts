/**
 * Block-local reads: where the whole transformer cannot be assembled with the engines' ops, each
 * recognised block whose function the ops express is read alone, as a chain, on seeded N(0, 1)
 * inputs of the block's input width, with the regression Fisher on the block output:
 *  - an MLP: [norm →] up → activation → down, or gated down(φ(gate·n) ⊙ up·n);
 *  - a norm → linear pair: the norm in front of an attention layer with each Q/K/V (or fused QKV)
 *    projection reading it, and the final norm with the unembedding or classifier;
 *  - an attention layer itself on seeded N(0, 1) sequences [T, D] (T its context, capped):
 *    Q/K/V → attention → output projection (→ layer scale), wired as the whole network wires it
 *    (wireAttention), where its heads, causality and positions are known and it reads its own stack.
 * Every direction and layer is labelled `scope: "block-local"` with its block, and the warnings
 * say what was read this way, what was not and why (docs/METHOD.md, notes).
 */
import { openSafetensors, type SafetensorsFile } from '../format/safetensors.ts';
import { recognizeTransformer, type AttentionBlock, type Block, type LinearRef, type NormRef, type Recognition } from '../model/families.ts';
import { wireAttention } from '../model/transformer-graph.ts';
import { ArchitectureError, parseActivation } from '../model/infer.ts';
import { chainNodes, graphError, size, valueShapes, type Activation, type GraphNode, type ModelGraph, type Op } from '../model/graph.ts';
import type { FisherEngine, ParamSet, ProbeSet } from '../engine/types.ts';
import { hasNonFinite, rearrange, type HeldTensor } from '../format/held-tensor.ts';
import { CancelledError } from '../engine/types.ts';
import { createRng } from '../math/random.ts';
import { DEFAULT_OPTIONS, type ReadOptions } from './options.ts';
import type { BlockRead, DirectionResult, LayerResult, ReadResult } from './schema.ts';
import { backgroundHash, checkOptions, InputError, parseConfigText, pickSettings, scanGraph, type ReadHooks, type ReadSources } from './pipeline.ts';

/** A block's parameters by name, each read from the file when the block is read. */
type ParamLoaders = Map<string, () => Promise<HeldTensor>>;

/** One block as a chain the engines can read, with its weights in [out, in] layout. */
export interface BlockChain {
  block: Block;
  name: string;
  graph: ModelGraph;
  /**
   * Reads the block's tensors (in their stored precision) from the file: called when the block is
   * read and dropped after it, so a read holds one block's parameters at a time, not the model's.
   */
  loadParams(): Promise<ParamSet>;
  /**
   * The block's seeded probe, made when the block is read: an attention layer's is probe × T × D
   * (50 MiB for GPT-2-small at 256 × 32 × 768), too much to hold for every block from the start.
   */
  probe(): ProbeSet;
  /** detectors whose directions are not exact in the whole network (e.g. ln-kernel on a tied map) */
  excluded: string[];
}

export interface BlockPlan {
  recognition: Recognition;
  chains: BlockChain[];
  blocks: BlockRead[];
  warnings: string[];
}

function parseConfig(sources: ReadSources): Record<string, unknown> | null {
  return sources.configText ? parseConfigText(sources.configText, sources.configName ?? 'config.json') : null;
}

/** Stored weight → [out, in], in its stored dtype (see `LinearLayout` in src/ops/linear/definition.ts); the tensor has its stored shape. */
export function toOutIn(ref: LinearRef, stored: HeldTensor): HeldTensor {
  const { inFeatures: I, outFeatures: O } = ref;
  if (ref.layout === 'out-in') return withShape(stored, [O, I]);
  if (ref.layout === 'heads') return headsLayout(stored);
  return rearrange(stored, [O, I], (a, like) => {
    const out = like(O * I);
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) out[o * I + i] = a[i * O + o]!;
    return out;
  });
}

/** The same elements under another shape of the same size (no copy). */
const withShape = (t: HeldTensor, shape: number[]): HeldTensor => rearrange(t, shape, (a) => a);

/** Elements [from, to) of a tensor as a vector-shaped tensor of `shape`, in its stored dtype. */
const sliced = (t: HeldTensor, shape: number[], from: number, to: number): HeldTensor => rearrange(t, shape, (a) => a.slice(from, to) as typeof a);

/**
 * Plan the block-local reads of a checkpoint: null when it is not a transformer (the chain
 * inference applies).
 */
export async function planBlockLocal(file: SafetensorsFile, config: Record<string, unknown> | null, options: ReadOptions): Promise<BlockPlan | null> {
  const descs = file.tensors.map((t) => ({ name: t.name, shape: t.shape }));
  const rec = recognizeTransformer(descs, config);
  if (!rec) return null;
  const shapes = new Map(descs.map((t) => [t.name, t.shape]));
  const warnings: string[] = [];
  const blocks: BlockRead[] = [];
  const chains: BlockChain[] = [];
  const metaAct = file.metadata?.activation ? parseActivation(file.metadata.activation) : null;
  const activation: Activation = options.activation ?? rec.hyper.activation?.value ?? metaAct ?? 'gelu';
  if (!options.activation && rec.hyper.activation?.source === 'family default') {
    const why = rec.hyper.unsupportedActivation ? `config.json's activation "${rec.hyper.unsupportedActivation}" is not one this version has` : 'config.json has no activation_function / hidden_act';
    warnings.push(`activation ${activation}: the ${rec.label} default (${why}; set --activation to change)`);
  }
  const eps = rec.hyper.normEps?.value ?? 1e-5;
  if (rec.hyper.normEps?.source === 'family default') warnings.push(`norm eps ${eps}: the ${rec.label} default (config.json has no layer_norm_eps / rms_norm_eps)`);

  const load = async (name: string): Promise<HeldTensor> => {
    const info = file.tensor(name);
    if (!info.supported) throw new InputError(file.fileName, `tensor "${name}" has dtype ${info.dtype}, which deadscope cannot compute with`);
    const held = await file.readParameter(name);
    if (hasNonFinite(held)) throw new InputError(file.fileName, `tensor "${name}" holds NaN or Inf values`);
    return held;
  };
  // the ops are built from the shapes alone; the tensors are read when their block is (BlockChain.loadParams)
  const linearOp = async (ref: LinearRef, params: ParamLoaders): Promise<Op> => {
    params.set(ref.weight, async () => toOutIn(ref, await load(ref.weight)));
    if (ref.bias) params.set(ref.bias, async () => withShape(await load(ref.bias!), [ref.outFeatures]));
    return { kind: 'linear', layer: ref.module, weight: ref.weight, bias: ref.bias, inFeatures: ref.inFeatures, outFeatures: ref.outFeatures };
  };
  const normOp = async (n: NormRef, params: ParamLoaders): Promise<Op> => {
    for (const t of [n.weight, n.bias]) if (t) params.set(t, async () => withShape(await load(t), [n.width]));
    return n.kind === 'layernorm'
      ? { kind: 'layernorm', layer: n.module, weight: n.weight, bias: n.bias, eps }
      : { kind: 'rmsnorm', layer: n.module, weight: n.weight, eps };
  };
  /** A fused gate_up map [2H, in] as two maps over its halves (gate first, as HF chunks it). */
  const halves = async (ref: LinearRef, params: ParamLoaders): Promise<[Op, Op]> => {
    const H = ref.outFeatures / 2, I = ref.inFeatures;
    const half = (k: 0 | 1, what: string): Op => {
      const weight = `${ref.weight}[${what}]`;
      params.set(weight, async () => sliced(toOutIn(ref, await load(ref.weight)), [H, I], k * H * I, (k + 1) * H * I));
      const b = ref.bias ? `${ref.bias}[${what}]` : null;
      if (b) params.set(b, async () => sliced(await load(ref.bias!), [H], k * H, (k + 1) * H));
      return { kind: 'linear', layer: `${ref.module}[${what}]`, weight, bias: b, inFeatures: I, outFeatures: H };
    };
    return [half(0, 'gate'), half(1, 'up')];
  };
  const probeOf = (shape: number[]): ProbeSet => {
    const rng = createRng(options.seed ^ 0x5eed);
    const data = new Float64Array(options.probe * size(shape));
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    return { count: options.probe, shape, data };
  };
  const add = async (block: Block, name: string, build: (params: ParamLoaders) => Promise<GraphNode[]>, excluded: string[] = [], shape: number[] | null = null) => {
    const loaders: ParamLoaders = new Map();
    const nodes = await build(loaders);
    const first = nodes[0].op;
    const inputShape = shape ?? [first.kind === 'linear' ? first.inFeatures : rec.dModel];
    const output = nodes[nodes.length - 1].id;
    const graph: ModelGraph = { inputShape, inputType: 'float', nodes, output, outputWidth: 0, activation, activationSource: options.activation ? 'setting' : 'arch', warnings: [] };
    graph.outputWidth = size(valueShapes(graph)[output]);
    const err = graphError(graph);
    if (err) throw new ArchitectureError(`${name}: ${err}`);
    const loadParams = async (): Promise<ParamSet> => {
      const params: ParamSet = new Map();
      for (const [t, read] of loaders) params.set(t, await read());
      return params;
    };
    chains.push({ block, name, graph, loadParams, probe: () => probeOf(inputShape), excluded });
    blocks.push({ block: name, kind: block.kind, architecture: { inputShape, nodes, outputWidth: graph.outputWidth }, read: true, why: describeNodes(nodes) });
  };
  const chain = async (ops: Promise<Op>[]): Promise<GraphNode[]> => chainNodes(await Promise.all(ops));
  const skip = (block: Block, name: string, why: string) => blocks.push({ block: name, kind: block.kind, architecture: null, read: false, why });

  // ---- attention layers: Q/K/V → attention → output projection (→ layer scale), on [T, D] sequences
  const posTable = rec.inputs.positionEmbedding ? shapes.get(rec.inputs.positionEmbedding)!.slice(-2)[0] : null;
  const sequenceLength = Math.min(posTable ?? rec.hyper.context?.value ?? options.contextCap, options.contextCap);
  const encoderDecoder = rec.blocks.some((b) => b.kind === 'attention' && b.cross);
  const modelType = typeof config?.model_type === 'string' ? config.model_type : null;
  // positions outside the attention op (a learned table added to the input, T5's relative buckets,
  // nn.Transformer's sinusoids in an encoder–decoder) or a known rotary convention
  const relativeBias = descs.some((t) => /relative_attention_bias/.test(t.name));
  const positionsKnown = rec.rotary !== null || rec.inputs.positionEmbedding !== null || encoderDecoder
    || relativeBias || descs.some((t) => /(^|\.)(embed_positions|position_embeddings?|pos_embed(ding)?|wpe)(\.|$)/.test(t.name));
  if (relativeBias) warnings.push('relative position buckets (T5) are not in the attention op: each attention layer read alone is read without them (its query–key and value–output gauges do not involve them)');
  const causalOf = (block: AttentionBlock): boolean | null => {
    // an encoder–decoder: the encoder's self-attention sees every position, the decoder's the past
    if (encoderDecoder) return /(^|\.)decoder(\.|$)/.test(block.name) ? true : /(^|\.)encoder(\.|$)/.test(block.name) ? false : null;
    return rec.hyper.causal?.value ?? null;
  };
  /** why an attention layer cannot be read alone, or null */
  const attentionUnreadable = (block: AttentionBlock): string | null => {
    if (block.cross) return 'cross-attention: its keys and values read the other stack (only the norm → query pair is read)';
    if (!rec.hyper.nHeads) return 'the number of heads is not known (n_head / num_attention_heads in config.json): only the norm → projection pairs were read';
    if (causalOf(block) === null) return 'whether attention is causal is not known (is_causal in config.json): only the norm → projection pairs were read';
    // positions of an unknown kind may be rotary of an unknown convention: a full query–key rotation
    // would then be claimed where only 2×2 blocks are gauges
    if (!positionsKnown) return 'its positions are not known (no position table, no rotary convention): only the norm → projection pairs were read';
    return probeWiring(block);
  };
  const settingsOf = (block: AttentionBlock) => ({
    heads: rec.hyper.nHeads!.value, causal: causalOf(block)!, rotary: rec.rotary,
    rotaryFraction: rec.rotaryFraction,
  });
  /** the layer's nodes on a throwaway list: its wiring's reason when the shapes do not make heads */
  const probeWiring = (block: AttentionBlock): string | null => {
    let n = 0;
    const out = wireAttention(rec, block, 0, () => ++n, shapes, settingsOf(block), modelType);
    return typeof out === 'number' ? null : `${out.why}: only the norm → projection pairs were read`;
  };
  const attentionNodes = async (block: AttentionBlock, params: ParamLoaders): Promise<GraphNode[]> => {
    const nodes: GraphNode[] = [];
    wireAttention(rec, block, 0, (op, inputs) => {
      const id = nodes.length + 1;
      nodes.push({ id, op, inputs });
      return id;
    }, shapes, settingsOf(block), modelType);
    // every tensor in its stored layout and shape (the linear ops carry the layout)
    for (const node of nodes) {
      const op = node.op;
      const names = op.kind === 'linear' ? [op.weight, op.bias] : op.kind === 'scale' ? [op.weight] : [];
      for (const t of names) if (t) params.set(t, async () => load(t));
    }
    return nodes;
  };

  for (const block of rec.blocks) {
    if (block.kind === 'mlp') {
      // layer scale after the down map (DINOv2 layer_scale2, timm ls2), as the attention layers carry theirs
      const scaleOp = async (p: ParamLoaders): Promise<Op[]> => {
        const ls = block.layerScale;
        if (!ls) return [];
        p.set(ls, async () => withShape(await load(ls), [shapes.get(ls)!.reduce((a, b) => a * b, 1)]));
        return [{ kind: 'scale', layer: ls.split('.').slice(0, -1).join('.'), weight: ls }];
      };
      if (block.gate || block.fusedGateUp) {
        // gated MLP: down(φ(gate·n) ⊙ up·n), n the normed input (value 1 with a norm, else the input)
        await add(block, block.name, async (p) => {
          const nodes: GraphNode[] = [];
          const at = () => nodes.length;
          if (block.norm) nodes.push({ id: 1, op: await normOp(block.norm, p), inputs: [0] });
          const n = at();
          const [gate, up] = block.fusedGateUp ? await halves(block.up, p) : [await linearOp(block.gate!, p), await linearOp(block.up, p)];
          nodes.push({ id: n + 1, op: gate, inputs: [n] });
          nodes.push({ id: n + 2, op: { kind: 'activation', fn: activation }, inputs: [n + 1] });
          nodes.push({ id: n + 3, op: up, inputs: [n] });
          nodes.push({ id: n + 4, op: { kind: 'mul' }, inputs: [n + 2, n + 3] });
          nodes.push({ id: n + 5, op: await linearOp(block.down, p), inputs: [n + 4] });
          for (const op of await scaleOp(p)) nodes.push({ id: nodes.length + 1, op, inputs: [nodes.length] });
          return nodes;
        });
      } else {
        await add(block, block.name, async (p) => chainNodes([
          ...(block.norm ? [await normOp(block.norm, p)] : []),
          await linearOp(block.up, p),
          { kind: 'activation', fn: activation },
          await linearOp(block.down, p),
          ...(await scaleOp(p)),
        ]));
      }
    } else if (block.kind === 'attention') {
      const readable = block.projections.filter((p) => p.role !== 'o' && !(block.cross && (p.role === 'k' || p.role === 'v')));
      if (!block.norm) {
        const why = attentionUnreadable(block);
        if (why) skip(block, block.name, `no norm in front of it, and ${why}`);
        else await add(block, `${block.name} (attention)`, (p) => attentionNodes(block, p), ATTENTION_EXCLUDED, [sequenceLength, rec.dModel]);
        continue;
      }
      if (!readable.length) { skip(block, block.name, 'no projection reads its norm'); continue; }
      // the norm's rescaling moves the columns of every projection reading it: exact for a block only when it holds them all
      const alone = block.projections.filter((p) => p.role !== 'o').length > 1 ? ['ln-rescaling', 'rms-rescaling'] : [];
      for (const proj of readable) {
        const name = `${block.norm.module} → ${proj.linear.module}`;
        await add(block, name, (p) => chain([normOp(block.norm!, p), linearOp(proj.linear, p)]), alone);
      }
      const why = attentionUnreadable(block);
      if (why) skip(block, `${block.name} (attention)`, why);
      else await add(block, `${block.name} (attention)`, (p) => attentionNodes(block, p), ATTENTION_EXCLUDED, [sequenceLength, rec.dModel]);
    } else {
      if (!block.norm) { skip(block, block.name, 'no norm in front of it: a lone linear map'); continue; }
      const name = `${block.norm.module} → ${block.linear.module}`;
      if (block.pooled) {
        // DINOv2's classifier on [T, D] sequences: norm → cat[position 0, mean of the positions after CLS and the registers] → linear
        const reg = rec.inputs.registerTokens;
        const first = 1 + (reg ? shapes.get(reg)![1] : 0);
        await add(block, name, async (p) => [
          { id: 1, op: await normOp(block.norm!, p), inputs: [0] },
          { id: 2, op: { kind: 'take', index: 0 }, inputs: [1] },
          { id: 3, op: { kind: 'mean', start: first }, inputs: [1] },
          { id: 4, op: { kind: 'concat' }, inputs: [2, 3] },
          { id: 5, op: await linearOp(block.linear, p), inputs: [4] },
        ], [], [Math.max(sequenceLength, first + 1), rec.dModel]);
        continue;
      }
      // a tied unembedding also moves the embedding: the LayerNorm kernel is not a gauge of the whole network
      await add(block, name, (p) => chain([normOp(block.norm!, p), linearOp(block.linear, p)]), block.tiedTo ? ['ln-kernel', 'ln-rescaling', 'rms-rescaling'] : []);
      if (block.tiedTo) warnings.push(`${name}: ${block.linear.weight} is tied to the token embedding, so its LayerNorm kernel is not a gauge of the whole network and is not read`);
    }
  }
  return { recognition: rec, chains, blocks, warnings };
}

/**
 * An attention layer read alone reads its own gauges (query–key, value–output, key-bias shifts); the
 * detectors of its projections' norm and K-FAC factors are the norm → projection pairs' (read beside
 * it, under the same direction ids).
 */
const ATTENTION_EXCLUDED = ['bottom-subspace', 'dual-factor', 'node-death', 'inactive', 'ln-mean', 'ln-scale', 'ln-kernel', 'ln-rescaling', 'rms-rescaling', 'residual-mean'];

/** TransformerLens W_Q/W_K/W_V [H, in, dh] → [H·dh, in], in its stored dtype. */
export function headsLayout(stored: HeldTensor): HeldTensor {
  const [H, I, D] = stored.shape;
  return rearrange(stored, [H * D, I], (a, like) => {
    const out = like(H * D * I);
    for (let h = 0; h < H; h++) for (let i = 0; i < I; i++) for (let j = 0; j < D; j++) out[(h * D + j) * I + i] = a[(h * I + i) * D + j]!;
    return out;
  });
}

function describeNodes(nodes: GraphNode[]): string {
  const label = (op: Op) => (op.kind === 'linear' ? `linear ${op.inFeatures}→${op.outFeatures}` : op.kind === 'activation' ? op.fn : op.kind);
  if (nodes.every((n, i) => n.inputs.length === 1 && n.inputs[0] === i)) return nodes.map((n) => label(n.op)).join(' → ');
  return nodes.map((n) => `v${n.id} = ${label(n.op)}(${n.inputs.map((v) => `v${v}`).join(', ')})`).join('; ');
}

/**
 * Read a transformer block by block; null when the checkpoint is not a transformer. Throws an
 * ArchitectureError when it is one but no block can be read.
 */
export async function readBlockLocal(
  sources: ReadSources, partial: Partial<ReadOptions>, engineOrFactory: FisherEngine | (() => Promise<FisherEngine>), hooks: ReadHooks = {},
  whyNotWhole: string | null = null,
): Promise<ReadResult | null> {
  const started = Date.now();
  const options: ReadOptions = { ...DEFAULT_OPTIONS, ...partial };
  checkOptions(options);
  const file = await openSafetensors(sources.checkpoint, sources.checkpointName);
  const plan = await planBlockLocal(file, parseConfig(sources), options);
  if (!plan) return null;
  const rec = plan.recognition;
  if (!plan.chains.length) {
    throw new ArchitectureError(
      `recognised ${rec.label} with ${rec.blocks.length} blocks, but none can be read with this version's ops (${plan.blocks.map((b) => `${b.block}: ${b.why}`).join('; ')})`,
      rec.unplaced,
    );
  }
  const engine = typeof engineOrFactory === 'function' ? await engineOrFactory() : engineOrFactory;
  const hashing = backgroundHash(sources.checkpoint, hooks.signal);
  const directions: DirectionResult[] = [];
  const layers: LayerResult[] = [];
  let prepareMs = 0, scanMs = 0, queries = 0;
  let detectorIds: string[] = [];
  const readWarnings: string[] = [];
  const n = plan.chains.length;
  for (const [i, chain] of plan.chains.entries()) {
    if (hooks.signal?.aborted) throw new CancelledError();
    const tag = { scope: 'block-local' as const, block: chain.name };
    // this block's tensors only, released when the next block's are read
    const params = await chain.loadParams();
    const read = await scanGraph(engine, { graph: chain.graph, params, probe: chain.probe(), head: 'regression' }, options, {
      signal: hooks.signal,
      // the overall fraction over all blocks; the stage names stay the whole read's (the worker keys its ETA on them)
      onProgress: (p) => hooks.onProgress?.({ fraction: (i + p.fraction) / n, etaSeconds: null, stage: p.stage }),
      onDirection: (d) => hooks.onDirection?.({ ...d, ...tag }),
    }, (c) => !chain.excluded.includes(c.detector));
    directions.push(...read.directions.map((d) => ({ ...d, ...tag })));
    readWarnings.push(...read.warnings.map((w) => `${chain.name}: ${w}`));
    layers.push(...read.layers.map((l) => ({ ...l, ...tag })));
    prepareMs += read.prepareMs;
    scanMs += read.scanMs;
    queries += read.queries;
    detectorIds = read.detectors;
  }
  const notRead = plan.blocks.filter((b) => !b.read);
  const warnings = [
    `${rec.label}: the whole network is not read (${whyNotWhole ?? 'not assembled'}), so ${n} block${n === 1 ? ' was' : 's were'} read block-locally, each on ${options.probe} seeded N(0, 1) inputs of its input width with the regression Fisher on the block output (scope "block-local")`,
    ...(notRead.length ? [`not read: ${notRead.map((b) => `${b.block} (${b.why})`).join('; ')}`] : []),
    ...(sources.inputs ? ['the probe inputs are not used by block-local reads (each block gets synthetic inputs of its own width)'] : []),
    ...(rec.unplaced.length ? [`tensors no role fits: ${rec.unplaced.join(', ')}`] : []),
    ...rec.notes,
    ...plan.warnings,
    ...readWarnings,
  ];
  const hyper = Object.fromEntries(Object.entries(rec.hyper).filter(([, v]) => v !== null));
  const sha256 = await hashing;
  return {
    schema: 'deadscope.read/1',
    checkpoint: {
      path: sources.checkpointName, bytes: file.byteSize, sha256, params: file.tensors.reduce((s, t) => s + t.elements, 0), tensors: file.tensors.length,
      architecture: { scope: 'block-local', family: rec.family, label: rec.label, dModel: rec.dModel, normKind: rec.normKind, rotary: rec.rotary, hyperparameters: hyper, blocks: plan.blocks },
    },
    settings: {
      ...pickSettings(options), head: 'regression', activation: plan.chains[0].graph.activation,
      inputs: `synthetic N(0, 1) of each block's input width, ${options.probe} samples, seed ${options.seed}`,
      inputScale: options.inputScale, detectors: detectorIds, backend: options.backend, adapter: engine.description,
      engineChoice: engine.choice ?? `${engine.name} engine given by the caller`,
    },
    backend: engine.name,
    directions,
    layers,
    scope: 'block-local',
    blocks: plan.blocks,
    warnings,
    timing: { totalMs: Date.now() - started, prepareMs, scanMs, queries },
  };
}
