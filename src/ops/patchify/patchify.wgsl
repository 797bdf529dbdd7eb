// Patchify: y[p, d] = x[d, p], ẏ likewise, over G queries × M samples × P patches × D.
// One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  D: u32,
  P: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let F = u.D * u.P;
  let per = u.M * F;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let m = r / F;
  let f = r - m * F;
  let p = f / u.D;
  let d = f - p * u.D;
  let ex = g * u.x.gs + m * F + d * u.P + p;
  copyElement(u.x, ex, u.y, g * u.y.gs + r);
}
