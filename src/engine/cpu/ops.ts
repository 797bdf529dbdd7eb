/**
 * Dense f64 reference ops, batched over N samples, each with its forward-mode tangent.
 * Layouts: activations N×F or N×C×H×W row-major; linear W [out,in]; conv W [O,C,kh,kw].
 * Every WGSL kernel has a parity test against the function of the same job here.
 * A tangent argument that is null means zero.
 */
import type { Activation } from '../../model/graph.ts';
import { activate, activationDerivative } from './activations.ts';

type Arr = Float64Array;
type MaybeArr = Float64Array | null;

/** y = x Wᵀ + b;  dy = dx Wᵀ + x dWᵀ + db (x here is the perturbed input). */
export function linearForward(x: Arr, W: Arr, b: MaybeArr, n: number, inF: number, outF: number): Arr {
  const y = new Float64Array(n * outF);
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) acc += W[wo + i] * x[xo + i];
      y[s * outF + o] = acc;
    }
  }
  return y;
}

export function linearTangent(
  x: Arr, dx: MaybeArr, W: Arr, dW: MaybeArr, db: MaybeArr, n: number, inF: number, outF: number,
): Arr {
  const dy = new Float64Array(n * outF);
  for (let s = 0; s < n; s++) {
    const xo = s * inF;
    for (let o = 0; o < outF; o++) {
      const wo = o * inF;
      let acc = db ? db[o] : 0;
      if (dx) for (let i = 0; i < inF; i++) acc += W[wo + i] * dx[xo + i];
      if (dW) for (let i = 0; i < inF; i++) acc += dW[wo + i] * x[xo + i];
      dy[s * outF + o] = acc;
    }
  }
  return dy;
}

export function activationForward(fn: Activation, z: Arr): Arr {
  const y = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) y[i] = activate(fn, z[i]);
  return y;
}

export function activationTangent(fn: Activation, z: Arr, dz: Arr): Arr {
  const dy = new Float64Array(z.length);
  for (let i = 0; i < z.length; i++) dy[i] = activationDerivative(fn, z[i]) * dz[i];
  return dy;
}

export interface ConvShape {
  n: number; c: number; h: number; w: number;
  o: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number;
}
export const convOutSize = (s: ConvShape): [number, number] => [
  Math.floor((s.h + 2 * s.ph - s.kh) / s.sh) + 1,
  Math.floor((s.w + 2 * s.pw - s.kw) / s.sw) + 1,
];

/**
 * y[n,o] = Σ_c W[o,c] ⋆ x[n,c] (+ b[o]). With channel lists the arrays are compact: x holds
 * only the channels `inChannels` (in that order) and y only `outChannels` — the sparse
 * engine uses this, since a change confined to a few channels only needs those.
 */
export function conv2dForward(
  x: Arr, W: Arr, b: MaybeArr, s: ConvShape,
  inChannels: ArrayLike<number> | null = null, outChannels: ArrayLike<number> | null = null,
): Arr {
  const [oh, ow] = convOutSize(s);
  const cs = inChannels ?? range(s.c);
  const os = outChannels ?? range(s.o);
  const y = new Float64Array(s.n * os.length * oh * ow);
  for (let n = 0; n < s.n; n++) {
    for (let oi = 0; oi < os.length; oi++) {
      const o = os[oi];
      const yo = (n * os.length + oi) * oh * ow;
      if (b) for (let p = 0; p < oh * ow; p++) y[yo + p] = b[o];
      for (let ci = 0; ci < cs.length; ci++) {
        const c = cs[ci];
        const xo = (n * cs.length + ci) * s.h * s.w;
        const wo = (o * s.c + c) * s.kh * s.kw;
        for (let i = 0; i < s.kh; i++) {
          for (let j = 0; j < s.kw; j++) {
            const wv = W[wo + i * s.kw + j];
            if (wv === 0) continue;
            for (let y0 = 0; y0 < oh; y0++) {
              const yy = y0 * s.sh - s.ph + i;
              if (yy < 0 || yy >= s.h) continue;
              const xrow = xo + yy * s.w;
              const yrow = yo + y0 * ow;
              for (let x0 = 0; x0 < ow; x0++) {
                const xx = x0 * s.sw - s.pw + j;
                if (xx < 0 || xx >= s.w) continue;
                y[yrow + x0] += wv * x[xrow + xx];
              }
            }
          }
        }
      }
    }
  }
  return y;
}

/** dy = conv(dx, W) + conv(x, dW) + db: conv is bilinear in (x, W). */
export function conv2dTangent(x: Arr, dx: MaybeArr, W: Arr, dW: MaybeArr, db: MaybeArr, s: ConvShape): Arr {
  const [oh, ow] = convOutSize(s);
  const dy = new Float64Array(s.n * s.o * oh * ow);
  if (dx) addInto(dy, conv2dForward(dx, W, null, s));
  if (dW) addInto(dy, conv2dForward(x, dW, null, s));
  if (db) for (let n = 0; n < s.n; n++) for (let o = 0; o < s.o; o++) {
    const off = (n * s.o + o) * oh * ow;
    for (let p = 0; p < oh * ow; p++) dy[off + p] += db[o];
  }
  return dy;
}

export interface PoolShape { n: number; c: number; h: number; w: number; k: number; stride: number }
export const poolOutSize = (s: PoolShape): [number, number] => [
  Math.floor((s.h - s.k) / s.stride) + 1,
  Math.floor((s.w - s.k) / s.stride) + 1,
];

/** Max pooling; `argmax` holds the flat input index each output took (first maximum wins). */
export function maxpoolForward(x: Arr, s: PoolShape): { y: Arr; argmax: Int32Array } {
  const [oh, ow] = poolOutSize(s);
  const y = new Float64Array(s.n * s.c * oh * ow);
  const argmax = new Int32Array(y.length);
  for (let nc = 0; nc < s.n * s.c; nc++) {
    const xo = nc * s.h * s.w;
    for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let best = -Infinity;
      let at = -1;
      for (let a = 0; a < s.k; a++) for (let b = 0; b < s.k; b++) {
        const idx = xo + (i * s.stride + a) * s.w + (j * s.stride + b);
        if (x[idx] > best || at < 0) { best = x[idx]; at = idx; }
      }
      const o = (nc * oh + i) * ow + j;
      y[o] = best;
      argmax[o] = at;
    }
  }
  return { y, argmax };
}

/** The tangent of max pooling routes the tangent of the winning input. */
export function maxpoolTangent(dx: Arr, argmax: Int32Array): Arr {
  const dy = new Float64Array(argmax.length);
  for (let i = 0; i < argmax.length; i++) dy[i] = dx[argmax[i]];
  return dy;
}

/** BatchNorm in eval mode over channel axis 1 of N×C×(spatial): y = γ(x−μ)/√(σ²+ε) + β. */
export function batchnormForward(
  x: Arr, gamma: MaybeArr, beta: MaybeArr, mean: Arr, variance: Arr, eps: number, n: number, c: number, spatial: number,
): Arr {
  const y = new Float64Array(x.length);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + eps);
    const g = gamma ? gamma[ch] : 1;
    const b = beta ? beta[ch] : 0;
    const off = (s * c + ch) * spatial;
    for (let p = 0; p < spatial; p++) y[off + p] = g * (x[off + p] - mean[ch]) * inv + b;
  }
  return y;
}

export function batchnormTangent(
  x: Arr, dx: MaybeArr, gamma: MaybeArr, dGamma: MaybeArr, dBeta: MaybeArr, mean: Arr, variance: Arr, eps: number,
  n: number, c: number, spatial: number,
): Arr {
  const dy = new Float64Array(x.length);
  for (let s = 0; s < n; s++) for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + eps);
    const g = gamma ? gamma[ch] : 1;
    const dg = dGamma ? dGamma[ch] : 0;
    const db = dBeta ? dBeta[ch] : 0;
    const off = (s * c + ch) * spatial;
    for (let p = 0; p < spatial; p++) {
      const xn = (x[off + p] - mean[ch]) * inv;
      dy[off + p] = (dx ? g * dx[off + p] * inv : 0) + dg * xn + db;
    }
  }
  return dy;
}

/** LayerNorm over the last axis (width f): y = γ ⊙ (x−μ)/√(σ²+ε) + β, σ² the biased variance. */
export function layernormForward(x: Arr, gamma: MaybeArr, beta: MaybeArr, eps: number, rows: number, f: number): Arr {
  const y = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const off = r * f;
    const { mu, inv } = rowStats(x, off, f, eps);
    for (let i = 0; i < f; i++) y[off + i] = (gamma ? gamma[i] : 1) * (x[off + i] - mu) * inv + (beta ? beta[i] : 0);
  }
  return y;
}

/** dn = (dx − mean(dx) − n·mean(n ⊙ dx))/√(σ²+ε);  dy = γ ⊙ dn + dγ ⊙ n + dβ. */
export function layernormTangent(
  x: Arr, dx: MaybeArr, gamma: MaybeArr, dGamma: MaybeArr, dBeta: MaybeArr, eps: number, rows: number, f: number,
): Arr {
  const dy = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const off = r * f;
    const { mu, inv } = rowStats(x, off, f, eps);
    let mdx = 0;
    let mndx = 0;
    if (dx) {
      for (let i = 0; i < f; i++) {
        mdx += dx[off + i];
        mndx += (x[off + i] - mu) * inv * dx[off + i];
      }
      mdx /= f;
      mndx /= f;
    }
    for (let i = 0; i < f; i++) {
      const ni = (x[off + i] - mu) * inv;
      const dn = dx ? (dx[off + i] - mdx - ni * mndx) * inv : 0;
      dy[off + i] = (gamma ? gamma[i] : 1) * dn + (dGamma ? dGamma[i] * ni : 0) + (dBeta ? dBeta[i] : 0);
    }
  }
  return dy;
}

function rowStats(x: Arr, off: number, f: number, eps: number): { mu: number; inv: number } {
  let mu = 0;
  for (let i = 0; i < f; i++) mu += x[off + i];
  mu /= f;
  let v = 0;
  for (let i = 0; i < f; i++) v += (x[off + i] - mu) ** 2;
  return { mu, inv: 1 / Math.sqrt(v / f + eps) };
}

/**
 * Per-sample Fisher quadratic form of the output tangent (METHOD §1):
 * regression ‖dz‖²; classification Var_{c∼softmax(z)}[dz_c] = Σ p dz² − (Σ p dz)².
 */
export function fisherPerSample(head: 'regression' | 'classification', z: Arr, dz: Arr, n: number, out: number): Arr {
  const f = new Float64Array(n);
  for (let s = 0; s < n; s++) {
    const o = s * out;
    if (head === 'regression') {
      let acc = 0;
      for (let c = 0; c < out; c++) acc += dz[o + c] * dz[o + c];
      f[s] = acc;
    } else {
      let m = -Infinity;
      for (let c = 0; c < out; c++) m = Math.max(m, z[o + c]);
      let zsum = 0;
      for (let c = 0; c < out; c++) zsum += Math.exp(z[o + c] - m);
      let e1 = 0;
      for (let c = 0; c < out; c++) e1 += (Math.exp(z[o + c] - m) / zsum) * dz[o + c];
      // Centred form: Σ p (dz − E dz)² avoids the cancellation of Σ p dz² − (Σ p dz)².
      let v = 0;
      for (let c = 0; c < out; c++) v += (Math.exp(z[o + c] - m) / zsum) * (dz[o + c] - e1) ** 2;
      f[s] = v;
    }
  }
  return f;
}

export const mean = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

function addInto(a: Arr, b: Arr): void {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
