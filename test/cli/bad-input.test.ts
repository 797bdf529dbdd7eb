/**
 * Every careless or hostile CLI input of issue 10: exit 2, exactly one line on stderr naming the
 * file (or flag) and the rule, no stack trace, within 5 s (a bad grid used to abort V8 after 35 s).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/read.ts';
import { entry, stBytes } from '../format/build.ts';
import { parseReadArgs } from '../../src/cli/args.ts';

const bin = new URL('../../bin/deadscope.mjs', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'deadscope-bad-'));
const ts = fixture('ts_relu_adamw_s1.safetensors');
const fifo = join(dir, 'fifo.safetensors');
execFileSync('mkfifo', [fifo]);
const zeroWidth = join(dir, 'zero-width.safetensors');
// 2 → 0 → 1: a hidden layer of width zero
writeFileSync(zeroWidth, stBytes({ '0.weight': entry('F32', [0, 2], [0, 0]), '0.bias': entry('F32', [0], [0, 0]), '2.weight': entry('F32', [1, 0], [0, 0]), '2.bias': entry('F32', [1], [0, 4]) }, 4));

// 2 → 4 → 20000: a vocabulary-sized output; its K-FAC reverse pass holds two 20000 × 20000 f64 cotangents
// (2 · 8 · 20000² B = 6.0 GiB) whatever layers it leaves out
const wideOutput = join(dir, 'wide-output.safetensors');
writeFileSync(wideOutput, stBytes({ '0.weight': entry('F32', [4, 2], [0, 32]), '0.bias': entry('F32', [4], [32, 48]), '2.weight': entry('F32', [20000, 4], [48, 320048]), '2.bias': entry('F32', [20000], [320048, 400048]) }, 400048));

// probe inputs for the 8-feature fixture: sample 2 holds a NaN; then labels with an Inf (row 1)
const nanInputs = join(dir, 'nan-inputs.safetensors');
writeFileSync(nanInputs, stBytes({ inputs: entry('F32', [4, 8], [0, 128]) }, new Uint8Array(Float32Array.from({ length: 32 }, (_, i) => (i === 17 ? NaN : i / 32)).buffer)));
const infLabels = join(dir, 'inf-labels.safetensors');
writeFileSync(infLabels, stBytes({ inputs: entry('F32', [4, 8], [0, 128]), targets: entry('F32', [4, 1], [128, 144]) }, new Uint8Array(Float32Array.from({ length: 36 }, (_, i) => (i === 33 ? Infinity : i / 36)).buffer)));

// an architecture JSON that lists no layer (or none with weights) reads nothing
const emptyArch = join(dir, 'empty.arch.json');
writeFileSync(emptyArch, JSON.stringify({ inputShape: [8], layers: [] }));
const weightlessArch = join(dir, 'weightless.arch.json');
writeFileSync(weightlessArch, JSON.stringify({ inputShape: [8], layers: [{ op: 'activation' }] }));

const numberConfig = join(dir, 'config.json');
writeFileSync(numberConfig, '1\n');

const textFile = join(dir, 'model-card.safetensors');
writeFileSync(textFile, '# A model card\n\nRenamed by mistake; long enough to look like a header length.\n');

// a binary file given as config.json: its first bytes (a newline, a NUL) are quoted in the message
const binaryConfig = join(dir, 'binary-config.json');
writeFileSync(binaryConfig, '{"a":\n\u0000');

// a folder holding two links back to itself: walked once
const loopFolder = join(dir, 'loop');
execFileSync('mkdir', [loopFolder]);
execFileSync('ln', ['-s', loopFolder, join(loopFolder, 'a')]);
execFileSync('ln', ['-s', loopFolder, join(loopFolder, 'b')]);

const cases: Array<[string, string[], RegExp]> = [
  ['grid spanning 600 decades', [ts, '--grid', '1e-300,1e300,1'], /--grid TMIN must be ≥ 1e-15/],
  ['grid of 10^8 points a decade', [ts, '--grid', '1e-4,1,100000000'], /--grid PER_DECADE must be ≤ 400/],
  ['grid with too many points overall', [ts, '--grid', '1e-15,1e6,100'], /--grid PER_DECADE gives 2101 grid points .* at most 400/],
  ['grid not ordered', [ts, '--grid', '1,1e-4,4'], /--grid TMAX must be > tMin/],
  ['grid with a non-number', [ts, '--grid', '1e-4,x,4'], /--grid needs a number, got "x"/],
  ['grid with Infinity', [ts, '--grid', '1e-4,Infinity,4'], /--grid needs a number/],
  ['fractional per-decade', [ts, '--grid', '1e-4,1,1.5'], /--grid PER_DECADE must be a whole number/],
  ['negative --bottom-k', [ts, '--bottom-k', '-5'], /--bottom-k must be ≥ 1/],
  ['fractional --bottom-k', [ts, '--bottom-k', '2.5'], /--bottom-k must be a whole number/],
  ['fractional --seed', [ts, '--seed', '1.5'], /--seed must be a whole number/],
  ['negative --seed', [ts, '--seed', '-1'], /--seed must be ≥ 0/],
  // 2^53 + 1 parses to 2^53, a whole number: the range is what it breaks
  ['--seed past 2^53', [ts, '--seed', '9007199254740993'], /--seed must be ≤ 4294967295 \(got 9007199254740992\)/],
  ['negative --numerical-floor', [ts, '--numerical-floor', '-1'], /--numerical-floor must be ≥ 0/],
  ['--floor-ratio above 1', [ts, '--floor-ratio', '2'], /--floor-ratio must be < 1/],
  ['--slope-tol 0', [ts, '--slope-tol', '0'], /--slope-tol must be > 0/],
  ['--min-decades longer than the grid', [ts, '--grid', '1e-2,1,4', '--min-decades', '3'], /--min-decades must not exceed the grid's span \(2 decades\)/],
  ['--probe 10^7', [ts, '--probe', '10000000'], /--probe must be ≤ 100000/],
  ['a probe whose working set will not fit', [fixture('mnist-convnet-tinygrad.safetensors'), '--probe', '100000'], /needs about \d+\.\d GiB of memory \(100000 probe inputs.* more than the 4\.0 GiB a read may use/],
  // the per-sample cotangent of the K-FAC pass alone, 8 B × 20000 outputs × 2 × 20000 (the widest value) = 6.0 GiB;
  // the 20000-wide output factor is over maxEigenDim and left out (per-layer skipping, below)
  ['the K-FAC pass of a vocabulary-sized output', [wideOutput, '--backend', 'cpu'], /settings: detector bottom-subspace needs about 6\.0 GiB of memory \(all layers\), more than the 4\.0 GiB a read may use: read without it/],
  ['fractional --max-eigen-dim', [ts, '--max-eigen-dim', '2.5'], /--max-eigen-dim must be a whole number, got 2\.5/],
  ['--max-eigen-dim 0', [ts, '--max-eigen-dim', '0'], /--max-eigen-dim must be ≥ 1, got 0/],
  ['--max-eigen-dim 10^6', [ts, '--max-eigen-dim', '1000000'], /--max-eigen-dim must be ≤ 16384, got 1000000/],
  ['negative --input-cap', [ts, '--input-cap', '-1'], /--input-cap must be ≥ 0/],
  ['fractional --probe', [ts, '--probe', '2.5'], /--probe must be a whole number/],
  ['--live-probes 0', [ts, '--live-probes', '0'], /--live-probes must be ≥ 1/],
  ['--live-probes 10^6', [ts, '--live-probes', '1000000'], /--live-probes must be ≤ 1024/],
  ['--alignment-rel NaN', [ts, '--alignment-rel', 'NaN'], /--alignment-rel needs a number/],
  ['--input-scale 0', [ts, '--input-scale', '0'], /--input-scale must be > 0/],
  ['--threads 10^5 (one worker thread each)', [ts, '--threads', '100000', '--backend', 'cpu'], /--threads must be a whole number 1…256, got 100000/],
  ['--threads 0', [ts, '--threads', '0'], /--threads must be a whole number 1…256, got 0/],
  // an empty list read nothing and exited 0 with an empty JSON
  ['--detectors naming none', [ts, '--detectors', ','], /--detectors names no detector, got ","/],
  ['--layers naming none', [ts, '--layers', ' , '], /--layers names no layer, got " , "/],
  // checked from the graph before the forward pass: no progress line before the message
  ['--layers naming no layer', [ts, '--layers', 'nosuch', '--backend', 'cpu'], /--layers: no layer nosuch \(layers: 0, 2\)/],
  ['probe inputs holding a NaN', [ts, '--inputs', nanInputs], /nan-inputs\.safetensors: tensor "inputs" holds NaN or Inf values \(sample 2\)/],
  ['probe labels holding an Inf', [ts, '--inputs', infLabels], /inf-labels\.safetensors: labels "targets" hold NaN or Inf values \(row 1\)/],
  ['a config.json that is not an object', [fixture('gpt2_modadd23_s1.safetensors'), '--config', numberConfig], /config\.json: a config\.json holds one JSON object, not a number/],
  ['a directory as the checkpoint', [dir], /is a directory, not a file \[rule: not-a-regular-file\]/],
  ['a folder whose links lead back to it', [loopFolder], /deadscope: \S+\/loop: is a directory, not a file \[rule: not-a-regular-file\]/],
  ['a FIFO as the checkpoint', [fifo], /fifo\.safetensors: is not a regular file .*\[rule: not-a-regular-file\]/],
  ['a directory as --inputs', [ts, '--inputs', dir], /is a directory, not a file \[rule: not-a-regular-file\]/],
  ['a FIFO as --config', [ts, '--config', fifo], /fifo\.safetensors: is not a regular file/],
  ['a directory as --out', [ts, '--out', dir], /--out needs a file path \[rule: not-a-regular-file\]/],
  ['a file as the --out folder of several checkpoints', [ts, ts, '--out', textFile], /model-card\.safetensors: is a file; 2 checkpoints need --out DIR, a folder .*\[rule: not-a-directory\]/],
  ['a config whose bytes hold a newline and a NUL', [ts, '--config', binaryConfig], /binary-config\.json: not valid JSON \(.*\\n\\u0000/],
  ['--out in a folder that does not exist', [ts, '--out', join(dir, 'no', 'such', 'out.json')], /does not exist \[rule: out-folder-missing\]/],
  ['a text file renamed .safetensors', [textFile], /model-card\.safetensors: not a safetensors file \(it begins with the text "# A mode"\).*\[rule: header-too-large\]/],
  ['--arch with "layers": []', [ts, '--arch', emptyArch], /architecture JSON: "layers" is empty: nothing to read/],
  ['--arch with no layer that has weights', [ts, '--arch', weightlessArch], /architecture JSON: "layers" lists no layer with weights: nothing to read/],
  ['a zero-width layer', [zeroWidth, '--backend', 'cpu'], /zero-width\.safetensors: tensor "0\.weight" has shape \[0,2\].*\[rule: zero-width-layer\]/],
];

describe('deadscope read: bad input exits 2 with one line', () => {
  it.each(cases)('%s', (_name, args, message) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [bin, 'read', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } });
    const seconds = (Date.now() - started) / 1000;
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^deadscope: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(seconds).toBeLessThan(5);
  });
});

// `deadscope merge` takes the same care with its files: a hand-edited or truncated shard is named, never a TypeError
const nullJson = join(dir, 'null.read.json');
writeFileSync(nullJson, 'null\n');
const brokenShard = join(dir, 'broken.read.json');
writeFileSync(brokenShard, JSON.stringify({ schema: 'deadscope.read/1', checkpoint: { sha256: 'ab' }, settings: { seed: 0 }, directions: [], layers: [], warnings: [], timing: { totalMs: 0, prepareMs: 0, scanMs: 0, queries: 0 }, shard: { layers: ['0'], order: 'all', total: 3, layerOrder: ['0'], chains: [] } }));
const mergeCases: Array<[string, string[], RegExp]> = [
  ['a FIFO as a shard', [fifo], /fifo\.safetensors: is not a regular file .*\[rule: not-a-regular-file\]/],
  ['a directory as a shard', [dir], /is a directory, not a file \[rule: not-a-regular-file\]/],
  ['a directory as --out', [brokenShard, '--out', dir], /--out needs a file path \[rule: not-a-regular-file\]/],
  ['JSON null as a shard', [nullJson], /null\.read\.json: not a deadscope\.read\/1 JSON/],
  ['a shard whose order is not a list', [brokenShard], /broken\.read\.json: not a well-formed partial read \(shard\.order: /],
];

describe('deadscope merge: bad input exits 2 with one line', () => {
  it.each(mergeCases)('%s', (_name, args, message) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [bin, 'merge', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^deadscope: /);
    expect(lines[0]).toMatch(message);
    expect(r.stdout).toBe('');
    expect((Date.now() - started) / 1000).toBeLessThan(5);
  });
});

describe('deadscope read: a layer too wide for its axis alignment', () => {
  it('skips that statistic with a warning and keeps the rest of the read', () => {
    // 2 → 40 → 1 with seeded weights; --max-eigen-dim 16 puts the 40-unit layer over the limit
    const w = new Float32Array(2 * 40 + 40 + 40 + 1);
    let s = 7;
    for (let i = 0; i < w.length; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; w[i] = s / 2 ** 31 - 0.5; }
    const file = join(dir, 'forty.safetensors');
    writeFileSync(file, stBytes({ '0.weight': entry('F32', [40, 2], [0, 320]), '0.bias': entry('F32', [40], [320, 480]), '2.weight': entry('F32', [1, 40], [480, 640]), '2.bias': entry('F32', [1], [640, 644]) }, new Uint8Array(w.buffer)));
    const r = spawnSync(process.execPath, [bin, 'read', file, '--detectors', 'inactive', '--max-eigen-dim', '16', '--backend', 'cpu', '--probe', '64'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(0);
    const read = JSON.parse(r.stdout);
    expect(read.layers).toEqual([expect.objectContaining({ layer: '0', width: 40, axisAlignment: null })]);
    expect(read.warnings).toContainEqual(expect.stringMatching(/^layer 0: axis alignment skipped: layer statistics on layer 0 decomposes a 40 × 40 matrix .* above the 16 limit \(maxEigenDim\); --max-eigen-dim 40 \(maxEigenDim\) includes it$/));
  });
});

describe('deadscope read: an --out the file system refuses after the read', () => {
  it('puts the JSON on stdout instead of losing it, exit 2 with one line', () => {
    // /proc takes no new files (ENOENT), though it is a folder and, for root, writable by its mode bits
    const r = spawnSync(process.execPath, [bin, 'read', ts, '--backend', 'cpu', '--detectors', 'inactive', '--out', '/proc/deadscope-read.json'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
    expect(r.status, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('deadscope: '));
    expect(lines).toEqual([expect.stringMatching(/^deadscope: \/proc\/deadscope-read\.json: (its folder \/proc is not writable|cannot write \(\w+\); the JSON went to stdout instead) \[rule: out-not-writable\]$/)]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // the folder check refuses before the read (no JSON), else the finished read is on stdout
    if (/cannot write/.test(lines[0])) expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'deadscope.read/1', checkpoint: { path: ts } });
  });
});

describe('deadscope read: name lists', () => {
  it('each detector and layer is read once, whatever the list repeats', () => {
    const a = parseReadArgs(['x.safetensors', '--detectors', 'inactive, inactive,node-death,', '--layers', '0,2,0']);
    expect(a.options.detectors).toEqual(['inactive', 'node-death']);
    expect(a.options.layers).toEqual(['0', '2']);
  });
});
