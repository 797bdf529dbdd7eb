/** Scalar activations and their derivatives in f64 (the reference every WGSL kernel is checked against). */

export type Activation = 'relu' | 'relu2' | 'gelu' | 'gelu_tanh' | 'tanh' | 'silu' | 'identity';
export const ACTIVATIONS: readonly Activation[] = ['relu', 'relu2', 'gelu', 'gelu_tanh', 'tanh', 'silu', 'identity'];

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_TANH_C = Math.sqrt(2 / Math.PI);

/**
 * erf to full f64 accuracy: erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)).
 * Every term is positive, so there is no cancellation (unlike the Taylor series).
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  let term = ax;
  let sum = ax;
  const x2 = ax * ax;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const v = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -v : v;
}

export function activate(fn: Activation, z: number): number {
  switch (fn) {
    case 'relu':
      return z > 0 ? z : 0;
    case 'relu2':
      return z > 0 ? z * z : 0;
    case 'gelu':
      return 0.5 * z * (1 + erf(z * SQRT1_2));
    case 'gelu_tanh':
      return 0.5 * z * (1 + Math.tanh(GELU_TANH_C * (z + 0.044715 * z * z * z)));
    case 'tanh':
      return Math.tanh(z);
    case 'silu':
      return z / (1 + Math.exp(-z));
    case 'identity':
      return z;
  }
}

/** dφ/dz; at the ReLU kink z = 0 the derivative is taken as 0 (the one-sided value a dead unit sees). */
export function activationDerivative(fn: Activation, z: number): number {
  switch (fn) {
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'relu2':
      return z > 0 ? 2 * z : 0;
    case 'gelu':
      return 0.5 * (1 + erf(z * SQRT1_2)) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    case 'gelu_tanh': {
      const u = GELU_TANH_C * (z + 0.044715 * z * z * z);
      const th = Math.tanh(u);
      const du = GELU_TANH_C * (1 + 3 * 0.044715 * z * z);
      return 0.5 * (1 + th) + 0.5 * z * (1 - th * th) * du;
    }
    case 'tanh': {
      const th = Math.tanh(z);
      return 1 - th * th;
    }
    case 'silu': {
      const s = 1 / (1 + Math.exp(-z));
      return s + z * s * (1 - s);
    }
    case 'identity':
      return 1;
  }
}

/** Order p with φ(z) ~ z^p near 0 (METHOD §4): node death then has order k = 1 + p. */
export function activationOrder(fn: Activation): number {
  return fn === 'relu2' ? 2 : 1;
}
