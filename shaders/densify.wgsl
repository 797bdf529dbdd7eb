// Turn a sparse flow (change d and tangent ṫ on the features U) into a dense one:
//   x' = x̂ + scatter_U(d),   ẋ = scatter_U(ṫ)        ([G][M][F], x̂ the cached activation)
// pos (in idx at posOff, length F) maps a feature to its place in U, or NONE.
// One invocation per element, 1-D over a 2-D grid.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  F: u32,
  nU: u32,
  posOff: u32,
  bInOff: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let perG = u.M * u.F;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  let r = i - g * perG;
  let m = r / u.F;
  let f = r - m * u.F;
  var v = baseIn[u.bInOff + r];
  var t = 0.0;
  let p = idx[u.posOff + f];
  if (p != NONE && u.x.tan != 0u) {
    let s = g * u.x.gs + m * u.nU + p;
    v = v + src[u.x.off + s];
    t = src[u.x.toff + s];
  }
  let o = g * u.y.gs + r;
  dst[u.y.off + o] = v;
  dst[u.y.toff + o] = t;
}
