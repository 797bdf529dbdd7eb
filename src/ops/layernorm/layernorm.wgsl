// LayerNorm over the last axis (width f) with its JVP:
//   n = (x − μ)/√(σ² + ε)  (σ² biased),  y = γ⊙n + β
//   ṅ = (ẋ − mean(ẋ) − n·mean(n⊙ẋ))/√(σ² + ε),   ẏ = γ⊙ṅ + γ̇⊙n + β̇
// Rows: [G][rowsPerGroup][f]; one invocation per row (two-pass mean/variance in f32).
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  gamma: Ref,
  beta: Ref,
  dgamma: Ref,
  dbeta: Ref,
  G: u32,
  rows: u32,   // rows per group
  f: u32,
  eps: f32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.G * u.rows) {
    return;
  }
  let g = i / u.rows;
  let row = i - g * u.rows;
  let xo = u.x.off + g * u.x.gs + row * u.f;
  let to = u.x.toff + g * u.x.gs + row * u.f;
  let yo = u.y.off + g * u.y.gs + row * u.f;
  let dyo = u.y.toff + g * u.y.gs + row * u.f;
  let fw = f32(u.f);
  var mu = 0.0;
  for (var k = 0u; k < u.f; k = k + 1u) {
    mu = mu + src[xo + k];
  }
  mu = mu / fw;
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
      mdx = mdx + t;
      mndx = mndx + (src[xo + k] - mu) * inv * t;
    }
    mdx = mdx / fw;
    mndx = mndx / fw;
  }
  for (var k = 0u; k < u.f; k = k + 1u) {
    let n = (src[xo + k] - mu) * inv;
    let gam = ploadOr(u.gamma, g, k, 1.0);
    dst[yo + k] = gam * n + pload(u.beta, g, k);
    if (tangent) {
      var dn = 0.0;
      if (hasDx) {
        dn = (src[to + k] - mdx - n * mndx) * inv;
      }
      dst[dyo + k] = gam * dn + pload(u.dgamma, g, k) * n + pload(u.dbeta, g, k);
    }
  }
}
