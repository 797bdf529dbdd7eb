// Layer scale: y = x ⊙ γ, ẏ = ẋ ⊙ γ + x ⊙ γ̇ (γ on the last axis, per query where patched), over
// G queries × M samples × F elements. One invocation per element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  g: Ref,
  dg: Ref,
  G: u32,
  M: u32,
  F: u32,
  D: u32,
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
  let c = r % u.D;
  let ex = g * u.x.gs + r;
  let o = g * u.y.gs + r;
  let xv = src[u.x.off + ex];
  let gv = pload(u.g, g, c);
  dst[u.y.off + o] = xv * gv;
  if (u.y.tan != 0u) {
    var t = xv * pload(u.dg, g, c);
    if (u.x.tan != 0u) {
      t = t + src[u.x.toff + ex] * gv;
    }
    dst[u.y.toff + o] = t;
  }
}
