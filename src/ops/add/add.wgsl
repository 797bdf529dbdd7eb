// Residual add: y = a + b, ẏ = ȧ + ḃ, over G queries × (M samples × F features); a and b two
// flows (common/pointwise-flows.wgsl).
// @include common/pointwise-flows.wgsl

fn combine(a: Operand, b: Operand) -> vec2<f32> {
  return sumOf(a, b);
}
