// Max pooling with tangent routing: the output takes the first maximal input of its window
// (row-major scan, strict >), and its tangent is the tangent of that same input.
// x [G][M][C][H][W] → y [G][M][C][OH][OW]; one invocation per output, 1-D over a 2-D grid.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  G: u32,
  M: u32,
  C: u32,
  H: u32,
  W: u32,
  K: u32,
  S: u32,
  OH: u32,
  OW: u32,
}
@group(0) @binding(0) var<uniform> u: U;

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  let plane = u.OH * u.OW;
  let perG = u.M * u.C * plane;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  let r = i - g * perG;
  let mc = r / plane;          // m·C + c
  let p = r - mc * plane;
  let oy = p / u.OW;
  let ox = p - oy * u.OW;
  let xb = g * u.x.gs + mc * u.H * u.W;
  var best = 0.0;
  var at = 0xffffffffu;
  for (var a = 0u; a < u.K; a = a + 1u) {
    for (var b = 0u; b < u.K; b = b + 1u) {
      let k = xb + (oy * u.S + a) * u.W + (ox * u.S + b);
      let v = src[u.x.off + k];
      if (at == 0xffffffffu || v > best) {
        best = v;
        at = k;
      }
    }
  }
  copyElement(u.x, at, u.y, g * u.y.gs + r);
}
