// Product y = a ⊙ b, ẏ = ȧ ⊙ b + a ⊙ ḃ, over G queries × (M samples × F features); a and b two
// flows (common/pointwise-flows.wgsl).
// @include common/pointwise-flows.wgsl

fn combine(a: Operand, b: Operand) -> vec2<f32> {
  return productOf(a, b);
}
