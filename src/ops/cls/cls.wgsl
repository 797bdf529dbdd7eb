// The class token: y = [c; x], ẏ = [ċ; ẋ], over G queries × M samples × (T + 1)·D.
// One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  c: Ref,
  dc: Ref,
  G: u32,
  M: u32,
  F: u32,   // T × D input elements per sample
  D: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let W = u.F + u.D;
  let per = u.M * W;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let m = r / W;
  let f = r - m * W;
  let o = g * u.y.gs + r;
  if (f < u.D) {
    storeFlow(u.y, o, pload(u.c, g, f), pload(u.dc, g, f));
    return;
  }
  copyElement(u.x, g * u.x.gs + m * u.F + f - u.D, u.y, o);
}
