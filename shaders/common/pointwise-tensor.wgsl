// The uniform and the b operand of the elementwise ops whose b is a tensor P (positional, scale):
// P[r mod period] with tangent Ṗ (patched per query; an absent Ṗ reads 0).
// @include common/pointwise.wgsl

struct U {
  x: Flow,
  y: Flow,
  p: Ref,
  dp: Ref,
  G: u32,
  per: u32,     // elements per query: M samples × the input's size
  period: u32,  // P's elements used, repeated along the leading axes
}
@group(0) @binding(0) var<uniform> u: U;

fn operandB(g: u32, r: u32) -> Operand {
  let k = r % u.period;
  return Operand(pload(u.p, g, k), pload(u.dp, g, k), true);
}
