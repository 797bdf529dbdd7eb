// A slice of the last axis: y[r, c] = x[r, start + c], ẏ likewise, over G queries × rows (M
// samples × the leading axes) × L. One invocation per output element.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  rows: u32,  // rows per query: M × the product of the leading axes
  F: u32,     // input last axis
  L: u32,     // output last axis
  start: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  let per = u.rows * u.L;
  if (i >= u.G * per) {
    return;
  }
  let g = i / per;
  let r = i - g * per;
  let row = r / u.L;
  let c = r - row * u.L;
  let ex = g * u.x.gs + row * u.F + u.start + c;
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
