// LayerNorm over the last axis with its JVP (common/row-norm.wgsl, centred).
// @include common/row-norm.wgsl

const CENTRED: bool = true;
