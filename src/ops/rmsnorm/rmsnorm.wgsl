// RMSNorm over the last axis (width f) with its JVP:
//   n = x/√(mean(x²) + ε),  y = γ⊙n
//   ṅ = (ẋ − n·mean(n⊙ẋ))/√(mean(x²) + ε),   ẏ = γ⊙ṅ + γ̇⊙n
// Rows: [G][rowsPerGroup][f]; one invocation per row.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  gamma: Ref,
  dgamma: Ref,
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
  var s = 0.0;
  for (var k = 0u; k < u.f; k = k + 1u) {
    s = s + src[xo + k] * src[xo + k];
  }
  let inv = 1.0 / sqrt(s / fw + u.eps);
  let tangent = u.y.tan != 0u;
  let hasDx = u.x.tan != 0u;
  var mndx = 0.0;
  if (tangent && hasDx) {
    for (var k = 0u; k < u.f; k = k + 1u) {
      mndx = mndx + src[xo + k] * inv * src[to + k];
    }
    mndx = mndx / fw;
  }
  for (var k = 0u; k < u.f; k = k + 1u) {
    let n = src[xo + k] * inv;
    let gam = ploadOr(u.gamma, g, k, 1.0);
    dst[yo + k] = gam * n;
    if (tangent) {
      var dn = 0.0;
      if (hasDx) {
        dn = (src[to + k] - n * mndx) * inv;
      }
      dst[dyo + k] = gam * dn + pload(u.dgamma, g, k) * n;
    }
  }
}
