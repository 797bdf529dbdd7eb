// Residual add: y = a + b, ẏ = ȧ + ḃ, over G queries × (M samples × F features).
// a is bound as `src`, b as `baseIn` (the layout's second read-only buffer), each with its own
// Flow: a value the batch does not change is read from the cache (gs = 0, no tangent).
// One invocation per element, 1-D job over a 2-D grid.
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
  dst[u.y.off + o] = src[u.a.off + ea] + baseIn[u.b.off + eb];
  if (u.y.tan != 0u) {
    var t = 0.0;
    if (u.a.tan != 0u) {
      t = t + src[u.a.toff + ea];
    }
    if (u.b.tan != 0u) {
      t = t + baseIn[u.b.toff + eb];
    }
    dst[u.y.toff + o] = t;
  }
}
