// The norms over the last axis (width f) with their JVP, LayerNorm (CENTRED = true) and RMSNorm
// (CENTRED = false: μ = 0, no β, the same formulas), the including kernel declaring
// `const CENTRED: bool`:
//   n = (x − μ)/√(σ² + ε)  (σ² = mean((x − μ)²)),  y = γ⊙n + β
//   ṅ = (ẋ − mean(ẋ) − n·mean(n⊙ẋ))/√(σ² + ε),   ẏ = γ⊙ṅ + γ̇⊙n + β̇   (mean(ẋ) only when centred)
// An absent γ reads 1, an absent β, γ̇, β̇ 0. Rows: [G][rows per query][f]; one invocation per row
// (two passes, mean then variance, in f32).
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  gamma: Ref,
  beta: Ref,
  dgamma: Ref,
  dbeta: Ref,
  G: u32,
  rows: u32,   // rows per query
  f: u32,
  eps: f32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  if (i >= u.G * u.rows) {
    return;
  }
  let g = i / u.rows;
  let row = i - g * u.rows;
  let xo = u.x.off + g * u.x.gs + row * u.f;
  let to = u.x.toff + g * u.x.gs + row * u.f;
  let yo = g * u.y.gs + row * u.f;
  let fw = f32(u.f);
  var mu = 0.0;
  if (CENTRED) {
    for (var k = 0u; k < u.f; k = k + 1u) {
      mu = mu + src[xo + k];
    }
    mu = mu / fw;
  }
  var v = 0.0;
  for (var k = 0u; k < u.f; k = k + 1u) {
    let d = src[xo + k] - mu;
    v = v + d * d;
  }
  let inv = 1.0 / sqrt(v / fw + u.eps);
  let tangent = u.y.tan != 0u;
  let hasDx = u.x.tan != 0u;
  var mdx = 0.0;
  var mndx = 0.0;
  if (tangent && hasDx) {
    for (var k = 0u; k < u.f; k = k + 1u) {
      let t = src[to + k];
      if (CENTRED) {
        mdx = mdx + t;
      }
      mndx = mndx + (src[xo + k] - mu) * inv * t;
    }
    mdx = mdx / fw;
    mndx = mndx / fw;
  }
  for (var k = 0u; k < u.f; k = k + 1u) {
    let n = (src[xo + k] - mu) * inv;
    let gam = ploadOr(u.gamma, g, k, 1.0);
    var dn = 0.0;
    if (tangent && hasDx) {
      dn = (src[to + k] - mdx - n * mndx) * inv;
    }
    storeFlow(u.y, yo + k, gam * n + pload(u.beta, g, k), gam * dn + pload(u.dgamma, g, k) * n + pload(u.dbeta, g, k));
  }
}
