// The bilinear update shared by the ops fed by a sparse flow (linear-sparse.wgsl,
// conv2d-sparse.wgsl): the input changed only on a support, x' = x̂ + d there (x̂ the cached
// input in baseIn, d and its tangent ṫ in the flow), and the patch is restricted to the support:
//   y' = ŷ + Σ (W·d + ΔW·x') + Δb,   ẏ = Σ ((W + ΔW)·ṫ + Ẇ·x') + ḃ.
// @include common/bindings.wgsl

// acc = (y' − ŷ, ẏ) plus the term of one input element: cached input at baseIn[bi], flow at fi
// (d = ṫ = 0 when the flow carries no change, x.tan = 0), weights W, ΔW, Ẇ of that element.
fn sparseAcc(acc: vec2<f32>, x: Flow, bi: u32, fi: u32, w: f32, dW: f32, dWt: f32) -> vec2<f32> {
  var xv = baseIn[bi];
  var d = 0.0;
  var t = 0.0;
  if (x.tan != 0u) {
    d = src[x.off + fi];
    t = src[x.toff + fi];
    xv = xv + d;
  }
  return vec2<f32>(acc.x + w * d + dW * xv, acc.y + (w + dW) * t + dWt * xv);
}

// Writes y' = ŷ + acc.x + Δb at y's element `out` and, when y wants it, ẏ = acc.y + ḃ.
fn sparseStore(y: Flow, out: u32, yHat: f32, acc: vec2<f32>, bd: f32, bt: f32) {
  storeFlow(y, out, yHat + acc.x + bd, acc.y + bt);
}
