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
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
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
  if (c < u.Fa) {
    copyElement(u.a, g * u.a.gs + row * u.Fa + c, u.y, o);
    return;
  }
  let e = g * u.b.gs + row * u.Fb + (c - u.Fa);
  var t = 0.0;
  if (u.b.tan != 0u) {
    t = baseIn[u.b.toff + e];
  }
  storeFlow(u.y, o, baseIn[u.b.off + e], t);
}
