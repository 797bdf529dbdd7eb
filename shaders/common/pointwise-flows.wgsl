// The uniform and the b operand of the elementwise ops of two flows (add, mul): b is bound as
// `baseIn` (the layout's second read-only buffer) with its own Flow; an input the batch does not
// change is read from the cache (gs = 0, no tangent).
// @include common/pointwise.wgsl

struct U {
  x: Flow,
  b: Flow,
  y: Flow,
  G: u32,
  per: u32,   // M × F elements per query
}
@group(0) @binding(0) var<uniform> u: U;

fn operandB(g: u32, r: u32) -> Operand {
  let e = g * u.b.gs + r;
  var t = 0.0;
  if (u.b.tan != 0u) {
    t = baseIn[u.b.toff + e];
  }
  return Operand(baseIn[u.b.off + e], t, u.b.tan != 0u);
}
