// Activation value + JVP:  y = φ(x),  ẏ = φ'(x)·ẋ.
// Dense mode: flows [G][M][F].  Sparse mode: the flow holds the change d and tangent ṫ on the
// features U only ([G][M][nU]); with x̂, ŷ the cached input/output,
//   z = x̂[U_a] + d_a,   d'_a = φ(z) − ŷ[U_a],   ṫ'_a = φ'(z)·ṫ_a.
// One invocation per element, 1-D job over a 2-D grid.
// @include common/bindings.wgsl
// @include common/activations.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  F: u32,       // features per sample of the op's tensor
  width: u32,   // dense: F; sparse: nU
  fn_: u32,
  sparse: u32,
  idxOff: u32,
  bInOff: u32,  // sparse: cached input/output offset of the batch's first sample
  bOutOff: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let perG = u.M * u.width;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  let r = i - g * perG;
  let e = g * u.x.gs + r;
  var z = src[u.x.off + e];
  var base = 0.0;
  if (u.sparse != 0u) {
    let m = r / u.width;
    let a = r - m * u.width;
    let f = idx[u.idxOff + a];
    z = z + baseIn[u.bInOff + m * u.F + f];
    base = baseOut[u.bOutOff + m * u.F + f];
  }
  let p = act_pair(u.fn_, z);
  storeFlow(u.y, g * u.y.gs + r, p.x - base, p.y * srcTangent(u.x, e));
}
