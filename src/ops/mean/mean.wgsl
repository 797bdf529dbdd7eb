// The mean of positions start … T − 1: y[d] = Σ_t x[t, d] / (T − start), ẏ likewise, over
// G queries × M samples × D. One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  T: u32,
  D: u32,
  start: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let per = u.M * u.D;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let m = r / u.D;
  let d = r - m * u.D;
  var v = 0.0;
  var t = 0.0;
  for (var p = u.start; p < u.T; p++) {
    let e = g * u.x.gs + (m * u.T + p) * u.D + d;
    v += src[u.x.off + e];
    t += srcTangent(u.x, e);
  }
  let w = 1.0 / f32(u.T - u.start);
  storeFlow(u.y, g * u.y.gs + r, v * w, t * w);
}
