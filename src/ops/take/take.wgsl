// One position of a sequence: y = x[t], ẏ = ẋ[t], over G queries × M samples × D.
// One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  T: u32,
  D: u32,
  t: u32,
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
  let ex = g * u.x.gs + (m * u.T + u.t) * u.D + d;
  copyElement(u.x, ex, u.y, g * u.y.gs + r);
}
