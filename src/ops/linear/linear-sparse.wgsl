// Linear layer whose input changed only on a few features U (the support of a sparse flow):
// with x' = x̂ + d on U (x̂ the cached input, ŷ the cached output, d the flow's change),
//   y' = ŷ + Σ_a W[o,U_a]·d_a + Σ_a ΔW[o,a]·x'_a + Δb[o]
//   ẏ  = Σ_a (W[o,U_a] + ΔW[o,a])·ṫ_a + Σ_a Ẇ[o,a]·x'_a + ḃ[o]
// since W'x' − Ŵx̂ = Ŵ(x' − x̂) + ΔW·x'. ΔW and Ẇ are the patch restricted to the columns U
// ([G][outF][|U|]; zero there when the op is untouched). Δb, ḃ are full [G][outF] patches.
// The output is dense: full values y' and tangents ẏ, [G][M][outF].
// One invocation per (g, m, o), 1-D job over a 2-D grid.
// @include common/bindings.wgsl
// @include common/sparse-input.wgsl

struct U {
  x: Flow,    // the sparse flow [G][M][nU] (x.tan = 0: no input change at all, d = ṫ = 0)
  y: Flow,
  w: Ref,     // checkpoint W [outF][inF] (shared)
  dwd: Ref,   // ΔW on columns U   [G][outF][nU]
  dwt: Ref,   // Ẇ on columns U    [G][outF][nU]
  bd: Ref,    // Δb [G][outF]
  bt: Ref,    // ḃ  [G][outF]
  M: u32,
  inF: u32,
  outF: u32,
  G: u32,
  nU: u32,
  idxOff: u32, // U in idx
  bInOff: u32, // cached input of sample 0 of this batch
  bOutOff: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let perG = u.M * u.outF;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  let r = i - g * perG;
  let m = r / u.outF;
  let o = r - m * u.outF;
  let fo = g * u.x.gs + m * u.nU;
  var acc = vec2<f32>(0.0, 0.0);
  for (var a = 0u; a < u.nU; a = a + 1u) {
    let c = idx[u.idxOff + a];
    let pw = o * u.nU + a;
    acc = sparseAcc(acc, u.x, u.bInOff + m * u.inF + c, fo + a,
                    pload(u.w, g, o * u.inF + c), pload(u.dwd, g, pw), pload(u.dwt, g, pw));
  }
  let out = g * u.y.gs + m * u.outF + o;
  sparseStore(u.y, out, baseOut[u.bOutOff + m * u.outF + o], acc, pload(u.bd, g, o), pload(u.bt, g, o));
}
