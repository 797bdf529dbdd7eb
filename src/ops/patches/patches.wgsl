// Patches: y[n, (i·p + j)·C + c] = x[c, r·p + i, q·p + j] for patch n = r·(W/p) + q, ẏ likewise,
// over G queries × M samples × C·H·W. One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  C: u32,
  H: u32,
  W: u32,
  p: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let F = u.C * u.H * u.W;
  let per = u.M * F;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let m = r / F;
  let f = r - m * F;
  let vec = u.p * u.p * u.C;
  let n = f / vec;
  let k = f - n * vec;
  let c = k % u.C;
  let ij = k / u.C;
  let pi = ij / u.p;
  let pj = ij - pi * u.p;
  let cols = u.W / u.p;
  let pr = n / cols;
  let pq = n - pr * cols;
  let ex = g * u.x.gs + m * F + (c * u.H + pr * u.p + pi) * u.W + pq * u.p + pj;
  copyElement(u.x, ex, u.y, g * u.y.gs + r);
}
