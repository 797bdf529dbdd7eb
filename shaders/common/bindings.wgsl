// Shared bind-group layout of every deadscope kernel (one explicit layout for all pipelines).
//
//   binding 0  uniform  u        the kernel's own struct U (declared by the kernel)
//   binding 1  read     src      input flow: value at x.off, tangent at x.toff, groups x.gs apart
//   binding 2  rw       dst      output flow (or the Fisher partial sums)
//   binding 3  read     params   every checkpoint tensor in its stored dtype, at fixed offsets:
//                                 f32 one word per element, F16/BF16 two elements per word
//                                 (the file's little-endian order: element k in the low half
//                                 when k is even); Ref.src says which
//   binding 4  read     patches  this batch's per-query patches (deltas, values, tangents)
//   binding 5  read     baseIn   cached activations at the op's input (from prepare)
//   binding 6  read     baseOut  cached activations at the op's output (from prepare)
//   binding 7  read     idx      index lists (supports, position maps, channel lists)
//
// All offsets and strides are in elements (a 16-bit tensor's offset counts half-words). A "group" is one query of the batch; a
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
  src: u32,   // 0 = params (f32), 1 = patch (f32), 2 = params (F16), 3 = params (BF16)
  off: u32,
  gs: u32,    // 0 = shared by every query
  on: u32,    // 0 = absent (reads as 0)
}

@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<u32>;
@group(0) @binding(4) var<storage, read> patches: array<f32>;
@group(0) @binding(5) var<storage, read> baseIn: array<f32>;
@group(0) @binding(6) var<storage, read> baseOut: array<f32>;
@group(0) @binding(7) var<storage, read> idx: array<u32>;

const NONE: u32 = 0xffffffffu;

// An f16's value from its bits, exactly (no reliance on unpack2x16float's handling of
// subnormals): normals and ±∞/NaN by moving the fields into a float32, subnormals m · 2^-24.
fn f16Value(h: u32) -> f32 {
  let sign = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) {
    return select(1.0, -1.0, sign != 0u) * f32(m) * 5.9604644775390625e-8;
  }
  if (e == 31u) {
    return bitcast<f32>(sign | 0x7f800000u | (m << 13u));
  }
  return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u));
}

// Element k of a checkpoint tensor held in params with stored dtype `kind` (Ref.src 0, 2 or 3).
fn paramAt(kind: u32, k: u32) -> f32 {
  if (kind == 0u) {
    return bitcast<f32>(params[k]);
  }
  let w = params[k >> 1u];
  let h = select(w & 0xffffu, w >> 16u, (k & 1u) == 1u);
  if (kind == 2u) {
    return f16Value(h);
  }
  // bf16 is the high half of a float32
  return bitcast<f32>(h << 16u);
}

fn pload(r: Ref, g: u32, i: u32) -> f32 {
  if (r.on == 0u) {
    return 0.0;
  }
  let k = r.off + g * r.gs + i;
  if (r.src == 1u) {
    return patches[k];
  }
  return paramAt(r.src, k);
}

// pload with a default for an absent tensor (a LayerNorm/BatchNorm without γ reads 1).
fn ploadOr(r: Ref, g: u32, i: u32, dflt: f32) -> f32 {
  if (r.on == 0u) {
    return dflt;
  }
  return pload(r, g, i);
}

// The builtins of a 1-D job laid over a 2-D grid of 256-wide workgroups (the Recorder's
// dispatch1D): a kernel's entry point takes `grid: Grid1D` and calls flatIndex(grid).
struct Grid1D {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
}

// Flat invocation index of a 1-D job.
fn flatIndex(grid: Grid1D) -> u32 {
  return (grid.wid.y * grid.nwg.x + grid.wid.x) * 256u + grid.lid.x;
}

// The tangent of flow x at element e, 0 when x carries none.
fn srcTangent(x: Flow, e: u32) -> f32 {
  if (x.tan == 0u) {
    return 0.0;
  }
  return src[x.toff + e];
}

// Writes value v at element o of flow y and, when y wants a tangent, t.
fn storeFlow(y: Flow, o: u32, v: f32, t: f32) {
  dst[y.off + o] = v;
  if (y.tan != 0u) {
    dst[y.toff + o] = t;
  }
}

// Element e of x (value and tangent) to element o of y: the ops that only move elements.
fn copyElement(x: Flow, e: u32, y: Flow, o: u32) {
  storeFlow(y, o, src[x.off + e], srcTangent(x, e));
}
