/**
 * `npm run bench`: timed reads on this machine, printed and written as BENCHMARKS.md-ready rows
 * (case, backend, precision, wall median of the runs, multiply-adds counted by the engine, GFLOP/s,
 * peak RSS), with the NumPy peer (bench/peer_numpy.py, one BLAS thread) run in the same session,
 * alternating with deadscope's runs, for the MNIST MLP node-death read at probe 1000, and the
 * ratio peer wall / deadscope wall (≥ 1: deadscope is as fast or faster). Every read runs in its own
 * process (clean peak RSS), from an esbuild bundle of bench/read-once.ts (scripts/build-cli.mjs, as the
 * CLI ships) under plain node: no TypeScript loader thread in the timed process, as none is in a user's.
 * Both sides time the read alone (files opened → result), after their imports.
 *
 * Then, one run each: the same read on two worker threads, the GPT-2 fixture (all detectors), a
 * 124 M GPT-2-small-shaped file with random weights and real names (open time), the scaling
 * series; opt-in, as they take far longer today: --gpt2-block, the read of a one-block file of
 * GPT-2-small widths, and --conv, the MNIST conv net (all detectors, 256 images).
 *
 *   npm run bench -- [--runs 3] [--out bench/last-run.md] [--no-scaling] [--no-gpt2] [--gpt2-block [--gpt2-block-probe N]
 *     [--gpt2-block-detectors a,b] [--gpt2-block-f64]] [--conv]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { writeSafetensors } from './write-mlp.ts';
import { GPT2_SMALL, writeGpt2 } from './write-gpt2.ts';
// @ts-expect-error: a plain .mjs build script without types
import { bundleForNode } from '../scripts/build-cli.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
};
const runs = Math.max(3, Number(opt('runs', '3')));
const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const outPath = resolve(ROOT, opt('out', 'bench/last-run.md'));
const tmp = mkdtempSync(join(os.tmpdir(), 'deadscope-bench-'));

interface Once {
  wallMs: number; cpuMs: number; mainThreadCpuMs?: number; macs: number; peakRssBytes: number; params: number; directions: number; queries: number;
  classes: [string, string, number | null][]; F: Record<string, number[]>; alignment: Record<string, [number, number] | null>;
}

await bundleForNode('read-once', 'bench/read-once.ts', 'build/bench');
function readOnce(args: string[]): Once {
  const r = spawnSync(process.execPath, [resolve(ROOT, 'build/bench/read-once.mjs'), ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`read failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Once;
}

const python = '/usr/bin/python3';
interface PeerOnce { wallMs: number; cpuMs: number; alignmentCpuMs: number; peakRssBytes: number; F: Record<string, number[]>; alignment: Record<string, [number, number, number[]]> }
function peerOnce(model: string, inputs: string, probe: number): PeerOnce | null {
  if (!existsSync(python)) return null;
  const out = join(tmp, 'peer.json');
  // the peer's BLAS tuned the way a user's would be: no core-type or cache-size overrides
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', python, resolve(ROOT, 'bench/peer_numpy.py'), model, inputs, String(probe), out], { encoding: 'utf8', env });
  if (r.status !== 0) {
    process.stderr.write(`peer_numpy.py did not run (${r.stderr.trim().split('\n').pop()}); no peer row\n`);
    return null;
  }
  const j = JSON.parse(readFileSync(out, 'utf8')) as { wallSeconds: number; cpuSeconds: number; alignmentCpuSeconds: number; F: Record<string, number[]>; alignment: PeerOnce['alignment'] };
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  return { wallMs: j.wallSeconds * 1000, cpuMs: j.cpuSeconds * 1000, alignmentCpuMs: j.alignmentCpuSeconds * 1000, peakRssBytes: rssKb * 1024, F: j.F, alignment: j.alignment };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const rows: string[] = [];
const notes: string[] = [];
const row = (cells: (string | number)[]) => {
  const line = `| ${cells.join(' | ')} |`;
  rows.push(line);
  process.stdout.write(`${line}\n`);
};

process.stdout.write(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
row(['case', 'backend', 'precision', 'wall (median)', 'runs', 'multiply-adds', 'GFLOP/s', 'peak RSS']);
row(['---', '---', '---', '---', '---', '---', '---', '---']);

// 1. MNIST MLP node death at probe 1000, beside the NumPy peer (alternating runs)
const mlp = resolve(ROOT, 'fixtures/mnist-mlp-dfdx.safetensors');
const mnist = resolve(ROOT, 'fixtures/mnist-test-1000.safetensors');
const mlpArgs = [mlp, '--inputs', mnist, '--detectors', 'node-death'];
const ours: Once[] = [];
const peers: PeerOnce[] = [];
for (let i = 0; i < runs; i++) {
  ours.push(readOnce([...mlpArgs, '--precision', 'f32']));
  const p = peerOnce(mlp, mnist, 1000);
  if (p) peers.push(p);
}
const ref = readOnce([...mlpArgs, '--precision', 'f64']);
const oursMed = median(ours.map((o) => o.wallMs));
const gflops = (o: Once[]) => (2 * o[0].macs) / (median(o.map((x) => x.wallMs)) / 1000) / 1e9;
const caseName = 'MNIST MLP node-death, probe 1000';
row([caseName, 'cpu (fast scan, WebAssembly SIMD f32)', 'f32', `${(oursMed / 1000).toFixed(2)} s`, runs, ours[0].macs.toExponential(2), gflops(ours).toFixed(2), mib(median(ours.map((o) => o.peakRssBytes)))]);
row([caseName, 'cpu (fast scan, JS f64)', 'f64', `${(ref.wallMs / 1000).toFixed(2)} s`, 1, ref.macs.toExponential(2), ((2 * ref.macs) / (ref.wallMs / 1000) / 1e9).toFixed(2), mib(ref.peakRssBytes)]);
if (peers.length) {
  const peerMed = median(peers.map((p) => p.wallMs));
  row([caseName, 'NumPy peer (OpenBLAS, 1 thread)', 'f32', `${(peerMed / 1000).toFixed(2)} s`, peers.length, '—', '—', mib(median(peers.map((p) => p.peakRssBytes)))]);
  notes.push(`ratio NumPy peer / deadscope (f32, medians, same session, alternating): ${(peerMed / oursMed).toFixed(2)}`);
  // on a shared machine the CPU time each process was given says more than the wall
  const oursCpu = median(ours.map((o) => o.cpuMs));
  const peerCpu = median(peers.map((p) => p.cpuMs));
  notes.push(`CPU time (user + system, medians): deadscope ${fmtS(oursCpu)}, NumPy peer ${fmtS(peerCpu)}; ratio ${(peerCpu / oursCpu).toFixed(2)}`);
  // Node's process CPU time counts V8's own threads (garbage collection, JIT compilation) beside the read's one thread
  const oursMain = median(ours.map((o) => o.mainThreadCpuMs ?? NaN));
  if (Number.isFinite(oursMain)) notes.push(`deadscope's CPU time on its one JavaScript thread: ${fmtS(oursMain)} (the rest, ${fmtS(oursCpu - oursMain)}, on V8's garbage-collection and compiler threads); peer / that: ${(peerCpu / oursMain).toFixed(2)}`);
  // the peer computes the axis alignment (METHOD §5) as the read does; its share, to show both ratios
  const peerAlign = median(peers.map((p) => p.alignmentCpuMs));
  notes.push(`the peer's axis alignment (3 eigendecompositions, LAPACK): ${fmtS(peerAlign)} CPU; peer without it / deadscope: ${((peerCpu - peerAlign) / oursCpu).toFixed(2)}`);
  const align = Object.entries(peers[0].alignment).map(([layer, [r, value]]) => {
    const o = ours[0].alignment[layer];
    return `${layer}: r ${r} vs ${o?.[0]}, alignment ${value.toFixed(6)} vs ${o?.[1].toFixed(6)}`;
  });
  notes.push(`axis alignment, peer vs deadscope: ${align.join('; ')}`);
  // the peer's F against deadscope's f64 read, where F is above the numerical floor
  let worst = 0;
  for (const [id, F] of Object.entries(ref.F)) {
    const P = peers[0].F[id];
    if (!P) throw new Error(`peer has no direction ${id}`);
    const top = Math.max(...F);
    F.forEach((f, j) => { if (f > 1e-10 * top) worst = Math.max(worst, Math.abs(P[j] - f) / f); });
  }
  notes.push(`NumPy peer F vs deadscope f64 F: largest relative difference ${worst.toExponential(2)} (F above 1e-10 × the direction's largest)`);
} else notes.push('no NumPy peer in this run (needs /usr/bin/python3 with numpy)');
let worst32 = 0;
for (const [id, F] of Object.entries(ref.F)) {
  const top = Math.max(...F);
  F.forEach((f, j) => { if (f > 1e-10 * top) worst32 = Math.max(worst32, Math.abs(ours[0].F[id][j] - f) / f); });
}
const sameClass = ref.classes.every(([id, c, k], i) => ours[0].classes[i][0] === id && ours[0].classes[i][1] === c && ours[0].classes[i][2] === k);
notes.push(`deadscope f32 vs f64: largest relative F difference ${worst32.toExponential(2)}; class and kRounded ${sameClass ? 'identical' : 'DIFFER'} for all ${ref.directions} directions`);

// 2. the same read on two worker threads (tinypool; the workers' multiply-adds are not counted here)
if (os.cpus().length >= 2) {
  const two = readOnce([...mlpArgs, '--precision', 'f32', '--threads', '2']);
  row([caseName, 'cpu (fast scan, WebAssembly SIMD f32), 2 worker threads', 'f32', fmtS(two.wallMs), 1, '—', '—', mib(two.peakRssBytes)]);
  const same = Object.entries(ours[0].F).every(([id, F]) => F.every((f, j) => f === two.F[id][j]));
  notes.push(`2 worker threads vs 1 thread: F ${same ? 'identical to the last bit' : 'DIFFER'} on all ${two.directions} directions`);
}

// 3. transformers: the GPT-2 fixture, and a GPT-2-small-shaped file (124 M parameters, random weights)
if (!argv.includes('--no-gpt2')) {
  const fixture = resolve(ROOT, 'fixtures/gpt2_modadd23_s1.safetensors');
  const g = readOnce([fixture, '--config', resolve(ROOT, 'fixtures/gpt2_modadd23_s1.config.json')]);
  row([`GPT-2 fixture gpt2_modadd23_s1 (${g.params.toExponential(1)} params, ${g.directions} directions), all detectors, probe 256`, 'cpu', 'f32 fast scan / f64 engine', fmtS(g.wallMs), 1, g.macs.toExponential(2), '—', mib(g.peakRssBytes)]);
  const big = join(tmp, 'gpt2-small.safetensors');
  const bigConfig = join(tmp, 'gpt2-small.config.json');
  const params = writeGpt2(big, bigConfig, GPT2_SMALL, 7);
  const open = readOnce([big, '--config', bigConfig, '--open-only']);
  row([`GPT-2-small-shaped file (${(params / 1e6).toFixed(1)} M params, ${(params * 4 / 2 ** 20).toFixed(0)} MiB F32, random weights, HF names): open until the first block's forward pass`, 'cpu', '—', fmtS(open.wallMs), 1, '—', '—', mib(open.peakRssBytes)]);
  rmSync(big);
}
// one GPT-2-small block's read (opt-in). bottom-subspace and dual-factor are left out: their K-FAC
// factors of the 50 257-wide unembedding are over the read's memory limit (the read refuses them).
// --gpt2-block-detectors narrows the read (e.g. node-death: the 3 072 MLP units, the readout scan).
if (argv.includes('--gpt2-block')) {
  const one = join(tmp, 'gpt2-small-1block.safetensors');
  const oneConfig = join(tmp, 'gpt2-small-1block.config.json');
  const oneParams = writeGpt2(one, oneConfig, { ...GPT2_SMALL, layers: 1 }, 7);
  const probe = opt('gpt2-block-probe', '256');
  const detectors = opt('gpt2-block-detectors', 'node-death,inactive,ln-mean,ln-scale,ln-kernel,relu-rescaling,glu-unit,qk-rotation,qk-linear,vo-linear,softmax-shift,residual-mean,ln-rescaling,rms-rescaling');
  for (const precision of ['f32', 'f64']) {
    if (precision === 'f64' && !argv.includes('--gpt2-block-f64')) continue;
    const block = readOnce([one, '--config', oneConfig, '--probe', probe, '--detectors', detectors, '--precision', precision]);
    row([`one GPT-2-small block (d 768, a 1-block file of ${(oneParams / 1e6).toFixed(1)} M params with the full wte/wpe), ${detectors.includes(',') ? 'all detectors but bottom-subspace and dual-factor' : detectors}, probe ${probe} (32 tokens each), ${block.directions} directions`, 'cpu (readout scan; the rest f64 sparse engine)', precision, fmtS(block.wallMs), 1, block.macs.toExponential(2), '—', mib(block.peakRssBytes)]);
    notes.push(`GPT-2-small block, ${precision}, probe ${probe}: CPU time (user + system) ${fmtS(block.cpuMs)}, ${block.directions} directions, ${block.queries} queries`);
  }
  rmSync(one);
}

// 4. the MNIST conv net, all detectors, 256 images (opt-in: about half an hour of CPU time)
if (argv.includes('--conv')) {
  const conv = readOnce([resolve(ROOT, 'fixtures/mnist-convnet-tinygrad.safetensors'), '--inputs', mnist, '--input-cap', '256', '--input-scale', '1']);
  row([`MNIST conv net (${conv.params.toExponential(1)} params, ${conv.directions} directions), all detectors, 256 images`, 'cpu (pattern scan)', 'f32', fmtS(conv.wallMs), 1, conv.macs.toExponential(2), gflops([conv]).toFixed(2), mib(conv.peakRssBytes)]);
  notes.push(`MNIST conv net, 256 images: CPU time (user + system) ${fmtS(conv.cpuMs)}, ${conv.queries} queries`);
}

// 5. scaling: random ReLU MLPs, node death at the synthetic probe 256
if (!argv.includes('--no-scaling')) {
  for (const widths of [[64, 64, 64], [256, 256, 128], [1024, 512, 256], [1024, 1024, 512]]) {
    const path = join(tmp, `mlp-${widths.join('-')}.safetensors`);
    const params = writeSafetensors(path, [128, ...widths, 10], 1);
    const once = readOnce([path, '--detectors', 'node-death']);
    row([`random ReLU MLP 128→${widths.join('→')}→10 (${params.toExponential(1)} params, ${once.directions} directions), node-death, probe 256`, 'cpu (fast scan, JS)', 'f32', `${(once.wallMs / 1000).toFixed(2)} s`, 1, once.macs.toExponential(2), ((2 * once.macs) / (once.wallMs / 1000) / 1e9).toFixed(2), mib(once.peakRssBytes)]);
  }
}
for (const n of notes) process.stdout.write(`${n}\n`);
const md = `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} (no GPU), Node ${process.version}, ${new Date().toISOString().slice(0, 16)} UTC, load average at start ${os.loadavg()[0].toFixed(1)}.\n\n${rows.join('\n')}\n\n${notes.map((n) => `- ${n}`).join('\n')}\n`;
writeFileSync(outPath, md);
process.stdout.write(`written: ${outPath}\n`);
rmSync(tmp, { recursive: true, force: true });
