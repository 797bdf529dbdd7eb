// Product y = a ⊙ b, ẏ = ȧ ⊙ b + a ⊙ ḃ, over G queries × (M samples × F features).
// a is bound as `src`, b as `baseIn`, each with its own Flow (an input the batch does not change
// is read from the cache with gs = 0 and no tangent). One invocation per element.
// @include common/bindings.wgsl

struct U {
  a: Flow,
  b: Flow,
  y: Flow,
  G: u32,
  per: u32,   // M × F elements per query
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.G * u.per) {
    return;
  }
  let g = i / u.per;
  let r = i - g * u.per;
  let ea = g * u.a.gs + r;
  let eb = g * u.b.gs + r;
  let o = g * u.y.gs + r;
  let av = src[u.a.off + ea];
  let bv = baseIn[u.b.off + eb];
  dst[u.y.off + o] = av * bv;
  if (u.y.tan != 0u) {
    var t = 0.0;
    if (u.a.tan != 0u) {
      t = t + src[u.a.toff + ea] * bv;
    }
    if (u.b.tan != 0u) {
      t = t + av * baseIn[u.b.toff + eb];
    }
    dst[u.y.toff + o] = t;
  }
}
