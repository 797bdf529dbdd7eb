// Conv2d whose input changed only on a few whole channels (the support of a sparse flow, as left
// by a conv that started a scan on some output channels, and the activations after it). With
// x' = x̂ + d on the channels Cin (x̂ the cached input, ŷ the cached output):
//   y' = ŷ + Σ_{a,i,j} (W[o,Cin_a,i,j]·d_a + ΔW[o,a,i,j]·x'_a) + Δb[o]
//   ẏ  = Σ_{a,i,j} ((W[o,Cin_a,i,j] + ΔW[o,a,i,j])·ṫ_a + Ẇ[o,a,i,j]·x'_a) + ḃ[o]
// (conv is bilinear: W'⋆x' − Ŵ⋆x̂ = Ŵ⋆(x' − x̂) + ΔW⋆x'), ΔW and Ẇ restricted to the input
// channels Cin ([G][O][nC][KH][KW]). The output is dense: [G][M][O][OH][OW].
// One invocation per output element, 1-D over a 2-D grid.
// @include common/bindings.wgsl
// @include conv-common.wgsl
// @include common/sparse-input.wgsl

struct U {
  x: Flow,     // sparse flow [G][M][nC][H][W]; x.tan = 0: no input change
  y: Flow,
  w: Ref,      // checkpoint W [O][C][KH][KW]
  dwd: Ref,    // ΔW on Cin
  dwt: Ref,    // Ẇ on Cin
  bd: Ref,     // Δb [G][O]
  bt: Ref,     // ḃ  [G][O]
  G: u32,
  M: u32,
  C: u32,
  H: u32,
  W: u32,
  O: u32,
  KH: u32,
  KW: u32,
  SH: u32,
  SW: u32,
  PH: u32,
  PW: u32,
  OH: u32,
  OW: u32,
  nC: u32,
  idxOff: u32,  // Cin in idx
  bInOff: u32,
  bOutOff: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let plane = u.OH * u.OW;
  let perG = u.M * u.O * plane;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  let q = convAt(i - g * perG);
  let inPlane = u.H * u.W;
  let kk = u.KH * u.KW;
  var acc = vec2<f32>(0.0, 0.0);
  for (var a = 0u; a < u.nC; a = a + 1u) {
    let c = idx[u.idxOff + a];
    let xb = u.bInOff + (q.m * u.C + c) * inPlane;
    let fo = g * u.x.gs + (q.m * u.nC + a) * inPlane;
    let wc = (q.o * u.C + c) * kk;
    let pc = (q.o * u.nC + a) * kk;
    for (var ki = 0u; ki < u.KH; ki = ki + 1u) {
      let yy = convRow(q.oy, ki);
      if (yy < 0) {
        continue;
      }
      for (var kj = 0u; kj < u.KW; kj = kj + 1u) {
        let xx = convCol(q.ox, kj);
        if (xx < 0) {
          continue;
        }
        let at = u32(yy) * u.W + u32(xx);
        let tap = ki * u.KW + kj;
        acc = sparseAcc(acc, u.x, xb + at, fo + at, pload(u.w, g, wc + tap), pload(u.dwd, g, pc + tap), pload(u.dwt, g, pc + tap));
      }
    }
  }
  let mo = (q.m * u.O + q.o) * plane + q.p;
  sparseStore(u.y, g * u.y.gs + mo, baseOut[u.bOutOff + mo], acc, pload(u.bd, g, q.o), pload(u.bt, g, q.o));
}
