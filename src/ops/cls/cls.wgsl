// Stored tokens joining a sequence: y = [x_<at; c; x_≥at], ẏ = [ẋ_<at; ċ; ẋ_≥at], over G queries ×
// M samples × (T + R)·D. One invocation per output element.
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
  K: u32,   // R × D token elements
  A: u32,   // at × D: the first token element of a sample's output
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let W = u.F + u.K;
  let per = u.M * W;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let m = r / W;
  let f = r - m * W;
  let o = g * u.y.gs + r;
  if (f >= u.A && f < u.A + u.K) {
    storeFlow(u.y, o, pload(u.c, g, f - u.A), pload(u.dc, g, f - u.A));
    return;
  }
  var e = f;
  if (f >= u.A + u.K) {
    e = f - u.K;
  }
  copyElement(u.x, g * u.x.gs + m * u.F + e, u.y, o);
}
