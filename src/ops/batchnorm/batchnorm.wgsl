// BatchNorm in eval mode over channel axis 1 of [G][M][C][spatial]:
//   x̃ = (x − μ)/√(σ² + ε),   y = γ·x̃ + β,   ẏ = γ·ẋ/√(σ² + ε) + γ̇·x̃ + β̇
// (running statistics are buffers: patched values are used, they carry no tangent — as the
// f64 reference). One invocation per element, 1-D over a 2-D grid.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  gamma: Ref,
  beta: Ref,
  dgamma: Ref,
  dbeta: Ref,
  mean: Ref,
  vari: Ref,
  G: u32,
  M: u32,
  C: u32,
  spatial: u32,
  eps: f32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let perG = u.M * u.C * u.spatial;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  let r = i - g * perG;
  let ch = (r / u.spatial) % u.C;
  let inv = 1.0 / sqrt(pload(u.vari, g, ch) + u.eps);
  let gam = ploadOr(u.gamma, g, ch, 1.0);
  let e = g * u.x.gs + r;
  let xn = (src[u.x.off + e] - pload(u.mean, g, ch)) * inv;
  let t = gam * srcTangent(u.x, e) * inv + pload(u.dgamma, g, ch) * xn + pload(u.dbeta, g, ch);
  storeFlow(u.y, g * u.y.gs + r, gam * xn + pload(u.beta, g, ch), t);
}
