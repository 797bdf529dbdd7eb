// Concatenation along the last axis: y[r, c] = a[r, c] for c < Fa, b[r, c − Fa] after, ẏ likewise,
// over G queries × rows (M samples × the leading axes) × (Fa + Fb). a is bound as `src`, b as
// `baseIn`, each with its own Flow (a value the batch does not change: gs = 0, no tangent).
// One invocation per output element.
// @include common/bindings.wgsl

struct U {
  a: Flow,
  b: Flow,
  y: Flow,
  G: u32,
  rows: u32,  // rows per query: M × the product of the leading axes
  Fa: u32,
  Fb: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  let F = u.Fa + u.Fb;
  let per = u.rows * F;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let row = r / F;
  let c = r - row * F;
  let o = g * u.y.gs + r;
  var v = 0.0;
  var t = 0.0;
  if (c < u.Fa) {
    let e = g * u.a.gs + row * u.Fa + c;
    v = src[u.a.off + e];
    if (u.a.tan != 0u) {
      t = src[u.a.toff + e];
    }
  } else {
    let e = g * u.b.gs + row * u.Fb + (c - u.Fa);
    v = baseIn[u.b.off + e];
    if (u.b.tan != 0u) {
      t = baseIn[u.b.toff + e];
    }
  }
  dst[u.y.off + o] = v;
  if (u.y.tan != 0u) {
    dst[u.y.toff + o] = t;
  }
}
