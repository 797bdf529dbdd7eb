// The elementwise binary ops y = a ∘ b, ẏ = ∂∘/∂a·ȧ + ∂∘/∂b·ḃ, over G queries × `per` elements each:
// add and mul (b a second flow), positional and scale (b a tensor repeating every `period`
// elements, patched per query). a is the input flow `u.x` (in `src`), y the output `u.y`.
// The including kernel declares its uniform `u` (fields x, y, G, per and what its b needs) and
//   fn operandB(g: u32, r: u32) -> Operand         b at element r of query g
//   fn combine(a: Operand, b: Operand) -> vec2<f32>  (y, ẏ): `sumOf` or `productOf` below
// One invocation per element, 1-D over a 2-D grid.
// @include common/bindings.wgsl

// A value, its tangent (0 when absent) and whether the tangent is present.
struct Operand {
  v: f32,
  t: f32,
  has: bool,
}

fn sumOf(a: Operand, b: Operand) -> vec2<f32> {
  return vec2<f32>(a.v + b.v, a.t + b.t);
}

// An absent tangent contributes nothing (not 0·b, which is NaN where b is infinite).
fn productOf(a: Operand, b: Operand) -> vec2<f32> {
  var t = 0.0;
  if (a.has) {
    t = t + a.t * b.v;
  }
  if (b.has) {
    t = t + a.v * b.t;
  }
  return vec2<f32>(a.v * b.v, t);
}

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  if (i >= u.G * u.per) {
    return;
  }
  let g = i / u.per;
  let r = i - g * u.per;
  let e = g * u.x.gs + r;
  let y = combine(Operand(src[u.x.off + e], srcTangent(u.x, e), u.x.tan != 0u), operandB(g, r));
  storeFlow(u.y, g * u.y.gs + r, y.x, y.y);
}
