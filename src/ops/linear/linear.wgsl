// Linear forward + tangent, tiled matmul over a batch of G queries × M samples:
//   y  = x·Wᵀ + b
//   dy = dx·Wᵀ + x·dWᵀ + db          (the tangent is its own quantity, never a difference)
// W[c, k] is read in its stored layout (src/ops/linear/definition.ts, linearStrides): at
//   ⌊c / blk⌋·blkStride + (c mod blk)·outStride + k·inStride   ([out, in]: c·inF + k).
// x is [G][M][inF] (or shared, gs = 0: the cached probe activations), W is [outF][inF] per
// query (gs > 0, a patched tensor) or shared (gs = 0). With W = ΔW restricted to some rows
// and b = Δb the same kernel gives the *change* of the output on those rows (the sparse start
// of a scan, see engine.ts).
// Dispatch: (ceil(outF/16), ceil(M/16), G), workgroup 16×16, one output per invocation.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  y: Flow,
  w: Ref,
  b: Ref,
  dw: Ref,
  db: Ref,
  M: u32,
  inF: u32,
  outF: u32,
  G: u32,
  blk: u32,
  blkStride: u32,
  outStride: u32,
  inStride: u32,
}
@group(0) @binding(0) var<uniform> u: U;

const T: u32 = 16u;

// stored index of W[c, 0]
fn rowStart(c: u32) -> u32 {
  return (c / u.blk) * u.blkStride + (c % u.blk) * u.outStride;
}
var<workgroup> xs: array<f32, 256>; // x tile  [row][k]
var<workgroup> ds: array<f32, 256>; // dx tile [row][k]
var<workgroup> ws: array<f32, 256>; // W tile  [col][k]
var<workgroup> vs: array<f32, 256>; // dW tile [col][k]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.z;
  let row0 = wid.y * T;
  let col0 = wid.x * T;
  let tangent = u.y.tan != 0u;
  let hasDx = u.x.tan != 0u;
  let hasDw = u.dw.on != 0u;
  let xg = u.x.off + g * u.x.gs;
  let dxg = u.x.toff + g * u.x.gs;
  var acc = 0.0;
  var tacc = 0.0;
  let lt = lid.y * T + lid.x;
  for (var k0 = 0u; k0 < u.inF; k0 = k0 + T) {
    let k = k0 + lid.x;
    // x tile element (row0 + lid.y, k)
    let r = row0 + lid.y;
    var xv = 0.0;
    var dv = 0.0;
    if (r < u.M && k < u.inF) {
      xv = src[xg + r * u.inF + k];
      if (tangent && hasDx) {
        dv = src[dxg + r * u.inF + k];
      }
    }
    xs[lt] = xv;
    ds[lt] = dv;
    // W tile element (col0 + lid.y, k)
    let c = col0 + lid.y;
    var wv = 0.0;
    var vv = 0.0;
    if (c < u.outF && k < u.inF) {
      let wi = rowStart(c) + k * u.inStride;
      wv = pload(u.w, g, wi);
      if (tangent && hasDw) {
        vv = pload(u.dw, g, wi);
      }
    }
    ws[lt] = wv;
    vs[lt] = vv;
    workgroupBarrier();
    let xr = lid.y * T;
    let wr = lid.x * T;
    for (var kk = 0u; kk < T; kk = kk + 1u) {
      let xk = xs[xr + kk];
      let wk = ws[wr + kk];
      acc = acc + xk * wk;
      tacc = tacc + ds[xr + kk] * wk + xk * vs[wr + kk];
    }
    workgroupBarrier();
  }
  let row = row0 + lid.y;
  let col = col0 + lid.x;
  if (row < u.M && col < u.outF) {
    storeFlow(u.y, g * u.y.gs + row * u.outF + col, acc + pload(u.b, g, col), tacc + pload(u.db, g, col));
  }
}

// acc + Σ_k src[xo + k]·R[ro + k·inStride] over k < inF, added in order, R the buffer of r
// (f32 params, patches, or 16-bit params; the branch is taken once, outside the loop).
fn dotRow(acc: f32, xo: u32, r: Ref, ro: u32) -> f32 {
  var s = acc;
  let si = u.inStride;
  if (r.src == 0u) {
    for (var k = 0u; k < u.inF; k = k + 1u) {
      s = s + src[xo + k] * bitcast<f32>(params[ro + k * si]);
    }
  } else if (r.src == 1u) {
    for (var k = 0u; k < u.inF; k = k + 1u) {
      s = s + src[xo + k] * patches[ro + k * si];
    }
  } else {
    for (var k = 0u; k < u.inF; k = k + 1u) {
      s = s + src[xo + k] * paramAt(r.src, ro + k * si);
    }
  }
  return s;
}

// The same job without workgroup memory or barriers: one invocation per output. On CPU
// implementations of WebGPU (SwiftShader) every invocation of a workgroup that uses a barrier
// becomes a coroutine, which costs more than the whole product for narrow layers; the engine
// picks this entry point there (GpuContext.cpuLike). Dispatch: 1-D over G·M·outF.
@compute @workgroup_size(256)
fn main_simple(grid: Grid1D) {
  let i = flatIndex(grid);
  let perG = u.M * u.outF;
  if (i >= u.G * perG) {
    return;
  }
  let g = i / perG;
  let r = i - g * perG;
  let row = r / u.outF;
  let col = r - row * u.outF;
  let tangent = u.y.tan != 0u;
  let xo = u.x.off + g * u.x.gs + row * u.inF;
  let wo = u.w.off + g * u.w.gs + rowStart(col);
  var acc = 0.0;
  if (u.w.on != 0u) {
    acc = dotRow(acc, xo, u.w, wo);
  }
  var tacc = 0.0;
  if (tangent) {
    if (u.x.tan != 0u && u.w.on != 0u) {
      let dxo = u.x.toff + g * u.x.gs + row * u.inF;
      tacc = dotRow(tacc, dxo, u.w, wo);
    }
    if (u.dw.on != 0u) {
      let vo = u.dw.off + g * u.dw.gs + rowStart(col);
      tacc = dotRow(tacc, xo, u.dw, vo);
    }
  }
  storeFlow(u.y, g * u.y.gs + row * u.outF + col, acc + pload(u.b, g, col), tacc + pload(u.db, g, col));
}
