// Conv2d forward + tangent (direct convolution, cross-correlation as in PyTorch):
//   y[o]  = b[o] + Σ_{c,i,j} W[o,c,i,j]·x[c, oy·sh − ph + i, ox·sw − pw + j]
//   dy[o] = db[o] + Σ W·dx + Σ dW·x       (bilinear in (x, W): the tangent is its own quantity)
// x [G][M][C][H][W] (or shared, gs = 0), y [G][M][O][OH][OW]. W is [O][C][KH][KW] per query or
// shared. O may be a compact list of output channels (the patch restricted to them), which with
// W = ΔW, b = Δb gives the change of those channels (the sparse start of a scan).
// One invocation per output element, 1-D job over a 2-D grid.
// @include common/bindings.wgsl
// @include conv-common.wgsl

struct U {
  x: Flow,
  y: Flow,
  w: Ref,
  b: Ref,
  dw: Ref,
  db: Ref,
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
  let tangent = u.y.tan != 0u;
  let hasDx = u.x.tan != 0u;
  let hasDw = u.dw.on != 0u;
  let inPlane = u.H * u.W;
  let xg = g * u.x.gs + q.m * u.C * inPlane;
  let kk = u.KH * u.KW;
  var acc = 0.0;
  var tacc = 0.0;
  for (var c = 0u; c < u.C; c = c + 1u) {
    let xc = xg + c * inPlane;
    let wc = (q.o * u.C + c) * kk;
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
        let at = xc + u32(yy) * u.W + u32(xx);
        let xv = src[u.x.off + at];
        let wv = pload(u.w, g, wc + ki * u.KW + kj);
        acc = acc + wv * xv;
        if (tangent) {
          if (hasDx) {
            tacc = tacc + wv * src[u.x.toff + at];
          }
          if (hasDw) {
            tacc = tacc + pload(u.dw, g, wc + ki * u.KW + kj) * xv;
          }
        }
      }
    }
  }
  let out = g * u.y.gs + (q.m * u.O + q.o) * plane + q.p;
  storeFlow(u.y, out, acc + pload(u.b, g, q.o), tacc + pload(u.db, g, q.o));
}
