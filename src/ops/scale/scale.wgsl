// Layer scale: y = x ⊙ γ, ẏ = ẋ ⊙ γ + x ⊙ γ̇, γ on the last axis (period D, per query where
// patched), over G queries × M samples × F elements (common/pointwise-tensor.wgsl).
// @include common/pointwise-tensor.wgsl

fn combine(a: Operand, b: Operand) -> vec2<f32> {
  return productOf(a, b);
}
