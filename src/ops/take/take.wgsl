// One position of a sequence: y = x[t], ẏ = ẋ[t], over G queries × M samples × D.
// One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  T: u32,
  D: u32,
  t: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  let per = u.M * u.D;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let m = r / u.D;
  let d = r - m * u.D;
  let ex = g * u.x.gs + (m * u.T + u.t) * u.D + d;
  let o = g * u.y.gs + r;
  dst[u.y.off + o] = src[u.x.off + ex];
  if (u.y.tan != 0u) {
    var t = 0.0;
    if (u.x.tan != 0u) {
      t = src[u.x.toff + ex];
    }
    dst[u.y.toff + o] = t;
  }
}
