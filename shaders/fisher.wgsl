// The per-sample Fisher quadratic form of the output tangent, summed over the samples of each
// query on the GPU (METHOD §1):
//   regression      ‖ż‖²
//   classification  Var_{c∼softmax(z)}[ż_c] = Σ_c p_c (ż_c − Σ p ż)²   (centred form)
//   logits          ‖ż − mean ż‖²   (Gaussian on the centred logits)
// in *log space*: a confident classifier has p_c ≈ e^{−200} for the other classes, so F is far
// below the smallest f32 (1e-45) while the f64 reference reads, say, 1e-100 — and a value that
// underflows to exactly 0 would read as "exactly zero" (an inactive direction). Each sample gives
// log F_s (log p_c + 2·log|ż_c − E ż| combined by log-sum-exp; NEG_BIG for an exact 0), and each
// block of 256 samples gives (max log, Σ exp(log − max)); the engine adds exp(max)·Σ in f64.
// z, ż: [G][M][out]. Output: dst[outOff + 2·(g·nBlocks + b) + {0, 1}].
// @include common/bindings.wgsl

struct U {
  x: Flow,
  G: u32,
  M: u32,
  width: u32,
  head: u32,   // 0 regression, 1 classification, 2 centred logits
  nBlocks: u32,
  outOff: u32,
}
@group(0) @binding(0) var<uniform> u: U;

// log 0: below any real log F (f32 logs lie in ±104, f64 ones the engine keeps in ±745)
const NEG_BIG: f32 = -1.0e30;

var<workgroup> lmax: array<f32, 256>;
var<workgroup> lsum: array<f32, 256>;

// log-sum-exp accumulator: (max, Σ exp(· − max))
fn lseAdd(acc: vec2<f32>, l: f32) -> vec2<f32> {
  if (l <= NEG_BIG) {
    return acc;
  }
  if (acc.x <= NEG_BIG) {
    return vec2<f32>(l, 1.0);
  }
  if (l > acc.x) {
    return vec2<f32>(l, acc.y * exp(acc.x - l) + 1.0);
  }
  return vec2<f32>(acc.x, acc.y + exp(l - acc.x));
}

fn lseMerge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  if (b.x <= NEG_BIG) {
    return a;
  }
  if (a.x <= NEG_BIG) {
    return b;
  }
  if (b.x > a.x) {
    return vec2<f32>(b.x, a.y * exp(a.x - b.x) + b.y);
  }
  return vec2<f32>(a.x, a.y + b.y * exp(b.x - a.x));
}

// log F_s of one sample (NEG_BIG when F_s = 0 exactly).
fn perSampleLog(zo: u32, to: u32) -> f32 {
  var acc = vec2<f32>(NEG_BIG, 0.0);
  if (u.head != 1u) {
    // regression: ‖ż‖²; centred logits: ‖ż − mean ż‖² (scaled by the largest entry: no underflow)
    var centre = 0.0;
    if (u.head == 2u) {
      for (var c = 0u; c < u.width; c = c + 1u) {
        centre = centre + src[to + c];
      }
      centre = centre / f32(u.width);
    }
    var m = 0.0;
    for (var c = 0u; c < u.width; c = c + 1u) {
      m = max(m, abs(src[to + c] - centre));
    }
    if (m == 0.0) {
      return NEG_BIG;
    }
    var s = 0.0;
    for (var c = 0u; c < u.width; c = c + 1u) {
      let r = (src[to + c] - centre) / m;
      s = s + r * r;
    }
    return 2.0 * log(m) + log(s);
  }
  var mx = src[zo];
  for (var c = 1u; c < u.width; c = c + 1u) {
    mx = max(mx, src[zo + c]);
  }
  var s = 0.0;
  var e1 = 0.0;
  for (var c = 0u; c < u.width; c = c + 1u) {
    let e = exp(src[zo + c] - mx);
    s = s + e;
    e1 = e1 + e * src[to + c];
  }
  e1 = e1 / s;
  let logS = log(s);
  for (var c = 0u; c < u.width; c = c + 1u) {
    let d = abs(src[to + c] - e1);
    if (d > 0.0) {
      acc = lseAdd(acc, (src[zo + c] - mx - logS) + 2.0 * log(d));
    }
  }
  if (acc.x <= NEG_BIG) {
    return NEG_BIG;
  }
  return acc.x + log(acc.y);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.y;
  let m = wid.x * 256u + lid.x;
  var l = NEG_BIG;
  if (m < u.M) {
    let e = g * u.x.gs + m * u.width;
    l = perSampleLog(u.x.off + e, u.x.toff + e);
  }
  var a = lseAdd(vec2<f32>(NEG_BIG, 0.0), l);
  lmax[lid.x] = a.x;
  lsum[lid.x] = a.y;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      let merged = lseMerge(vec2<f32>(lmax[lid.x], lsum[lid.x]), vec2<f32>(lmax[lid.x + s], lsum[lid.x + s]));
      lmax[lid.x] = merged.x;
      lsum[lid.x] = merged.y;
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    let o = u.outOff + 2u * (g * u.nBlocks + wid.x);
    dst[o] = lmax[0];
    dst[o + 1u] = lsum[0];
  }
}

// Without workgroup memory or barriers (for CPU implementations, see linear.wgsl): one
// invocation per (query, block) accumulates the block's samples in order. 1-D over G·nBlocks.
@compute @workgroup_size(256)
fn main_simple(grid: Grid1D) {
  let i = flatIndex(grid);
  if (i >= u.G * u.nBlocks) {
    return;
  }
  let g = i / u.nBlocks;
  let b = i - g * u.nBlocks;
  let end = min(u.M, (b + 1u) * 256u);
  var acc = vec2<f32>(NEG_BIG, 0.0);
  for (var m = b * 256u; m < end; m = m + 1u) {
    let e = g * u.x.gs + m * u.width;
    acc = lseAdd(acc, perSampleLog(u.x.off + e, u.x.toff + e));
  }
  dst[u.outOff + 2u * i] = acc.x;
  dst[u.outOff + 2u * i + 1u] = acc.y;
}
