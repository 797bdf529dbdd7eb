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
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
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
    dst[u.y.off + o] = pload(u.c, g, f);
    if (u.y.tan != 0u) {
      dst[u.y.toff + o] = pload(u.dc, g, f);
    }
    return;
  }
  let ex = g * u.x.gs + m * u.F + f - u.D;
  dst[u.y.off + o] = src[u.x.off + ex];
  if (u.y.tan != 0u) {
    var t = 0.0;
    if (u.x.tan != 0u) {
      t = src[u.x.toff + ex];
    }
    dst[u.y.toff + o] = t;
  }
}
