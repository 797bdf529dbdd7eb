// Learned positions: y = x + P[0:T], ẏ = ẋ + Ṗ[0:T], over G queries × M samples × (T·D).
// P's first T·D elements are positions 0..T−1 ([Tmax, D] and [1, Tmax, D] alike).
// One invocation per element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  p: Ref,
  dp: Ref,
  G: u32,
  M: u32,
  F: u32,   // T × D elements per sample
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  let per = u.M * u.F;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let f = r % u.F;
  let ex = g * u.x.gs + r;
  let o = g * u.y.gs + r;
  dst[u.y.off + o] = src[u.x.off + ex] + pload(u.p, g, f);
  if (u.y.tan != 0u) {
    var t = pload(u.dp, g, f);
    if (u.x.tan != 0u) {
      t = t + src[u.x.toff + ex];
    }
    dst[u.y.toff + o] = t;
  }
}
