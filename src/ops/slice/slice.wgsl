// A slice of the last axis: y[r, c] = x[r, start + c], ẏ likewise, over G queries × rows (M
// samples × the leading axes) × L. One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  rows: u32,  // rows per query: M × the product of the leading axes
  F: u32,     // input last axis
  L: u32,     // output last axis
  start: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let per = u.rows * u.L;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let row = r / u.L;
  let c = r - row * u.L;
  let ex = g * u.x.gs + row * u.F + u.start + c;
  copyElement(u.x, ex, u.y, g * u.y.gs + r);
}
