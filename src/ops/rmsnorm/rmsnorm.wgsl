// RMSNorm over the last axis with its JVP: n = x/√(mean(x²) + ε), y = γ⊙n, ṅ = (ẋ − n·mean(n⊙ẋ))/√(mean(x²) + ε)
// (common/row-norm.wgsl, not centred: μ = 0 and no β).
// @include common/row-norm.wgsl

const CENTRED: bool = false;
