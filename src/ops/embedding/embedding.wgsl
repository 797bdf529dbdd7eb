// Token embedding: y[t] = W[tok_t], ẏ[t] = Ẇ[tok_t], over G queries × M samples × T positions × D.
// The token ids are read as f32 numbers (exact below 2^24) from the input flow's value; an
// integer input has no tangent. An id outside [0, V) reads 0 (the engines refuse such probes first).
// One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  w: Ref,
  dw: Ref,
  G: u32,
  per: u32,   // M × T positions per query
  D: u32,
  V: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  if (i >= u.G * u.per * u.D) {
    return;
  }
  let row = i / u.D;
  let d = i - row * u.D;
  let g = row / u.per;
  let r = row - g * u.per;
  let tok = src[u.x.off + g * u.x.gs + r];
  let o = g * u.y.gs + r * u.D + d;
  var value = 0.0;
  var tangent = 0.0;
  if (tok >= 0.0 && tok < f32(u.V)) {
    let e = u32(tok) * u.D + d;
    value = pload(u.w, g, e);
    tangent = pload(u.dw, g, e);
  }
  storeFlow(u.y, o, value, tangent);
}
