// The seven activations of the graph IR and their derivatives, in f32, written so that each
// keeps its *relative* accuracy where the value is small (tails, near 0): the f64 reference is
// src/engine/cpu/activations.ts. Codes follow ACTIVATIONS in src/model/graph.ts:
//   0 relu  1 relu2  2 gelu (erf)  3 gelu_tanh  4 tanh  5 silu  6 identity

const SQRT1_2: f32 = 0.70710678118654752;
const INV_SQRT_2PI: f32 = 0.39894228040143268;
const TWO_OVER_SQRT_PI: f32 = 1.1283791670955126;
const GELU_TANH_C: f32 = 0.79788456080286536; // √(2/π)
const GELU_TANH_A: f32 = 0.044715;

// erf by its Maclaurin series, |x| < 0.5 (truncation below 1.3e-8 relative).
fn erf_series(x: f32) -> f32 {
  let z = x * x;
  // x·(1 − z/3 + z²/10 − z³/42 + z⁴/216 − z⁵/1320 + z⁶/9360)
  let p = 1.0 + z * (-0.33333333333 + z * (0.1 + z * (-0.02380952381 + z * (0.00462962963 + z * (-0.00075757576 + z * 0.00010683761)))));
  return TWO_OVER_SQRT_PI * x * p;
}

// erfc(z) for z ≥ 0 with fractional error below 1.2e-7 everywhere (the Chebyshev fit of
// Numerical Recipes' erfcc): accurate relative to erfc itself, so the lower GELU tail keeps
// its relative accuracy.
fn erfc_pos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(p);
}

// erf, absolute error ~1e-7 (series near 0, 1 − erfc elsewhere).
fn erf_f32(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    return erf_series(x);
  }
  let r = 1.0 - erfc_pos(a);
  return select(r, -r, x < 0.0);
}

// Φ(z), the standard normal CDF: relatively accurate in the lower tail (Φ ≈ 0).
fn normal_cdf(z: f32) -> f32 {
  let a = abs(z) * SQRT1_2;
  if (a < 0.5) {
    return 0.5 + 0.5 * erf_series(z * SQRT1_2);
  }
  let c = 0.5 * erfc_pos(a);
  return select(1.0 - c, c, z < 0.0);
}

// σ(x) and σ(x)(1 − σ(x)), without the cancellation of 1 − σ in either tail.
fn sigmoid_pair(x: f32) -> vec2<f32> {
  let e = exp(-abs(x));
  let inv = 1.0 / (1.0 + e);
  let s = select(e * inv, inv, x >= 0.0);
  return vec2<f32>(s, e * inv * inv);
}

// tanh(x) and sech²(x) = 1 − tanh², both relatively accurate (Cephes tanhf near 0).
fn tanh_pair(x: f32) -> vec2<f32> {
  let a = abs(x);
  if (a < 0.625) {
    let s = x * x;
    let th = ((((-5.70498872745e-3 * s + 2.06390887954e-2) * s - 5.37397155531e-2) * s + 1.33314422036e-1) * s
      - 3.33332819422e-1) * s * x + x;
    return vec2<f32>(th, 1.0 - th * th);
  }
  let e = exp(-2.0 * a);
  let d = 1.0 + e;
  let th = (1.0 - e) / d;
  return vec2<f32>(select(th, -th, x < 0.0), 4.0 * e / (d * d));
}

// (φ(z), φ'(z)) for activation `fn`. φ' at the ReLU kink z = 0 is 0, as in the reference.
fn act_pair(fn_: u32, z: f32) -> vec2<f32> {
  switch fn_ {
    case 0u: {
      return select(vec2<f32>(0.0, 0.0), vec2<f32>(z, 1.0), z > 0.0);
    }
    case 1u: {
      return select(vec2<f32>(0.0, 0.0), vec2<f32>(z * z, 2.0 * z), z > 0.0);
    }
    case 2u: {
      let cdf = normal_cdf(z);
      return vec2<f32>(z * cdf, cdf + z * INV_SQRT_2PI * exp(-0.5 * z * z));
    }
    case 3u: {
      // 0.5·z·(1 + tanh u) = z·σ(2u): no cancellation in the lower tail.
      let z2 = z * z;
      let u = GELU_TANH_C * (z + GELU_TANH_A * z2 * z);
      let du = GELU_TANH_C * (1.0 + 3.0 * GELU_TANH_A * z2);
      let sp = sigmoid_pair(2.0 * u);
      return vec2<f32>(z * sp.x, sp.x + 2.0 * z * sp.y * du);
    }
    case 4u: {
      return tanh_pair(z);
    }
    case 5u: {
      let sp = sigmoid_pair(z);
      return vec2<f32>(z * sp.x, sp.x + z * sp.y);
    }
    default: {
      return vec2<f32>(z, 1.0);
    }
  }
}
