// Conv2d whose input changed only on a few whole channels (the support of a sparse flow, as left
// by a conv that started a scan on some output channels, and the activations after it). With
// x' = x̂ + d on the channels Cin (x̂ the cached input, ŷ the cached output):
//   y' = ŷ + Σ_{a,i,j} (W[o,Cin_a,i,j]·d_a + ΔW[o,a,i,j]·x'_a) + Δb[o]
//   ẏ  = Σ_{a,i,j} ((W[o,Cin_a,i,j] + ΔW[o,a,i,j])·ṫ_a + Ẇ[o,a,i,j]·x'_a) + ḃ[o]
// (conv is bilinear: W'⋆x' − Ŵ⋆x̂ = Ŵ⋆(x' − x̂) + ΔW⋆x'), ΔW and Ẇ restricted to the input
// channels Cin ([G][O][nC][KH][KW]). The output is dense: [G][M][O][OH][OW].
// One invocation per output element, 1-D over a 2-D grid.
// @include common/bindings.wgsl

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
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  let plane = u.OH * u.OW;
  let perM = u.O * plane;
  let perG = u.M * perM;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  var r = i - g * perG;
  let m = r / perM;
  r = r - m * perM;
  let o = r / plane;
  let p = r - o * plane;
  let oy = p / u.OW;
  let ox = p - oy * u.OW;
  let hasFlow = u.x.tan != 0u;
  let inPlane = u.H * u.W;
  let kk = u.KH * u.KW;
  var dv = 0.0;
  var tv = 0.0;
  for (var a = 0u; a < u.nC; a = a + 1u) {
    let c = idx[u.idxOff + a];
    let xb = u.bInOff + (m * u.C + c) * inPlane;
    let fo = g * u.x.gs + (m * u.nC + a) * inPlane;
    let wc = (o * u.C + c) * kk;
    let pc = (o * u.nC + a) * kk;
    for (var ki = 0u; ki < u.KH; ki = ki + 1u) {
      let yy = i32(oy * u.SH + ki) - i32(u.PH);
      if (yy < 0 || yy >= i32(u.H)) {
        continue;
      }
      for (var kj = 0u; kj < u.KW; kj = kj + 1u) {
        let xx = i32(ox * u.SW + kj) - i32(u.PW);
        if (xx < 0 || xx >= i32(u.W)) {
          continue;
        }
        let at = u32(yy) * u.W + u32(xx);
        var xv = baseIn[xb + at];
        var d = 0.0;
        var t = 0.0;
        if (hasFlow) {
          d = src[u.x.off + fo + at];
          t = src[u.x.toff + fo + at];
          xv = xv + d;
        }
        let w = pload(u.w, g, wc + ki * u.KW + kj);
        let dW = pload(u.dwd, g, pc + ki * u.KW + kj);
        dv = dv + w * d + dW * xv;
        tv = tv + (w + dW) * t + pload(u.dwt, g, pc + ki * u.KW + kj) * xv;
      }
    }
  }
  let out = g * u.y.gs + (m * u.O + o) * plane + p;
  dst[u.y.off + out] = baseOut[u.bOutOff + (m * u.O + o) * plane + p] + dv + pload(u.bd, g, o);
  if (u.y.tan != 0u) {
    dst[u.y.toff + out] = tv + pload(u.bt, g, o);
  }
}
