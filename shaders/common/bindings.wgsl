// Shared bind-group layout of every deadscope kernel (one explicit layout for all pipelines).
//
//   binding 0  uniform  u        the kernel's own struct U (declared by the kernel)
//   binding 1  read     src      input flow: value at x.off, tangent at x.toff, groups x.gs apart
//   binding 2  rw       dst      output flow (or the Fisher partial sums)
//   binding 3  read     params   every checkpoint tensor, f32, at fixed offsets
//   binding 4  read     patches  this batch's per-query patches (deltas, values, tangents)
//   binding 5  read     baseIn   cached activations at the op's input (from prepare)
//   binding 6  read     baseOut  cached activations at the op's output (from prepare)
//   binding 7  read     idx      index lists (supports, position maps, channel lists)
//
// All offsets and strides are in f32 elements. A "group" is one query of the batch; a
// stride of 0 shares one copy across every query (the cached probe activations, the
// checkpoint's own parameters).

// A flow: value and tangent regions of one buffer.
struct Flow {
  off: u32,   // value offset
  toff: u32,  // tangent offset
  gs: u32,    // group (query) stride
  tan: u32,   // 1 when the tangent is present (input) / wanted (output)
}

// A parameter tensor reference.
struct Ref {
  src: u32,   // 0 = params, 1 = patch
  off: u32,
  gs: u32,    // 0 = shared by every query
  on: u32,    // 0 = absent (reads as 0)
}

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read> patches: array<f32>;
@group(0) @binding(5) var<storage, read> baseIn: array<f32>;
@group(0) @binding(6) var<storage, read> baseOut: array<f32>;
@group(0) @binding(7) var<storage, read> idx: array<u32>;

const NONE: u32 = 0xffffffffu;

fn pload(r: Ref, g: u32, i: u32) -> f32 {
  if (r.on == 0u) {
    return 0.0;
  }
  let k = r.off + g * r.gs + i;
  if (r.src == 0u) {
    return params[k];
  }
  return patches[k];
}

// pload with a default for an absent tensor (a LayerNorm/BatchNorm without γ reads 1).
fn ploadOr(r: Ref, g: u32, i: u32, dflt: f32) -> f32 {
  if (r.on == 0u) {
    return dflt;
  }
  return pload(r, g, i);
}

// Flat invocation index of a 1-D job laid over a 2-D grid of 256-wide workgroups.
fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid.x;
}
