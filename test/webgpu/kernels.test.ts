/**
 * Parity of every WGSL kernel with the f64 reference op of the same job (src/ops/<kind>/reference.ts),
 * on random shapes that are not multiples of the workgroup sizes (16×16 tiles, 256 lanes):
 * values and tangents within 1e-4 of the reference, relative to the tensor's scale.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as linearRef from '../../src/ops/linear/reference.ts';
import * as conv2dRef from '../../src/ops/conv2d/reference.ts';
import * as maxpoolRef from '../../src/ops/maxpool/reference.ts';
import * as batchnormRef from '../../src/ops/batchnorm/reference.ts';
import * as layernormRef from '../../src/ops/layernorm/reference.ts';
import * as activationRef from '../../src/ops/activation/reference.ts';
import * as fisher from '../../src/engine/cpu/fisher.ts';
import { activate, activationDerivative, erf } from '../../src/ops/activation/functions.ts';
import { bf16BitsToNumber, f16BitsToNumber } from '../../src/format/dtype.ts';
import { ACTIVATIONS } from '../../src/model/graph.ts';
import { readFloats, type ParamRef } from '../../src/engine/webgpu/context.ts';
import { encodeLinear } from '../../src/ops/linear/gpu.ts';
import { encodeLinearSparse } from '../../src/ops/linear/gpu-sparse.ts';
import { encodeActivation } from '../../src/ops/activation/gpu.ts';
import { encodeConv2d, convOut } from '../../src/ops/conv2d/gpu.ts';
import { encodeConv2dSparse } from '../../src/ops/conv2d/gpu-sparse.ts';
import { encodeMaxpool } from '../../src/ops/maxpool/gpu.ts';
import { encodeBatchnorm } from '../../src/ops/batchnorm/gpu.ts';
import { encodePointwiseFlows, encodeRowNorm } from '../../src/engine/webgpu/op-args.ts';
import { encodeDensify, positionMap } from '../../src/engine/webgpu/densify.ts';
import { blockSum, encodeFisher, fisherBlocks } from '../../src/engine/webgpu/fisher.ts';
import { f32, flowBuffer, group, measured, randomArray, readFlow, record, relErr, skipNote, testGpu } from './gpu.ts';

const ops = { ...linearRef, ...conv2dRef, ...maxpoolRef, ...batchnormRef, ...layernormRef, ...activationRef, ...fisher };

const gpu = await testGpu();
const TOL = 1e-4;

/** Pack per-group tensors into one patch buffer; returns refs by name. */
function packPatch(tensors: Record<string, { data: Float64Array; G: number }>) {
  const names = Object.keys(tensors);
  let total = 0;
  const refs: Record<string, ParamRef> = {};
  for (const n of names) {
    const per = tensors[n].data.length / tensors[n].G;
    refs[n] = { src: 'patch', off: total, gs: tensors[n].G > 1 ? per : 0 };
    total += tensors[n].data.length;
  }
  const data = new Float32Array(total);
  for (const n of names) data.set(Float32Array.from(tensors[n].data), refs[n]!.off);
  return { buffer: gpu!.ctx.upload(data, 'patch'), refs };
}

/** The Fisher kernel on flows z, ż of G queries × M samples × width: each query's F summed over its samples (partials at outOff). */
async function fisherOnGpu(z: Float64Array, dz: Float64Array, G: number, M: number, width: number, head: 'regression' | 'classification', outOff: number): Promise<number[]> {
  const src = flowBuffer(gpu!, G, M * width, z, dz, 'z');
  const nb = fisherBlocks(M);
  const out = gpu!.ctx.storage(4 * (2 * G * nb + outOff), 'partials');
  const rec = gpu!.ctx.recorder();
  encodeFisher(rec, { src: src.buffer, dst: out }, { x: src.ref, G, M, width, head, outOff });
  await rec.submit();
  const part = await readFloats(gpu!.ctx, out, outOff, 2 * G * nb);
  return Array.from({ length: G }, (_, g) => blockSum(part, g, nb));
}

describe.skipIf(!gpu)(`WGSL kernels vs f64 reference${skipNote(gpu)}`, () => {
  afterAll(() => {
    gpu!.ctx.cpuLike = false;
    console.log(`adapter: ${gpu!.dev.description}`);
    console.log('max relative errors per kernel:', JSON.stringify(measured, (_, v) => (typeof v === 'number' ? Number(v.toExponential(2)) : v)));
  });

  for (const cpuLike of [false, true]) it(`linear (${cpuLike ? 'barrier-free' : 'tiled'}): per-query inputs, weights, biases and tangents (37×53 → 29, G = 3)`, async () => {
    gpu!.ctx.cpuLike = cpuLike;
    const G = 3, M = 37, inF = 53, outF = 29;
    const x = f32(randomArray(G * M * inF, 1));
    const dx = f32(randomArray(G * M * inF, 2));
    const W = f32(randomArray(G * outF * inF, 3, 0.3));
    const dW = f32(randomArray(G * outF * inF, 4, 0.3));
    const b = f32(randomArray(G * outF, 5));
    const db = f32(randomArray(G * outF, 6));
    const src = flowBuffer(gpu!, G, M * inF, x, dx, 'x');
    const dst = flowBuffer(gpu!, G, M * outF, null, null, 'y');
    const p = packPatch({ W: { data: W, G }, b: { data: b, G }, dW: { data: dW, G }, db: { data: db, G } });
    const rec = gpu!.ctx.recorder();
    encodeLinear(rec, { src: src.buffer, dst: dst.buffer, patch: p.buffer }, {
      x: src.ref, y: { ...dst.ref, tan: true }, w: p.refs.W, b: p.refs.b, dw: p.refs.dW, db: p.refs.db, M, G, inF, outF,
    });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, G, M * outF);
    for (let g = 0; g < G; g++) {
      const xg = group(x, g, M * inF), Wg = group(W, g, outF * inF);
      const y = ops.linearForward(xg, Wg, group(b, g, outF), M, inF, outF);
      const dy = ops.linearTangent(xg, group(dx, g, M * inF), Wg, group(dW, g, outF * inF), group(db, g, outF), M, inF, outF);
      expect(record(`linear${cpuLike ? ' (barrier-free)' : ''} value`, relErr(group(got.y, g, M * outF), y))).toBeLessThan(TOL);
      expect(record(`linear${cpuLike ? ' (barrier-free)' : ''} tangent`, relErr(group(got.dy, g, M * outF), dy))).toBeLessThan(TOL);
    }
  });

  for (const cpuLike of [false, true]) it(`linear (${cpuLike ? 'barrier-free' : 'tiled'}): F16 and BF16 weights read from params as their words, every finite word exactly`, async () => {
    gpu!.ctx.cpuLike = cpuLike;
    // y = x·Wᵀ with x the identity: y[m, c] = W[c, m] exactly (one product by 1, the rest by 0), so
    // every weight the kernel decodes is read back; W holds all 65536 words (non-finite ones as 0)
    const N = 256;
    const x = new Float64Array(N * N);
    for (let m = 0; m < N; m++) x[m * N + m] = 1;
    for (const [dtype, decode, exponent] of [['F16', f16BitsToNumber, 0x7c00], ['BF16', bf16BitsToNumber, 0x7f80]] as const) {
      const words = Uint16Array.from({ length: N * N }, (_, w) => ((w & exponent) === exponent ? 0 : w));
      // one f32 word in front, so the tensor starts at half-element 2
      const buf = new Uint32Array(1 + N * N / 2);
      new Float32Array(buf.buffer, 0, 1)[0] = 1.5;
      new Uint16Array(buf.buffer, 4).set(words);
      const params = gpu!.ctx.upload(buf, 'params');
      const src = gpu!.ctx.upload(Float32Array.from(x), 'cache');
      const dst = flowBuffer(gpu!, 1, N * N, null, null, 'y');
      const rec = gpu!.ctx.recorder();
      encodeLinear(rec, { src, dst: dst.buffer, params }, {
        x: { off: 0, toff: 0, gs: 0, tan: false }, y: { ...dst.ref, tan: false },
        w: { src: 'params', off: 2, gs: 0, half: dtype }, b: null, dw: null, db: null,
        M: N, G: 1, inF: N, outF: N,
      });
      await rec.submit();
      const { y } = await readFlow(gpu!, dst.buffer, 1, N * N);
      let wrong = 0;
      for (let c = 0; c < N; c++) for (let m = 0; m < N; m++) {
        // exact doubles, so equality (−0 and +0 compare equal: the sum starts at +0). A bf16 with a zero
        // exponent is an f32 subnormal, which WGSL lets f32 arithmetic flush to zero (SwiftShader does):
        // the arithmetic's, not the decode's, and the same for an F32 tensor holding it
        const w = words[c * N + m], got = y[m * N + c], want = decode(w);
        if (got !== want && !(dtype === 'BF16' && (w & 0x7f80) === 0 && got === 0)) wrong++;
      }
      expect(wrong, `${dtype}: outputs ≠ their word's value`).toBe(0);
    }
  });

  for (const cpuLike of [false, true]) it(`linear (${cpuLike ? 'barrier-free' : 'tiled'}): shared cached input, shared weights from params, no tangent (prepare)`, async () => {
    gpu!.ctx.cpuLike = cpuLike;
    const M = 45, inF = 17, outF = 70, off = 3 * inF; // batch starts at sample 3 of the cache
    const x = f32(randomArray((M + 5) * inF, 11));
    const W = f32(randomArray(outF * inF, 12));
    const b = f32(randomArray(outF, 13));
    const params = gpu!.ctx.upload(Float32Array.from([...W, ...b]), 'params');
    const src = gpu!.ctx.upload(Float32Array.from(x), 'cache');
    const dst = flowBuffer(gpu!, 1, M * outF, null, null, 'y');
    const rec = gpu!.ctx.recorder();
    encodeLinear(rec, { src, dst: dst.buffer, params }, {
      x: { off, toff: 0, gs: 0, tan: false }, y: { ...dst.ref, tan: false },
      w: { src: 'params', off: 0, gs: 0 }, b: { src: 'params', off: outF * inF, gs: 0 }, dw: null, db: null,
      M, G: 1, inF, outF,
    });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, 1, M * outF);
    const y = ops.linearForward(x.subarray(off, off + M * inF), W, b, M, inF, outF);
    expect(record(`linear${cpuLike ? ' (barrier-free)' : ''} value`, relErr(got.y, y))).toBeLessThan(TOL);
  });

  it('linear-sparse: change on a few input features, patched columns (19 × 41 → 23, G = 2)', async () => {
    const G = 2, M = 19, inF = 41, outF = 23;
    const U = [3, 7, 20, 40];
    const nU = U.length;
    const xb = f32(randomArray(M * inF, 21));
    const W = f32(randomArray(outF * inF, 22, 0.4));
    const b = f32(randomArray(outF, 23));
    const yb = f32(ops.linearForward(xb, W, b, M, inF, outF));
    const d = f32(randomArray(G * M * nU, 24, 0.1));
    const t = f32(randomArray(G * M * nU, 25));
    const dWU = f32(randomArray(G * outF * nU, 26, 0.01));
    const tWU = f32(randomArray(G * outF * nU, 27));
    const bd = f32(randomArray(G * outF, 28, 0.01));
    const bt = f32(randomArray(G * outF, 29));
    for (const withFlow of [true, false]) {
      const params = gpu!.ctx.upload(Float32Array.from(W), 'params');
      const src = flowBuffer(gpu!, G, M * nU, d, t, 'flow');
      const dst = flowBuffer(gpu!, G, M * outF, null, null, 'y');
      const p = packPatch({ dwd: { data: dWU, G }, dwt: { data: tWU, G }, bd: { data: bd, G }, bt: { data: bt, G } });
      const idx = gpu!.ctx.upload(Uint32Array.from([7, 7, ...U]), 'idx');
      const rec = gpu!.ctx.recorder();
      encodeLinearSparse(rec, {
        src: src.buffer, dst: dst.buffer, params, patch: p.buffer, idx,
        baseIn: gpu!.ctx.upload(Float32Array.from(xb), 'xb'), baseOut: gpu!.ctx.upload(Float32Array.from(yb), 'yb'),
      }, {
        x: { ...src.ref, tan: withFlow }, y: { ...dst.ref, tan: true }, w: { src: 'params', off: 0, gs: 0 },
        dwd: p.refs.dwd, dwt: p.refs.dwt, bd: p.refs.bd, bt: p.refs.bt,
        M, G, inF, outF, nU, idxOff: 2, bInOff: 0, bOutOff: 0,
      });
      await rec.submit();
      const got = await readFlow(gpu!, dst.buffer, G, M * outF);
      for (let g = 0; g < G; g++) {
        const xp = xb.slice(), dx = new Float64Array(M * inF), Wp = W.slice(), tW = new Float64Array(outF * inF);
        for (let m = 0; m < M; m++) U.forEach((c, a) => {
          if (withFlow) {
            xp[m * inF + c] += d[(g * M + m) * nU + a];
            dx[m * inF + c] = t[(g * M + m) * nU + a];
          }
        });
        for (let o = 0; o < outF; o++) U.forEach((c, a) => {
          Wp[o * inF + c] += dWU[(g * outF + o) * nU + a];
          tW[o * inF + c] = tWU[(g * outF + o) * nU + a];
        });
        const bp = b.map((v, o) => v + bd[g * outF + o]);
        const y = ops.linearForward(xp, Wp, bp, M, inF, outF);
        const dy = ops.linearTangent(xp, dx, Wp, tW, group(bt, g, outF), M, inF, outF);
        expect(record('linear-sparse value', relErr(group(got.y, g, M * outF), y))).toBeLessThan(TOL);
        expect(record('linear-sparse tangent', relErr(group(got.dy, g, M * outF), dy))).toBeLessThan(TOL);
      }
    }
  });

  it('activation: all seven φ and φ′, dense, over [−12, 12] including 0 and the tails', async () => {
    const n = 2001;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = -12 + (24 * i) / (n - 1);
    z[1000] = 0;
    const zt = f32(z);
    const dz = f32(randomArray(n, 31));
    for (const fn of ACTIVATIONS) {
      const src = flowBuffer(gpu!, 1, n, zt, dz, 'z');
      const dst = flowBuffer(gpu!, 1, n, null, null, 'y');
      const rec = gpu!.ctx.recorder();
      encodeActivation(rec, { src: src.buffer, dst: dst.buffer }, { x: src.ref, y: { ...dst.ref, tan: true }, fn, G: 1, M: 1, F: n });
      await rec.submit();
      const got = await readFlow(gpu!, dst.buffer, 1, n);
      const y = ops.activationForward(fn, zt);
      const dy = ops.activationTangent(fn, zt, dz);
      // element-wise relative error wherever the reference is a normal f32 (the tails included)
      // (the f64 reference computes both GELUs as ½z(1 + erf(z/√2)) and ½z(1 + tanh u), which
      // cancel below z ≈ −5: there the reference itself is inaccurate, so only the absolute
      // error is checked; the kernels use erfc and σ(2u) and keep their relative accuracy)
      let ev = 0, ed = 0;
      for (let i = 0; i < n; i++) {
        if ((fn === 'gelu' || fn === 'gelu_tanh') && zt[i] < -5) {
          ev = Math.max(ev, Math.abs(got.y[i] - y[i]) / 1e-3);
          ed = Math.max(ed, Math.abs(got.dy[i] - dy[i]) / 1e-3);
          continue;
        }
        if (Math.abs(y[i]) > 1e-30) ev = Math.max(ev, Math.abs(got.y[i] - y[i]) / Math.abs(y[i]));
        else ev = Math.max(ev, Math.abs(got.y[i] - y[i]));
        const dref = activationDerivative(fn, zt[i]);
        const dgot = got.dy[i] / dz[i];
        if (Math.abs(dref) > 1e-30) ed = Math.max(ed, Math.abs(dgot - dref) / Math.abs(dref));
        else ed = Math.max(ed, Math.abs(dgot - dref));
      }
      expect(record(`activation ${fn} value (elementwise)`, ev), fn).toBeLessThan(TOL);
      expect(record(`activation ${fn} derivative (elementwise)`, ed), fn).toBeLessThan(TOL);
      expect(relErr(got.dy, dy)).toBeLessThan(TOL);
    }
  });

  it('activation: erf in f32 within 2e-7 absolute; GELU exact at 0 and symmetric', async () => {
    // GELU(z) = z·Φ(z): recover Φ − ½ = erf(z/√2)/2 from the kernel on a fine grid
    const n = 4001;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = -8 + (16 * i) / (n - 1);
    const zt = f32(z);
    const src = flowBuffer(gpu!, 1, n, zt, null, 'z');
    const dst = flowBuffer(gpu!, 1, n, null, null, 'y');
    const rec = gpu!.ctx.recorder();
    encodeActivation(rec, { src: src.buffer, dst: dst.buffer }, { x: src.ref, y: { ...dst.ref, tan: false }, fn: 'gelu', G: 1, M: 1, F: n });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, 1, n);
    let err = 0;
    for (let i = 0; i < n; i++) {
      if (Math.abs(zt[i]) < 0.25) continue; // Φ = y/z loses digits to the division near 0
      const phi = got.y[i] / zt[i];
      err = Math.max(err, Math.abs(2 * phi - 1 - erf(zt[i] * Math.SQRT1_2)));
    }
    expect(record('erf (absolute, via GELU)', err)).toBeLessThan(2e-7 + 1e-7);
    expect(got.y[2000]).toBe(0);
  });

  it('activation: sparse mode (change on a support, minus the cached output)', async () => {
    const G = 2, M = 13, F = 37;
    const U = [0, 5, 17, 36];
    const nU = U.length;
    for (const fn of ['relu2', 'gelu', 'tanh'] as const) {
      const xb = f32(randomArray(M * F, 41));
      const yb = f32(ops.activationForward(fn, xb));
      const d = f32(randomArray(G * M * nU, 42, 0.3));
      const t = f32(randomArray(G * M * nU, 43));
      const src = flowBuffer(gpu!, G, M * nU, d, t, 'flow');
      const dst = flowBuffer(gpu!, G, M * nU, null, null, 'out');
      const rec = gpu!.ctx.recorder();
      encodeActivation(rec, {
        src: src.buffer, dst: dst.buffer, idx: gpu!.ctx.upload(Uint32Array.from(U), 'U'),
        baseIn: gpu!.ctx.upload(Float32Array.from(xb), 'xb'), baseOut: gpu!.ctx.upload(Float32Array.from(yb), 'yb'),
      }, { x: src.ref, y: { ...dst.ref, tan: true }, fn, G, M, F, sparse: { idxOff: 0, nU, bInOff: 0, bOutOff: 0 } });
      await rec.submit();
      const got = await readFlow(gpu!, dst.buffer, G, M * nU);
      const wantD = new Float64Array(G * M * nU), wantT = new Float64Array(G * M * nU);
      for (let g = 0; g < G; g++) for (let m = 0; m < M; m++) U.forEach((c, a) => {
        const k = (g * M + m) * nU + a;
        const zz = xb[m * F + c] + d[k];
        wantD[k] = activate(fn, zz) - yb[m * F + c];
        wantT[k] = activationDerivative(fn, zz) * t[k];
      });
      // the change φ(z') − ŷ is a difference of primal values: judged against the scale of ŷ
      const scale = Math.max(...Array.from(yb, Math.abs));
      const dErr = Math.max(...Array.from(got.y, (v, i) => Math.abs(v - wantD[i]))) / scale;
      expect(record('activation sparse change', dErr)).toBeLessThan(TOL);
      expect(record('activation sparse tangent', relErr(got.dy, wantT))).toBeLessThan(TOL);
    }
  });

  it('conv2d: per-query weights, stride and padding (3×11×9 → 5, k 3×2, s (2,1), p (1,0); G = 2)', async () => {
    const G = 2, M = 3, C = 3, H = 11, Wd = 9, O = 5;
    const s = { n: M, c: C, h: H, w: Wd, o: O, kh: 3, kw: 2, sh: 2, sw: 1, ph: 1, pw: 0 };
    const [oh, ow] = ops.convOutSize(s);
    const inPer = M * C * H * Wd, outPer = M * O * oh * ow, wPer = O * C * 3 * 2;
    const x = f32(randomArray(G * inPer, 51)), dx = f32(randomArray(G * inPer, 52));
    const W = f32(randomArray(G * wPer, 53, 0.3)), dW = f32(randomArray(G * wPer, 54, 0.3));
    const b = f32(randomArray(G * O, 55)), db = f32(randomArray(G * O, 56));
    const src = flowBuffer(gpu!, G, inPer, x, dx, 'x');
    const dst = flowBuffer(gpu!, G, outPer, null, null, 'y');
    const p = packPatch({ W: { data: W, G }, b: { data: b, G }, dW: { data: dW, G }, db: { data: db, G } });
    const rec = gpu!.ctx.recorder();
    const geo = { G, M, C, H, W: Wd, O, KH: 3, KW: 2, SH: 2, SW: 1, PH: 1, PW: 0 };
    expect(convOut(geo)).toEqual([oh, ow]);
    encodeConv2d(rec, { src: src.buffer, dst: dst.buffer, patch: p.buffer }, {
      x: src.ref, y: { ...dst.ref, tan: true }, w: p.refs.W, b: p.refs.b, dw: p.refs.dW, db: p.refs.db, ...geo,
    });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, G, outPer);
    for (let g = 0; g < G; g++) {
      const xg = group(x, g, inPer), Wg = group(W, g, wPer);
      const y = ops.conv2dForward(xg, Wg, group(b, g, O), s);
      const dy = ops.conv2dTangent(xg, group(dx, g, inPer), Wg, group(dW, g, wPer), group(db, g, O), s);
      expect(record('conv2d value', relErr(group(got.y, g, outPer), y))).toBeLessThan(TOL);
      expect(record('conv2d tangent', relErr(group(got.dy, g, outPer), dy))).toBeLessThan(TOL);
    }
  });

  it('conv2d-sparse: change on a few input channels, patched on those channels (5×9×8 → 4, k 3, s 1, p 1; G = 2)', async () => {
    const G = 2, M = 3, C = 5, H = 9, Wd = 8, O = 4, K = 3;
    const s = { n: M, c: C, h: H, w: Wd, o: O, kh: K, kw: K, sh: 1, sw: 1, ph: 1, pw: 0 };
    const [oh, ow] = ops.convOutSize(s);
    const Cin = [1, 4], nC = Cin.length, plane = H * Wd, kk = K * K;
    const xb = f32(randomArray(M * C * plane, 131));
    const W = f32(randomArray(O * C * kk, 132, 0.3));
    const b = f32(randomArray(O, 133));
    const yb = f32(ops.conv2dForward(xb, W, b, s));
    const d = f32(randomArray(G * M * nC * plane, 134, 0.2)), t = f32(randomArray(G * M * nC * plane, 135));
    const dWC = f32(randomArray(G * O * nC * kk, 136, 0.02)), tWC = f32(randomArray(G * O * nC * kk, 137));
    const bd = f32(randomArray(G * O, 138, 0.01)), bt = f32(randomArray(G * O, 139));
    const params = gpu!.ctx.upload(Float32Array.from(W), 'params');
    const src = flowBuffer(gpu!, G, M * nC * plane, d, t, 'flow');
    const outPer = M * O * oh * ow;
    const dst = flowBuffer(gpu!, G, outPer, null, null, 'y');
    const p = packPatch({ dwd: { data: dWC, G }, dwt: { data: tWC, G }, bd: { data: bd, G }, bt: { data: bt, G } });
    const rec = gpu!.ctx.recorder();
    encodeConv2dSparse(rec, {
      src: src.buffer, dst: dst.buffer, params, patch: p.buffer, idx: gpu!.ctx.upload(Uint32Array.from(Cin), 'Cin'),
      baseIn: gpu!.ctx.upload(Float32Array.from(xb), 'xb'), baseOut: gpu!.ctx.upload(Float32Array.from(yb), 'yb'),
    }, {
      x: src.ref, y: { ...dst.ref, tan: true }, w: { src: 'params', off: 0, gs: 0 }, dwd: p.refs.dwd, dwt: p.refs.dwt, bd: p.refs.bd, bt: p.refs.bt,
      G, M, C, H, W: Wd, O, KH: K, KW: K, SH: 1, SW: 1, PH: 1, PW: 0, nC, idxOff: 0, bInOff: 0, bOutOff: 0,
    });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, G, outPer);
    for (let g = 0; g < G; g++) {
      const xp = xb.slice(), dx = new Float64Array(M * C * plane), Wp = W.slice(), tW = new Float64Array(O * C * kk);
      for (let m = 0; m < M; m++) Cin.forEach((c, a) => {
        for (let q = 0; q < plane; q++) {
          const k = ((g * M + m) * nC + a) * plane + q;
          xp[(m * C + c) * plane + q] += d[k];
          dx[(m * C + c) * plane + q] = t[k];
        }
      });
      for (let o = 0; o < O; o++) Cin.forEach((c, a) => {
        for (let q = 0; q < kk; q++) {
          Wp[(o * C + c) * kk + q] += dWC[((g * O + o) * nC + a) * kk + q];
          tW[(o * C + c) * kk + q] = tWC[((g * O + o) * nC + a) * kk + q];
        }
      });
      const y = ops.conv2dForward(xp, Wp, b.map((v, o) => v + bd[g * O + o]), s);
      const dy = ops.conv2dTangent(xp, dx, Wp, tW, group(bt, g, O), s);
      expect(record('conv2d-sparse value', relErr(group(got.y, g, outPer), y))).toBeLessThan(TOL);
      expect(record('conv2d-sparse tangent', relErr(group(got.dy, g, outPer), dy))).toBeLessThan(TOL);
    }
  });

  it('maxpool: tangent routed through the first maximum, ties included', async () => {
    for (const [K, S] of [[2, 2], [3, 2]]) {
      const G = 2, M = 3, C = 3, H = 9, Wd = 7;
      const per = M * C * H * Wd;
      // small integers make ties common: the first maximum (row-major) must win
      const x = randomArray(G * per, 61).map((v) => Math.round(v * 2));
      const dx = f32(randomArray(G * per, 62));
      const src = flowBuffer(gpu!, G, per, x, dx, 'x');
      const OH = Math.floor((H - K) / S) + 1, OW = Math.floor((Wd - K) / S) + 1;
      const outPer = M * C * OH * OW;
      const dst = flowBuffer(gpu!, G, outPer, null, null, 'y');
      const rec = gpu!.ctx.recorder();
      encodeMaxpool(rec, { src: src.buffer, dst: dst.buffer }, { x: src.ref, y: { ...dst.ref, tan: true }, G, M, C, H, W: Wd, K, S });
      await rec.submit();
      const got = await readFlow(gpu!, dst.buffer, G, outPer);
      for (let g = 0; g < G; g++) {
        const { y, argmax } = ops.maxpoolForward(group(x, g, per), { n: M, c: C, h: H, w: Wd, k: K, stride: S });
        const dy = ops.maxpoolTangent(group(dx, g, per), argmax);
        expect(record('maxpool value', relErr(group(got.y, g, outPer), y))).toBe(0);
        expect(record('maxpool tangent', relErr(group(got.dy, g, outPer), dy))).toBe(0);
      }
    }
  });

  it('batchnorm (eval): per-query γ, β and their tangents; running stats from params', async () => {
    const G = 2, M = 5, C = 4, spatial = 7;
    const per = M * C * spatial;
    const x = f32(randomArray(G * per, 71)), dx = f32(randomArray(G * per, 72));
    const gam = f32(randomArray(G * C, 73)), bet = f32(randomArray(G * C, 74));
    const dg = f32(randomArray(G * C, 75)), dbt = f32(randomArray(G * C, 76));
    const mean = f32(randomArray(C, 77)), vari = f32(randomArray(C, 78).map((v) => 0.5 + v * v));
    const params = gpu!.ctx.upload(Float32Array.from([...mean, ...vari]), 'params');
    const p = packPatch({ g: { data: gam, G }, b: { data: bet, G }, dg: { data: dg, G }, db: { data: dbt, G } });
    const src = flowBuffer(gpu!, G, per, x, dx, 'x');
    const dst = flowBuffer(gpu!, G, per, null, null, 'y');
    const rec = gpu!.ctx.recorder();
    encodeBatchnorm(rec, { src: src.buffer, dst: dst.buffer, params, patch: p.buffer }, {
      x: src.ref, y: { ...dst.ref, tan: true }, gamma: p.refs.g, beta: p.refs.b, dgamma: p.refs.dg, dbeta: p.refs.db,
      mean: { src: 'params', off: 0, gs: 0 }, variance: { src: 'params', off: C, gs: 0 }, G, M, C, spatial, eps: 1e-5,
    });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, G, per);
    for (let g = 0; g < G; g++) {
      const y = ops.batchnormForward(group(x, g, per), group(gam, g, C), group(bet, g, C), mean, vari, 1e-5, M, C, spatial);
      const dy = ops.batchnormTangent(group(x, g, per), group(dx, g, per), group(gam, g, C), group(dg, g, C), group(dbt, g, C), mean, vari, 1e-5, M, C, spatial);
      expect(record('batchnorm value', relErr(group(got.y, g, per), y))).toBeLessThan(TOL);
      expect(record('batchnorm tangent', relErr(group(got.dy, g, per), dy))).toBeLessThan(TOL);
    }
  });

  it('layernorm: forward and JVP with per-query γ, β and tangents (width 33, G = 2)', async () => {
    const G = 2, rows = 11, f = 33;
    const per = rows * f;
    const x = f32(randomArray(G * per, 81, 2).map((v, i) => v + (i % 5))), dx = f32(randomArray(G * per, 82));
    const gam = f32(randomArray(G * f, 83)), bet = f32(randomArray(G * f, 84));
    const dg = f32(randomArray(G * f, 85)), dbt = f32(randomArray(G * f, 86));
    const p = packPatch({ g: { data: gam, G }, b: { data: bet, G }, dg: { data: dg, G }, db: { data: dbt, G } });
    const src = flowBuffer(gpu!, G, per, x, dx, 'x');
    const dst = flowBuffer(gpu!, G, per, null, null, 'y');
    const rec = gpu!.ctx.recorder();
    encodeRowNorm(rec, 'layernorm', { src: src.buffer, dst: dst.buffer, patch: p.buffer }, {
      x: src.ref, y: { ...dst.ref, tan: true }, gamma: p.refs.g, beta: p.refs.b, dgamma: p.refs.dg, dbeta: p.refs.db,
      G, rows, f, eps: 1e-5,
    });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, G, per);
    for (let g = 0; g < G; g++) {
      const y = ops.layernormForward(group(x, g, per), group(gam, g, f), group(bet, g, f), 1e-5, rows, f);
      const dy = ops.layernormTangent(group(x, g, per), group(dx, g, per), group(gam, g, f), group(dg, g, f), group(dbt, g, f), 1e-5, rows, f);
      expect(record('layernorm value', relErr(group(got.y, g, per), y))).toBeLessThan(TOL);
      expect(record('layernorm tangent', relErr(group(got.dy, g, per), dy))).toBeLessThan(TOL);
    }
  });

  for (const cpuLike of [false, true]) it(`fisher (${cpuLike ? 'barrier-free' : 'workgroup tree'}): f64 range — a saturated softmax, tiny tangents, exact zeros`, async () => {
    gpu!.ctx.cpuLike = cpuLike;
    const G = 4, M = 3, width = 10;
    const per = M * width;
    // g0: logit gaps of 150–250 (p ≈ e^-200, far below f32); g1: ż = 0 exactly;
    // g2: regression-size tangents of 1e-30 (F ≈ 1e-60); g3: ordinary values
    const z = new Float64Array(G * per), dz = new Float64Array(G * per);
    const r = randomArray(G * per, 111);
    for (let i = 0; i < G * per; i++) {
      const g = Math.floor(i / per), c = i % width;
      z[i] = g === 0 ? (c === 3 ? 40 : -110 - 10 * (c % 7)) : 3 * r[i];
      dz[i] = g === 1 ? 0 : g === 2 ? 1e-30 * r[(i * 7) % (G * per)] : r[(i * 7) % (G * per)];
    }
    const zt = f32(z), dzt = f32(dz);
    for (const head of ['regression', 'classification'] as const) {
      const sums = await fisherOnGpu(zt, dzt, G, M, width, head, 0);
      for (let g = 0; g < G; g++) {
        const sum = sums[g];
        const ref = ops.fisherPerSample(head, group(zt, g, per), group(dzt, g, per), M, width).reduce((a, v) => a + v, 0);
        if (ref === 0) expect(sum, `${head} g${g}`).toBe(0);
        else expect(record(`fisher${cpuLike ? ' (barrier-free)' : ''} ${head} (f64 range)`, Math.abs(sum - ref) / ref), `${head} g${g}: ${sum} vs ${ref}`).toBeLessThan(TOL);
      }
      if (head === 'classification') expect(sums[0]).toBeLessThan(1e-60);
    }
  });

  it('add and mul of two flows: an input without a tangent adds nothing to ẏ (not 0·b, NaN where b is infinite)', async () => {
    const G = 2, M = 3, F = 5, per = M * F;
    const a = f32(randomArray(G * per, 121)), da = f32(randomArray(G * per, 122));
    const b = f32(randomArray(G * per, 123)), db = f32(randomArray(G * per, 124));
    b[7] = Infinity;
    for (const kernel of ['add', 'mul'] as const) for (const aMoves of [true, false]) {
      // a moves or is read from the cache (no tangent); b always carries one
      const xa = flowBuffer(gpu!, G, per, a, aMoves ? da : null, 'a');
      const xb = flowBuffer(gpu!, G, per, b, db, 'b');
      const y = flowBuffer(gpu!, G, per, null, null, 'y');
      const rec = gpu!.ctx.recorder();
      encodePointwiseFlows(rec, kernel, {
        G, M, inShapes: [[F], [F]], xs: [xa, xb], y: { buffer: y.buffer, ref: { ...y.ref, tan: true } },
        params: gpu!.ctx.upload(new Float32Array(4), 'params'), patch: null, value: () => null, tangent: () => null,
      });
      await rec.submit();
      const got = await readFlow(gpu!, y.buffer, G, per);
      for (let i = 0; i < G * per; i++) {
        const wantY = kernel === 'add' ? a[i] + b[i] : a[i] * b[i];
        const wantT = kernel === 'add' ? (aMoves ? da[i] : 0) + db[i] : (aMoves ? da[i] * b[i] : 0) + a[i] * db[i];
        const close = (x: number, w: number) => (Number.isFinite(w) ? Math.abs(x - w) <= 1e-6 * Math.max(1, Math.abs(w)) : x === w);
        expect(close(got.y[i], wantY), `${kernel} y[${i}] ${got.y[i]} vs ${wantY}`).toBe(true);
        expect(close(got.dy[i], wantT), `${kernel}${aMoves ? '' : ' (a cached)'} ẏ[${i}] ${got.dy[i]} vs ${wantT}`).toBe(true);
      }
    }
  });

  it('densify: scatter a sparse change and tangent onto the cached activation', async () => {
    const G = 3, M = 7, F = 29;
    const U = [1, 2, 14, 28];
    const xb = f32(randomArray(M * F, 91));
    const d = f32(randomArray(G * M * U.length, 92)), t = f32(randomArray(G * M * U.length, 93));
    const src = flowBuffer(gpu!, G, M * U.length, d, t, 'flow');
    const dst = flowBuffer(gpu!, G, M * F, null, null, 'dense');
    const rec = gpu!.ctx.recorder();
    encodeDensify(rec, {
      src: src.buffer, dst: dst.buffer, idx: gpu!.ctx.upload(positionMap(U, F), 'pos'),
      baseIn: gpu!.ctx.upload(Float32Array.from(xb), 'xb'),
    }, { x: src.ref, y: { ...dst.ref, tan: true }, G, M, F, nU: U.length, posOff: 0, bInOff: 0 });
    await rec.submit();
    const got = await readFlow(gpu!, dst.buffer, G, M * F);
    const wy = new Float64Array(G * M * F), wt = new Float64Array(G * M * F);
    for (let g = 0; g < G; g++) for (let m = 0; m < M; m++) for (let c = 0; c < F; c++) {
      const a = U.indexOf(c);
      wy[(g * M + m) * F + c] = Math.fround(xb[m * F + c] + (a >= 0 ? d[(g * M + m) * U.length + a] : 0));
      wt[(g * M + m) * F + c] = a >= 0 ? t[(g * M + m) * U.length + a] : 0;
    }
    expect(record('densify value', relErr(got.y, wy))).toBe(0);
    expect(record('densify tangent', relErr(got.dy, wt))).toBe(0);
  });

  for (const cpuLike of [false, true]) it(`fisher (${cpuLike ? 'barrier-free' : 'workgroup tree'}): ‖ż‖² and centred softmax variance, summed on the GPU in blocks (M = 300, G = 3)`, async () => {
    gpu!.ctx.cpuLike = cpuLike;
    const G = 3, M = 300, width = 10;
    const per = M * width;
    const z = f32(randomArray(G * per, 101, 3)), dz = f32(randomArray(G * per, 102));
    for (const head of ['regression', 'classification'] as const) {
      // the partials written 5 floats into their buffer (outOff)
      const sums = await fisherOnGpu(z, dz, G, M, width, head, 5);
      for (let g = 0; g < G; g++) {
        const sum = sums[g];
        const ref = ops.fisherPerSample(head, group(z, g, per), group(dz, g, per), M, width).reduce((a, v) => a + v, 0);
        expect(record(`fisher${cpuLike ? ' (barrier-free)' : ''} ${head}`, Math.abs(sum - ref) / ref)).toBeLessThan(TOL);
      }
    }
  });
});
