/**
 * A whole read: file → graph → probe → detectors → scans on the engine → classes → JSON.
 * Runs the same in the CLI (Node) and in the explorer's worker; it takes byte sources and an
 * engine and never touches the DOM or WebGPU itself.
 */
import { openSafetensors, type ByteSource, type SafetensorsFile, type TensorInfo } from '../format/safetensors.ts';
import { elementsOf, hasNonFinite } from '../format/held-tensor.ts';
import { sha256OfSource } from '../format/sha256.ts';
import { ArchitectureError, architectureFromJson, inferArchitecture, parseActivation } from '../model/infer.ts';
import { recognizeTransformer, type Recognition } from '../model/families.ts';
import { assembleTransformer, isAssembled, type AssembledTransformer, type NotAssembled } from '../model/transformer-graph.ts';
import { consumersOf, graphOps, headRows, isParamOp, opTensors, valueShapes, size, type GraphNode, type ModelGraph } from '../model/graph.ts';
import type { FisherEngine, FisherQuery, Head, ParamSet, ProbeSet, TensorPatch } from '../engine/types.ts';
import { CancelledError, linePoint, pauser, yieldToEventLoop } from '../engine/types.ts';
import { createRng, randomUnitVector } from '../math/random.ts';
import { detectorsById } from '../detectors/registry.ts';
import type { Candidate, DetectorContext } from '../detectors/types.ts';
import { activationLayers, unitActivationCovariance, unitLayers, type ActivationLayer } from '../detectors/units.ts';
import { inactiveUnits } from '../detectors/inactive.ts';
import { gather, incomingIndices, outgoingIndices } from '../detectors/unit-weights.ts';
import { alignmentSweep } from './alignment.ts';
import { assembleGlobal, globalCoefficient, type LinearChainInput } from './assembly.ts';
import { matMul, symmetricEigen, transpose } from '../math/linalg.ts';
import { classifyDirection } from './classify.ts';
import { singularFluctuationCached } from './fluctuation.ts';
import { fluctuationData } from './fluctuation-estimate.ts';
import { saturationWarning, softmaxSaturation, type Saturation } from './saturation.ts';
import { checkLabels, metadataInputScale, probeWarning, type ProbeLabelCheck, type ProbeReport } from './probe-check.ts';
import { DEFAULT_OPTIONS, type ReadOptions } from './options.ts';
import type { DirectionResult, LayerResult, ReadResult, ShardInfo } from './schema.ts';
import { readBlockLocal } from './block-local.ts';
import { DEFAULT_SETTINGS, maxEigenDimProblem, positionsProblem, scanGrid, settingProblems, type ReadSettings } from './settings.ts';
import { densePartProblem, densePartSkipped, planDenseWork, formatBytes, parameterBytes, WORKING_SET_LIMIT_BYTES, workingSetBytes } from './memory.ts';
import { linearMatrix } from '../ops/linear/definition.ts';

/** A problem with what the user gave us (exit code 2 in the CLI), naming the file. */
export class InputError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'InputError';
  }
}

export interface ReadSources {
  checkpoint: ByteSource;
  checkpointName: string;
  /** Hugging Face config.json text */
  configText?: string | null;
  configName?: string | null;
  /** architecture JSON text */
  archText?: string | null;
  archName?: string | null;
  inputs?: ByteSource | null;
  inputsName?: string | null;
}

export interface ReadProgress { fraction: number; etaSeconds: number | null; stage: string }

export interface ReadHooks {
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
  onDirection?: (d: DirectionResult) => void;
}

export interface LoadedModel {
  file: SafetensorsFile;
  graph: ModelGraph;
  params: ParamSet;
  head: Head;
  probe: ProbeSet;
  probeDescription: string;
  /** the probe in the JSON: what it was, its scale and, with labels, the model's accuracy on it */
  probeReport: ProbeReport;
  /** labels (or regression targets) for the probe samples, when the inputs file carries them */
  labels: { tensor: string; data: Float64Array } | null;
  options: ReadOptions;
  /** set when the checkpoint is a transformer read as a whole network */
  transformer: (AssembledTransformer & { family: string; label: string; hyperparameters: Record<string, unknown> }) | null;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `not valid JSON (${(e as Error).message})`);
  }
}

/** A Hugging Face config.json: a JSON object, or bad input (an array or a number named as such). */
export function parseConfigText(text: string, file: string): Record<string, unknown> {
  const c = parseJson(text, file);
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    throw new InputError(file, `a config.json holds one JSON object, not ${c === null ? 'null' : Array.isArray(c) ? 'an array' : `a ${typeof c}`}`);
  }
  return c as Record<string, unknown>;
}

const PROBE_TENSORS = ['inputs', 'tokens', 'input_ids', 'images'];

/** The probe-input tensor of an inputs file: `inputs`, `tokens`, `input_ids` or `images`, else its only tensor. */
async function probeTensor(source: ByteSource, name: string): Promise<{ file: SafetensorsFile; tensor: SafetensorsFile['tensors'][number] }> {
  const file = await openSafetensors(source, name);
  const tensor = PROBE_TENSORS.map((n) => file.tensors.find((t) => t.name === n)).find((t) => t !== undefined)
    ?? (file.tensors.length === 1 ? file.tensors[0] : null);
  if (!tensor) throw new InputError(name, `no tensor named ${PROBE_TENSORS.map((n) => `"${n}"`).join(', ')} and more than one tensor (${file.tensors.map((t) => t.name).join(', ')})`);
  if (tensor.shape.length < 1 || tensor.shape[0] < 1) throw new InputError(name, `tensor "${tensor.name}" has no samples (shape [${tensor.shape}])`);
  return { file, tensor };
}

export interface LoadedGraph {
  file: SafetensorsFile;
  graph: ModelGraph;
  /** the probe-input tensor, when inputs were given */
  inputs: { file: SafetensorsFile; tensor: SafetensorsFile['tensors'][number]; name: string } | null;
  /** a transformer assembled as a whole network (its input kind, readout and implied head) */
  transformer: AssembledTransformer | null;
}

/**
 * A recognised transformer whose whole network was not assembled (scope auto or block-local):
 * the read goes block by block instead, saying why.
 */
export class WholeNetworkUnavailable extends ArchitectureError {
  constructor(readonly recognition: Recognition, readonly reason: NotAssembled) {
    super(`recognised ${recognition.label}, ${recognition.blocks.length} blocks; the whole network is not assembled (${reason.why}): a read reads each block block-locally (scope "block-local")`);
    this.name = 'WholeNetworkUnavailable';
  }
}

/**
 * The checkpoint and its graph (from `--arch`, else a transformer assembled from its recognised
 * family, else inferred; probe inputs can fix an image model's input size or a sequence length):
 * the one way the CLI, a read and the explorer's inspect load a model.
 */
export async function loadGraph(sources: ReadSources, options: Pick<ReadOptions, 'activation'> & Partial<Pick<ReadOptions, 'scope' | 'contextCap' | 'positions'>>): Promise<LoadedGraph> {
  const file = await openSafetensors(sources.checkpoint, sources.checkpointName);
  const config = sources.configText ? parseConfigText(sources.configText, sources.configName ?? 'config.json') : null;
  const inName = sources.inputsName ?? 'inputs';
  const inputs = sources.inputs ? { ...(await probeTensor(sources.inputs, inName)), name: inName } : null;
  const descs = file.tensors.map((t) => ({ name: t.name, shape: t.shape }));
  const rec = sources.archText ? null : recognizeTransformer(descs, config);
  if (rec) {
    const scope = options.scope ?? 'auto';
    if (scope === 'block-local') throw new WholeNetworkUnavailable(rec, { why: 'scope "block-local" was asked for', missing: null });
    const tokens = rec.inputs.patchEmbedding === null;
    const a = assembleTransformer(rec, descs, config, {
      activation: options.activation, metadataActivation: file.metadata?.activation ? parseActivation(file.metadata.activation) : null,
      sequenceLength: tokens && inputs ? size(inputs.tensor.shape.slice(1)) : null, contextCap: options.contextCap ?? DEFAULT_OPTIONS.contextCap,
      positions: options.positions ?? DEFAULT_OPTIONS.positions,
    });
    if (isAssembled(a)) return { file, graph: a.graph, inputs, transformer: a };
    if (a.badInputs) throw new InputError(inName, a.why);
    if (scope === 'whole') {
      throw new InputError(sources.checkpointName, a.missing
        ? `${rec.label}: the whole network needs the ${a.missing} (${a.why})`
        : `${rec.label}: the whole network cannot be assembled: ${a.why} (--scope auto reads it block-locally)`);
    }
    throw new WholeNetworkUnavailable(rec, a);
  }
  const graph = sources.archText
    ? architectureFromJson(parseJson(sources.archText, sources.archName ?? 'arch.json'), descs, file.metadata, { activation: options.activation })
    : inferArchitecture(descs, file.metadata, {
      activation: options.activation, inputFeatures: inputs ? inputs.tensor.elements / inputs.tensor.shape[0] : null, config,
    });
  return { file, graph, inputs, transformer: null };
}

/** The first `rows` rows of a tensor as f64, chunk by chunk of the file: what follows them is never read. */
async function leadingRows(file: SafetensorsFile, t: TensorInfo, rows: number): Promise<Float64Array> {
  if (rows >= t.shape[0]) return file.readFloat64(t.name);
  const want = rows * (t.elements / t.shape[0]);
  const out = new Float64Array(want);
  let at = 0;
  for await (const chunk of file.float64Chunks(t.name)) {
    out.set(chunk.subarray(0, Math.min(chunk.length, want - at)), at);
    at += chunk.length;
    if (at >= want) break;
  }
  return out;
}

/** Open and check everything a read needs, before any scanning. */
export async function loadModel(sources: ReadSources, partial: Partial<ReadOptions> = {}): Promise<LoadedModel> {
  const options: ReadOptions = { ...DEFAULT_OPTIONS, ...partial };
  checkOptions(options);
  const { file, graph, inputs: given, transformer } = await loadGraph(sources, options);

  // U8 inputs are scaled by: the setting when given, else __metadata__.input_scale, else the default
  let metaScale: number | null;
  try {
    metaScale = metadataInputScale(file.metadata);
  } catch (e) {
    throw new InputError(sources.checkpointName, (e as Error).message);
  }
  const inputScale = partial.inputScale !== undefined
    ? { value: partial.inputScale, from: 'setting' as const }
    : metaScale !== null ? { value: metaScale, from: 'metadata' as const } : { value: DEFAULT_OPTIONS.inputScale, from: 'default' as const };
  options.inputScale = inputScale.value;

  // the working set is checked from the headers, before the probe inputs or the parameters are read
  const used = new Set(graph.nodes.flatMap(({ op }) => opTensors(op)));
  const probeCount = given ? (options.inputCap > 0 ? Math.min(given.tensor.shape[0], options.inputCap) : given.tensor.shape[0]) : options.probe;
  const paramBytes = parameterBytes(file.tensors.filter((t) => used.has(t.name)));
  // scope auto: a transformer whose whole network would not fit is read block by block (each block's
  // working set is checked there), not refused; scope whole keeps the plain refusal with the number
  const largestTensor = file.tensors.reduce((m, t) => (used.has(t.name) ? Math.max(m, t.elements) : m), 0);
  const directionBytes = liveProbeBytes(largestTensor, options.liveProbes);
  const needed = workingSetBytes(graph, paramBytes, probeCount) + directionBytes;
  if (transformer && options.scope === 'auto' && needed > WORKING_SET_LIMIT_BYTES) {
    throw new WholeNetworkUnavailable(transformer.recognition, {
      why: `the whole network's read needs about ${formatBytes(needed)} of memory at ${probeCount} probe inputs, more than the ${formatBytes(WORKING_SET_LIMIT_BYTES)} a read may use`,
      missing: null,
    });
  }
  checkWorkingSet(graph, paramBytes, directionBytes, probeCount, transformer !== null);

  // only the rows the probe uses are read and checked (inputCap): the rest of a big inputs file never is
  let inputs: { data: Float64Array; count: number; features: number; name: string; u8: boolean } | null = null;
  let allLabels: { tensor: string; data: Float64Array; shape: number[] } | null = null;
  if (given) {
    const { file: inFile, tensor: pick, name: inName } = given;
    const raw = await leadingRows(inFile, pick, probeCount);
    const scale = pick.dtype === 'U8' ? options.inputScale : 1;
    if (scale !== 1) for (let i = 0; i < raw.length; i++) raw[i] *= scale;
    const count = pick.shape[0];
    // a NaN or Inf input poisons every average over the probe (it reached the K-FAC eigen-solver as an internal error)
    const bad = raw.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new InputError(inName, `tensor "${pick.name}" holds NaN or Inf values (sample ${Math.floor(bad / (raw.length / probeCount))})`);
    inputs = { data: raw, count, features: raw.length / probeCount, name: `${inName}:${pick.name}${scale !== 1 ? ` ×${options.inputScale}` : ''}`, u8: pick.dtype === 'U8' };
    const lab = inFile.tensors.find((t) => t.name === 'labels') ?? inFile.tensors.find((t) => t.name === 'targets');
    if (lab && lab !== pick) {
      if (!lab.supported) throw new InputError(inName, `labels "${lab.name}" have dtype ${lab.dtype}, which deadscope cannot read`);
      if (lab.shape[0] !== count) throw new InputError(inName, `labels "${lab.name}" have ${lab.shape[0]} rows for ${count} inputs`);
      const labels = await leadingRows(inFile, lab, probeCount);
      const badLabel = labels.findIndex((x) => !Number.isFinite(x));
      if (badLabel >= 0) throw new InputError(inName, `labels "${lab.name}" hold NaN or Inf values (row ${Math.floor(badLabel / (labels.length / probeCount))})`);
      allLabels = { tensor: lab.name, data: labels, shape: lab.shape };
    }
  }

  const params: ParamSet = new Map();
  for (const { op } of graph.nodes) {
    for (const name of opTensors(op)) {
      const info = file.tensor(name);
      if (!info.supported) throw new InputError(sources.checkpointName, `tensor "${name}" has dtype ${info.dtype}, which deadscope cannot compute with`);
      if (info.elements === 0) throw new InputError(sources.checkpointName, `tensor "${name}" has shape [${info.shape}]: a layer of width 0 has nothing to read [rule: zero-width-layer]`);
      // in the stored dtype (src/format/held-tensor.ts): the engines read values, exact either way
      const held = await file.readParameter(name);
      if (hasNonFinite(held)) throw new InputError(sources.checkpointName, `tensor "${name}" holds NaN or Inf values`);
      params.set(name, held);
    }
  }

  const metaHead = file.metadata?.head;
  let head: Head;
  if (options.head !== 'auto') head = options.head;
  else if (metaHead === 'regression' || metaHead === 'classification' || metaHead === 'logits') head = metaHead;
  else head = transformer?.head ?? (graph.outputWidth === 1 ? 'regression' : 'classification');

  const features = size(graph.inputShape);
  let probe: ProbeSet;
  let probeDescription: string;
  let labels: { tensor: string; data: Float64Array } | null = null;
  if (inputs) {
    if (inputs.features !== features) {
      throw new InputError(sources.inputsName ?? 'inputs', `${inputs.features} features per sample, but the model takes [${graph.inputShape}] = ${features}`);
    }
    // inputs holds the probe's rows only (probeCount of inputs.count)
    const count = probeCount;
    if (transformer?.input.kind === 'tokens') checkTokens(inputs.data, transformer.input.vocab, sources.inputsName ?? 'inputs');
    probe = { count, shape: graph.inputShape, data: inputs.data };
    probeDescription = count === inputs.count
      ? `${inputs.name} (all ${count})`
      : `${inputs.name} (first ${count} of ${inputs.count}: inputCap ${options.inputCap})`;
    if (allLabels) labels = { tensor: allLabels.tensor, data: allLabels.data };
  } else if (transformer?.input.kind === 'tokens') {
    // seeded uniform token ids over the vocabulary (docs/METHOD.md notes: token probes)
    const { vocab, length, maxLength } = transformer.input;
    const rng = createRng(options.seed ^ 0x5eed);
    const data = new Float64Array(options.probe * length);
    for (let i = 0; i < data.length; i++) data[i] = Math.min(vocab - 1, Math.floor(rng.next() * vocab));
    probe = { count: options.probe, shape: graph.inputShape, data };
    probeDescription = `synthetic uniform tokens over the ${vocab}-token vocabulary, ${length} positions${maxLength !== null && maxLength > length ? ` (of the context ${maxLength}: contextCap ${options.contextCap})` : ''}, ${options.probe} samples, seed ${options.seed}`;
  } else {
    // METHOD §1 default: standard normal features (images too), seeded
    const rng = createRng(options.seed ^ 0x5eed);
    const data = new Float64Array(options.probe * features);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    probe = { count: options.probe, shape: graph.inputShape, data };
    probeDescription = `synthetic N(0, 1), ${options.probe} samples, seed ${options.seed}`;
  }
  const probeReport: ProbeReport = {
    description: probeDescription, source: inputs ? 'given' : 'synthetic', count: probe.count,
    inputScale: inputs?.u8 ? inputScale : null, labels: null,
  };
  const described = transformer && {
    ...transformer, family: transformer.recognition.family, label: transformer.recognition.label,
    hyperparameters: Object.fromEntries(Object.entries(transformer.recognition.hyper).filter(([, v]) => v !== null)),
  };
  return { file, graph, params, head, probe, probeDescription, probeReport, labels, options, transformer: described };
}

/**
 * The forward pass on the probe is finite at every value: a NaN or Inf (an overflow, a norm with
 * eps ≤ 0 in a hand-written architecture) would poison every average after it and surface as an
 * internal error deep in a detector. Said here, naming the first op that produced it.
 */
function checkFiniteValues(graph: ModelGraph, values: readonly Float64Array[]): void {
  for (const node of graph.nodes) {
    const v = values[node.id];
    if (!v) continue;
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad < 0) continue;
    const op = node.op;
    throw new InputError('checkpoint', `the forward pass on the probe gives ${Number.isNaN(v[bad]) ? 'NaN' : 'Inf'} at ${op.kind}${'layer' in op ? ` ${op.layer}` : ''} (value ${node.id}): the weights, the architecture or the probe inputs are out of range for a read`);
  }
}

/** Token ids must be whole numbers in [0, vocab). */
function checkTokens(data: Float64Array, vocab: number, file: string): void {
  const bad = data.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
  if (bad >= 0) throw new InputError(file, `token ${data[bad]} at position ${bad} is not an id of the ${vocab}-token vocabulary`);
}

/** SHA-256 of the checkpoint, started now and awaited when the JSON is written (never an unhandled rejection). */
export function backgroundHash(source: ByteSource, signal?: AbortSignal): Promise<string> {
  const p = sha256OfSource(source, signal);
  p.catch(() => undefined);
  return p;
}

/**
 * The live reference's random directions (METHOD §3) are f64 over a direction's whole block, drawn
 * a few at a time (LIVE_PROBE_CALL_ELEMENTS): the block of the largest tensor holds a call's probes
 * plus the one being drawn, whose per-tensor copies sit beside it until it is split. A lower bound
 * (a block holds more than its largest tensor), and the term that dominates on a very wide layer: a
 * 24000 × 24000 layer needs 8.6 GiB for it, though its parameters are 2.1 GiB.
 */
function liveProbeBytes(largestTensor: number, liveProbes: number): number {
  const perCall = Math.min(liveProbes, Math.max(1, Math.floor(LIVE_PROBE_CALL_ELEMENTS / Math.max(1, largestTensor))));
  return 8 * (perCall + 1) * largestTensor;
}

/** A read whose working set will not fit stops here, before it is allocated, with the number and what it is made of. */
function checkWorkingSet(graph: ModelGraph, paramBytes: number, directionBytes: number, probe: number, transformer: boolean): void {
  const bytes = workingSetBytes(graph, paramBytes, probe) + directionBytes;
  if (bytes <= WORKING_SET_LIMIT_BYTES) return;
  const fixed = paramBytes + directionBytes;
  // when the parameters and the probe directions alone are over the limit, a smaller probe does not help
  const remedy = fixed > WORKING_SET_LIMIT_BYTES
    ? `the parameters and the live-probe directions alone need ${formatBytes(fixed)}: ${transformer ? 'read it block by block (--scope block-local)' : 'this network is too large to read in one process'}`
    : 'lower probe (synthetic inputs) or inputCap (given inputs)';
  throw new InputError('settings', `this read needs about ${formatBytes(bytes)} of memory (${probe} probe inputs through [${graph.inputShape}] → ${graph.nodes.length} layers; `
    + `parameters ${formatBytes(paramBytes)}; live-probe directions over the largest tensor, f64, ${formatBytes(directionBytes)}), more than the ${formatBytes(WORKING_SET_LIMIT_BYTES)} a read may use: ${remedy}`);
}

export function checkOptions(o: ReadOptions): void {
  const bad = (m: string) => { throw new InputError('settings', m); };
  const problem = settingProblems(pickSettings(o))[0];
  if (problem) bad(`${problem.key} ${problem.message} (got ${o[problem.key]})`);
  if (!(Number.isFinite(o.inputScale) && o.inputScale > 0)) bad(`inputScale must be a finite number > 0 (got ${o.inputScale})`);
  if (o.activation !== null && !parseActivation(o.activation)) bad(`unknown activation ${o.activation}`);
  if (!['auto', 'whole', 'block-local'].includes(o.scope)) bad(`scope must be auto, whole or block-local (got ${o.scope})`);
  const eigen = maxEigenDimProblem(o.maxEigenDim);
  if (eigen) bad(`maxEigenDim ${eigen} (got ${o.maxEigenDim})`);
  if (!(Number.isInteger(o.contextCap) && o.contextCap >= 1 && o.contextCap <= 4096)) bad(`contextCap must be a whole number 1…4096 (got ${o.contextCap})`);
  const positions = positionsProblem(o.positions);
  if (positions) bad(`positions ${positions} (got ${JSON.stringify(o.positions)})`);
  try {
    detectorsById(o.detectors);
  } catch (e) {
    bad((e as Error).message);
  }
}

/** Elements of the live-probe directions one engine call holds (f64: 128 MiB), at least one direction. */
const LIVE_PROBE_CALL_ELEMENTS = 2 ** 24;

/** Seeded random unit direction over a set of tensors (the live-reference probes, METHOD §3). */
function randomPatch(params: ParamSet, tensors: string[], rng: ReturnType<typeof createRng>): TensorPatch {
  const lengths = tensors.map((t) => elementsOf(params.get(t)!));
  const v = randomUnitVector(lengths.reduce((a, b) => a + b, 0), rng);
  const p: TensorPatch = new Map();
  let off = 0;
  tensors.forEach((t, i) => {
    p.set(t, v.slice(off, off + lengths[i]));
    off += lengths[i];
  });
  return p;
}

/** F along the straight line θ̂ + t·v at every grid point (one engine call). */
export async function scanLine(engine: FisherEngine, v: TensorPatch, grid: number[], signal?: AbortSignal): Promise<number[]> {
  return Array.from(await engine.directionalFisher(grid.map((t) => linePoint(v, t)), { signal }));
}

/**
 * A whole read. `engine` may be a factory: it is then created only after the file and the
 * settings have been checked, so a bad file fails fast, before any GPU device is opened.
 */
export async function readCheckpoint(
  sources: ReadSources, partial: Partial<ReadOptions>, engineOrFactory: FisherEngine | (() => Promise<FisherEngine>),
  hooks: ReadHooks = {},
): Promise<ReadResult> {
  const started = Date.now();
  let m: LoadedModel;
  try {
    m = await loadModel(sources, partial);
  } catch (e) {
    if (!(e instanceof WholeNetworkUnavailable)) throw e;
    const blockLocal = await readBlockLocal(sources, partial, engineOrFactory, hooks, e.reason.why);
    if (!blockLocal) throw e;
    return blockLocal;
  }
  const transformer = m.transformer;
  const engine = typeof engineOrFactory === 'function' ? await engineOrFactory() : engineOrFactory;
  const { graph, params, head, options } = m;
  const settings: ReadSettings = pickSettings(options);
  // the hash runs beside the scans (its reads interleave with theirs) instead of before them
  const hashing = backgroundHash(sources.checkpoint, hooks.signal);
  if (hooks.signal?.aborted) throw new CancelledError();
  const read = await scanGraph(engine, m, options, hooks);
  const sha256 = await hashing;
  const { chains, warnings: chainWarnings } = linearChains(graph, params, settings.rankRel, options.maxEigenDim ?? DEFAULT_OPTIONS.maxEigenDim);
  // labels are one per sample: an all-positions head has T outputs a sample, so no accuracy is claimed
  const probeReport: ProbeReport = m.labels && headRows(m.graph) === 1 ? { ...m.probeReport, labels: checkProbeLabels(m, read.outputs) } : m.probeReport;
  const probeNote = probeWarning(probeReport);
  return {
    schema: 'deadscope.read/1',
    checkpoint: {
      path: sources.checkpointName, bytes: m.file.byteSize, sha256, params: m.file.tensors.reduce((s, t) => s + t.elements, 0),
      tensors: m.file.tensors.length,
      architecture: {
        inputShape: graph.inputShape, ops: graphOps(graph), outputWidth: graph.outputWidth,
        ...(transformer ? { scope: 'whole', inputType: graph.inputType, inputs: graph.nodes.map((n) => n.inputs), family: transformer.family, label: transformer.label, hyperparameters: transformer.hyperparameters } : {}),
      },
    },
    settings: {
      ...settings, head, activation: graph.activation, inputs: m.probeDescription, inputScale: options.inputScale,
      detectors: read.detectors, backend: options.backend, adapter: engine.description,
      engineChoice: engine.choice ?? `${engine.name} engine given by the caller`,
      precision: engine.precision,
      // recorded where the read sums over positions (absent: one output a sample, the last position of a token model)
      ...(headRows(graph) > 1 ? { positions: 'all' as const } : {}),
    },
    backend: engine.name,
    directions: read.directions,
    layers: read.layers,
    ...assembled(read.directions, chains),
    fluctuation: fluctuationData(read.directions, options.seed),
    ...(read.saturation ? { saturation: read.saturation } : {}),
    probe: probeReport,
    ...(read.shard ? { shard: { ...read.shard, chains } } : {}),
    ...(transformer ? { scope: 'whole' as const } : {}),
    warnings: [
      ...(transformer ? [`${transformer.label}: the whole network read (scope "whole"), the ${head} Fisher on ${transformer.readout}; probe: ${m.probeDescription}`] : []),
      ...(probeNote ? [probeNote] : []), ...graph.warnings, ...read.warnings, ...chainWarnings,
      ...(m.labels && headRows(graph) > 1 ? [`positions all: the ${m.labels.tensor} (one a sample) are not checked against ${headRows(graph)} outputs a sample; no accuracy is reported`] : []),
    ],
    timing: { totalMs: Date.now() - started, prepareMs: read.prepareMs, scanMs: read.scanMs, queries: read.queries },
  };
}

/** What one graph's read produced (a whole read has one; a block-local read one per block). */
export interface GraphRead {
  directions: DirectionResult[];
  layers: LayerResult[];
  detectors: string[];
  prepareMs: number;
  scanMs: number;
  queries: number;
  /** what the read itself found worth saying (e.g. units read along a random row) */
  warnings: string[];
  /** classification head: probe inputs on which the softmax is saturated */
  saturation: Saturation | null;
  /** the model's outputs on the probe (count × outputWidth): logits or predictions */
  outputs: Float64Array;
  /** set when options.layers selected a part of the network */
  shard?: Omit<ShardInfo, 'chains'>;
}

/**
 * Forward pass, detectors and every scan on one graph: the core of a read. `keep` drops
 * candidates a caller knows are not exact for the wider network (block-local reads).
 */
export async function scanGraph(
  engine: FisherEngine, m: Pick<LoadedModel, 'graph' | 'params' | 'probe' | 'head'>, options: ReadOptions, hooks: ReadHooks = {},
  keep: (c: Candidate) => boolean = () => true,
): Promise<GraphRead> {
  const stage = (s: string, fraction: number) => hooks.onProgress?.({ fraction, etaSeconds: null, stage: s });
  const { graph, params, head, probe } = m;
  const settings: ReadSettings = pickSettings(options);
  const detectors = detectorsById(options.detectors);
  // dense work checked from the shapes before anything is allocated: a layer over a limit is left
  // out with a warning naming the number and the setting that includes it, the rest is read; only
  // a K-FAC pass whose per-sample cotangent alone is over the memory limit refuses the read
  const maxEigenDim = options.maxEigenDim ?? DEFAULT_OPTIONS.maxEigenDim;
  const dense = planDenseWork(graph, detectors.map((d) => d.id), maxEigenDim);
  if (dense.refused) {
    const factorDetectors = ['bottom-subspace', 'dual-factor'];
    const others = detectors.map((d) => d.id).filter((id) => !factorDetectors.includes(id));
    throw new InputError('settings', `${densePartProblem(dense.refused, maxEigenDim)}: read without it (--detectors ${others.join(',') || 'inactive'}) or per block (--scope block-local, transformers)`);
  }
  const skipAlignment = new Set(dense.skipped.filter((p) => p.part === 'layer statistics').map((p) => p.layer));
  const selected = options.layers;
  if (selected) {
    // every candidate's layer is that of an op holding parameters: checked from the graph, before
    // the forward pass, so a mistyped name is one line and no work
    const known = new Set([...graph.nodes.flatMap((n) => (isParamOp(n.op) && 'layer' in n.op ? [n.op.layer] : [])), ...activationLayers(graph).map((L) => L.layer)]);
    const unknown = selected.filter((l) => !known.has(l));
    if (unknown.length) throw new InputError('--layers', `no layer ${unknown.join(', ')} (layers: ${[...known].join(', ')})`);
  }
  stage('forward pass', 0);
  const t0 = Date.now();
  await engine.prepare(graph, params, probe, head, { signal: hooks.signal });
  const values = await engine.values();
  checkFiniteValues(graph, values);
  const prepareMs = Date.now() - t0;
  const saturation = head === 'classification'
    ? softmaxSaturation(values[graph.output], probe.count * headRows(graph), graph.outputWidth / headRows(graph)) : null;

  const rng = createRng(options.seed);
  // detectors and the layer statistics are long synchronous work on big layers: they pause between steps
  const pause = pauser(hooks.signal);
  const ctx: DetectorContext = { model: graph, params, probe, head, values, settings, rng, pause, ...(dense.skip.size ? { skipDense: dense.skip } : {}) };
  stage('detectors', 0);
  const every: Candidate[] = [];
  for (const d of detectors) {
    await pause();
    every.push(...(await d.detect(ctx)).filter(keep));
  }
  const inSelection = (layer: string) => selected === null || selected.includes(layer);
  const candidates = every.filter((c) => inSelection(c.layer));
  // the layer statistics (dense work on this thread) run beside the scans, interleaved at their pauses:
  // with a thread pool (src/fast/pool-core.ts) the workers scan meanwhile; on one thread nothing changes
  const layersRun = layerResults(ctx, (l) => inSelection(l) && !skipAlignment.has(l));
  layersRun.catch(() => {}); // a failed scan ends the read first; the error is read where it is awaited
  const denseWarnings = dense.skipped.filter((p) => inSelection(p.layer)).map((p) => densePartSkipped(p, maxEigenDim));
  const neverFiring = neverFiringUnits(ctx);
  const readWarnings = zeroWeightWarnings(ctx);

  const grid = scanGrid(settings);
  const liveRng = createRng(options.seed + 1);
  const liveCache = new Map<string, number>();
  const scanStart = Date.now();
  let queriesDone = 0;
  const totalQueries = candidates.reduce((s, c) => s + grid.length * (c.orbit ? 2 : 1), 0);
  const report = () => {
    const fraction = totalQueries ? queriesDone / totalQueries : 1;
    const elapsed = (Date.now() - scanStart) / 1000;
    hooks.onProgress?.({ fraction, etaSeconds: fraction > 0 ? (elapsed * (1 - fraction)) / fraction : null, stage: 'scanning' });
  };

  // Live probes are drawn in the order the whole read first meets each block, also when a shard
  // skips some: the draws of skipped blocks are made and dropped, so every shard reads the same F_live.
  const blockKey = (tensors: string[]) => [...tensors].sort().join('|');
  const blockOrder = [...new Set(every.map((c) => blockKey(c.tensors)))];
  let drawnBlocks = 0;
  const liveReference = async (tensors: string[]): Promise<number> => {
    const key = blockKey(tensors);
    let v = liveCache.get(key);
    if (v === undefined) {
      for (; blockOrder[drawnBlocks] !== key && drawnBlocks < blockOrder.length; drawnBlocks++) {
        if (liveCache.has(blockOrder[drawnBlocks])) continue;
        const skipped = blockOrder[drawnBlocks].split('|');
        for (let i = 0; i < settings.liveProbes; i++) randomPatch(params, skipped, liveRng);
      }
      drawnBlocks++;
      // a few probes a call (all of them on any block under LIVE_PROBE_CALL_ELEMENTS / liveProbes): each
      // is an f64 vector over the whole block, 4.6 GB on a 24000 × 24000 layer; the same draws in the same order
      const sorted = [...tensors].sort();
      const elements = sorted.reduce((sum, t) => sum + elementsOf(params.get(t)!), 0);
      const perCall = Math.max(1, Math.floor(LIVE_PROBE_CALL_ELEMENTS / elements));
      v = -Infinity;
      for (let i = 0; i < settings.liveProbes; i += perCall) {
        const queries: FisherQuery[] = [];
        for (let j = i; j < Math.min(settings.liveProbes, i + perCall); j++) queries.push({ delta: new Map(), tangent: randomPatch(params, sorted, liveRng) });
        v = Math.max(v, ...await engine.directionalFisher(queries, { signal: hooks.signal }));
      }
      liveCache.set(key, v);
    }
    return v;
  };

  const directions: DirectionResult[] = [];
  const batch = engine.directionsPerCall ?? 16;
  for (let b = 0; b < candidates.length; b += batch) {
    // a cancellable read lets the event loop run once per batch, whatever the engine's own pauses
    // (they yield only every 25 ms of work): the cancel a consumer sends on seeing a batch's directions
    // then lands before the next batch (the worker API's promise)
    if (hooks.signal) await yieldToEventLoop();
    if (hooks.signal?.aborted) throw new CancelledError();
    const group = candidates.slice(b, b + batch);
    const queries: FisherQuery[] = [];
    for (const c of group) {
      const v = c.direction();
      for (const t of grid) queries.push(linePoint(v, t));
      if (c.orbit) for (const t of grid) queries.push(c.orbit(t));
    }
    const F = await engine.directionalFisher(queries, {
      signal: hooks.signal,
      onProgress: (p) => {
        hooks.onProgress?.({ fraction: totalQueries ? (queriesDone + p.done) / totalQueries : 1, etaSeconds: null, stage: 'scanning' });
      },
    });
    let at = 0;
    for (const c of group) {
      const line = Array.from(F.subarray(at, at + grid.length));
      at += grid.length;
      let orbitF: number[] | undefined;
      if (c.orbit) {
        orbitF = Array.from(F.subarray(at, at + grid.length));
        at += grid.length;
      }
      const fLive = await liveReference(c.tensors);
      const neverFires = c.unit !== null && (neverFiring.get(c.layer)?.has(c.unit) ?? false);
      const cls = classifyDirection({ t: grid, F: line, fLive, settings, isGauge: c.gauge, orbitF: orbitF ?? (c.gauge ? line : undefined), predictedK: c.predictedK, neverFires });
      const d: DirectionResult = {
        id: c.id, detector: c.detector, layer: c.layer, unit: c.unit, ...(c.head !== undefined ? { head: c.head } : {}), tensors: c.tensors,
        predictedK: c.predictedK, class: cls.class, path: cls.path, k: cls.k, kRounded: cls.kRounded, lambda: cls.lambda,
        nu: (cls.class === 'singular' || cls.class === 'live') && cls.kRounded !== null ? singularFluctuationCached(cls.kRounded) : null,
        ratio: cls.ratio, window: cls.window, scan: { t: grid, F: line, slope: cls.slopes },
        ...(orbitF ? { orbitScan: { t: grid, F: orbitF } } : {}),
        fLive, reason: c.note ? `${cls.reason}; ${c.note}` : cls.reason,
      };
      directions.push(d);
      hooks.onDirection?.(d);
    }
    queriesDone += queries.length;
    report();
  }
  const layers = (await layersRun).filter((l) => inSelection(l.layer));
  const position = new Map(every.map((c, i) => [c, i]));
  return {
    ...(selected ? { shard: { layers: selected, order: candidates.map((c) => position.get(c)!), total: every.length, layerOrder: activationLayers(graph).map((L) => L.layer) } } : {}),
    directions, layers, detectors: detectors.map((d) => d.id), prepareMs, scanMs: Date.now() - scanStart,
    queries: totalQueries + liveCache.size * settings.liveProbes,
    warnings: [...readWarnings, ...denseWarnings, ...(saturation && saturationWarning(saturation) ? [saturationWarning(saturation)!] : [])], saturation,
    outputs: values[graph.output],
  };
}

/** assembly[] and global (λ, m) of a read's directions (METHOD §6); also used by shard merges */
export function assembled(directions: DirectionResult[], chains: LinearChainInput[]): Pick<ReadResult, 'assembly' | 'global'> {
  const assembly = assembleGlobal({ directions, chains });
  return { assembly, global: globalCoefficient(assembly, directions) };
}

/** The model's accuracy/loss on the labelled probe (plain messages for labels that do not fit). */
function checkProbeLabels(m: LoadedModel, outputs: Float64Array): ProbeLabelCheck {
  try {
    return checkLabels(m.head, outputs, m.graph.outputWidth, m.labels!.data, m.probe.count, m.labels!.tensor);
  } catch (e) {
    if (e instanceof RangeError) throw new InputError(m.probeReport.description, e.message);
    throw e;
  }
}

/** The METHOD settings out of the read options (the keys of the one settings table). */
export function pickSettings(o: ReadOptions): ReadSettings {
  return Object.fromEntries(Object.keys(DEFAULT_SETTINGS).map((k) => [k, o[k as keyof ReadSettings]])) as unknown as ReadSettings;
}

/**
 * Two linear maps with nothing between them are a reduced-rank chain y = B·A·x (METHOD §6):
 * M = A's input, H = its output, N = B's output, r = the numerical rank of B·A. The rank comes from
 * the eigenvalues of a Gram matrix of the product P: PᵀP (M × M), or PPᵀ (N × N, the same non-zero
 * singular values) when only N is within `maxEigenDim`; a chain with both sides over it, or whose product and
 * Gram matrix would take more than the working-set limit, is left out with a warning (its layers'
 * directions still count one by one in the assembly).
 */
export function linearChains(
  graph: ModelGraph, params: ParamSet, rankRel: number, maxEigenDim: number, limitBytes = WORKING_SET_LIMIT_BYTES,
): { chains: LinearChainInput[]; warnings: string[] } {
  const chains: LinearChainInput[] = [];
  const warnings: string[] = [];
  const readers = consumersOf(graph);
  const used = new Set<GraphNode>();
  // the sole reader of n's output when it is a linear map (nothing in between), else null
  const soleLinearReader = (n: GraphNode): GraphNode | null => {
    const next = readers.get(n.id);
    const op = n.op, nx = next?.[0]?.op;
    // positionwise and flattened maps do not compose as matrices
    const same = op.kind === 'linear' && nx?.kind === 'linear' && !op.positionwise === !nx.positionwise;
    return next?.length === 1 && n.id !== graph.output && same ? next[0] : null;
  };
  for (const start of graph.nodes) {
    if (used.has(start) || start.op.kind !== 'linear') continue;
    // the maximal run of linear maps with nothing between them (METHOD §6: a chain of any length)
    const nodes = [start];
    for (let nxt = soleLinearReader(start); nxt && !used.has(nxt); nxt = soleLinearReader(nxt)) nodes.push(nxt);
    if (nodes.length < 2) continue;
    for (const n of nodes) used.add(n);
    const run = nodes.map((n) => n.op) as Extract<GraphNode['op'], { kind: 'linear' }>[];
    const widths = [run[0].inFeatures, ...run.map((op) => op.outFeatures)];
    const M = widths[0];
    const N = widths[widths.length - 1];
    // checked from the shapes before anything is allocated: two partial products (the widest, × M) and the Gram
    // matrix, PᵀP (M × M) unless only PPᵀ (N × N) is within maxEigenDim
    const d = M <= maxEigenDim ? M : Math.min(M, N);
    const bytes = 8 * (2 * Math.max(...widths.slice(1)) * M + d * d);
    const layers = run.map((op) => op.layer).join(', ');
    if (d > maxEigenDim) {
      warnings.push(`layers ${layers}: reduced-rank chain skipped: its rank needs a ${d} × ${d} eigendecomposition (${formatBytes(8 * d * d)}; O(d³)), above the ${maxEigenDim} limit (maxEigenDim); --max-eigen-dim ${d} includes it`);
      continue;
    }
    if (bytes > limitBytes) {
      warnings.push(`layers ${layers}: reduced-rank chain skipped: its product and Gram matrix need about ${formatBytes(bytes)}, more than the ${formatBytes(limitBytes)} a read may use`);
      continue;
    }
    // the product P = W_L ⋯ W_1 (N × M) and its numerical rank
    let P: ArrayLike<number> = linearMatrix(run[0], params.get(run[0].weight)!.data);
    for (let q = 1; q < run.length; q++) P = matMul(linearMatrix(run[q], params.get(run[q].weight)!.data), P, widths[q + 1], widths[q], M);
    const gram = d === M ? matMul(transpose(P, N, M), P, M, N, M) : matMul(P, transpose(P, N, M), N, M, N);
    const sv = Array.from(symmetricEigen(gram, d).values, (x) => Math.sqrt(Math.max(x, 0)));
    const top = Math.max(...sv);
    const H = Math.min(...widths.slice(1, -1));
    const r = top > 0 ? Math.min(sv.filter((x) => x > rankRel * top).length, M, N, H) : 0;
    chains.push({ layers: run.map((op) => op.layer), widths, M, H, N, r });
  }
  return { chains, warnings };
}

/** layer → the units that never fire on the probe (ReLU family only; METHOD §3 'inactive') */
function neverFiringUnits(ctx: DetectorContext): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const L of unitLayers(ctx.model)) {
    const dead = inactiveUnits(ctx, L);
    if (dead) out.set(L.layer, new Set(dead));
  }
  return out;
}

/**
 * Units whose incoming or outgoing weights are exactly zero: their node-death direction is a
 * seeded random one, so its order is that of the bare cell. Said once per layer, never silently.
 */
function zeroWeightWarnings(ctx: DetectorContext): string[] {
  const out: string[] = [];
  for (const L of unitLayers(ctx.model)) {
    const zeroIn: number[] = [];
    const zeroOut: number[] = [];
    for (let u = 0; u < L.units; u++) {
      if (!gather(ctx.params, incomingIndices(ctx.model, ctx.params, L, u)).some((x) => x !== 0)) zeroIn.push(u);
      if (!gather(ctx.params, outgoingIndices(ctx.model, ctx.params, L, u)).some((x) => x !== 0)) zeroOut.push(u);
    }
    // sets: on a 100000-unit layer of zeros the lists' includes() was 10^10 comparisons
    const outSet = new Set(zeroOut);
    const both = zeroIn.filter((u) => outSet.has(u));
    const bothSet = new Set(both);
    const list = (us: number[]) => (us.length > 12 ? `${us.slice(0, 12).join(', ')} … (${us.length})` : us.join(', '));
    if (both.length) out.push(`layer ${L.layer}: unit${both.length > 1 ? 's' : ''} ${list(both)} ha${both.length > 1 ? 've' : 's'} all-zero incoming and outgoing weights; node-death reads ${both.length > 1 ? 'them' : 'it'} along seeded random directions (the bare cell's order, not a trained direction)`);
    const inOnly = zeroIn.filter((u) => !bothSet.has(u));
    const outOnly = zeroOut.filter((u) => !bothSet.has(u));
    if (inOnly.length) out.push(`layer ${L.layer}: unit${inOnly.length > 1 ? 's' : ''} ${list(inOnly)} ha${inOnly.length > 1 ? 've' : 's'} all-zero incoming weights (read along a seeded random row)`);
    if (outOnly.length) out.push(`layer ${L.layer}: unit${outOnly.length > 1 ? 's' : ''} ${list(outOnly)} ha${outOnly.length > 1 ? 've' : 's'} all-zero outgoing weights (read along a seeded random column)`);
  }
  return out;
}

/**
 * Per hidden layer (unit layers and gated MLPs): width, inactive units and the axis-alignment of
 * its dead subspace (METHOD §5).
 */
export async function layerResults(ctx: DetectorContext, align: (layer: string) => boolean = () => true): Promise<LayerResult[]> {
  const out: LayerResult[] = [];
  for (const L of activationLayers(ctx.model)) {
    await ctx.pause?.();
    out.push(layerResult(ctx, L, align));
  }
  return out;
}

function layerResult(ctx: DetectorContext, L: ActivationLayer, align: (layer: string) => boolean): LayerResult {
  // never-firing units: a ReLU-family unit layer only (a gated unit's SiLU/GELU gate is never exactly 0)
  const dead = L.unitLayer ? inactiveUnits(ctx, L.unitLayer) : null;
  const d = L.units;
  if (!align(L.layer)) return { layer: L.layer, width: d, inactiveUnits: dead ? dead.length : null, axisAlignment: null };
  const A = unitActivationCovariance(ctx.model, ctx.values, ctx.probe.count, L);
  const { auto: al, sweep } = alignmentSweep(A, d, ctx.settings.alignmentRel);
  return {
    layer: L.layer, width: d, inactiveUnits: dead ? dead.length : null,
    axisAlignment: { r: al.r, d: al.d, value: al.value, baseline: al.baseline, ...(al.undetermined ? { undetermined: al.undetermined } : {}), sweep },
  };
}
