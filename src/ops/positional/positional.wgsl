// Learned positions: y = x + P[0:T], ẏ = ẋ + Ṗ[0:T], over G queries × M samples × (T·D): P's first
// T·D elements are positions 0..T−1 ([Tmax, D] and [1, Tmax, D] alike), period T·D
// (common/pointwise-tensor.wgsl).
// @include common/pointwise-tensor.wgsl

fn combine(a: Operand, b: Operand) -> vec2<f32> {
  return sumOf(a, b);
}
