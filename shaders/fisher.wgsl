// The per-sample Fisher quadratic form of the output tangent, summed over the samples of each
// query on the GPU (METHOD §1):
//   regression      ‖ż‖²
//   classification  Var_{c∼softmax(z)}[ż_c] = Σ_c p_c (ż_c − Σ p ż)²   (centred form)
// z, ż: [G][M][out]. Dispatch (nBlocks, G), workgroup 256: block b of query g sums samples
// b·256 … b·256+255 by a tree reduction and writes dst[outOff + g·nBlocks + b]; the engine
// adds the blocks in f64.
// @include common/bindings.wgsl

struct U {
  x: Flow,
  G: u32,
  M: u32,
  width: u32,
  head: u32,   // 0 regression, 1 classification
  nBlocks: u32,
  outOff: u32,
}
@group(0) @binding(0) var<uniform> u: U;

var<workgroup> part: array<f32, 256>;

fn perSample(zo: u32, to: u32) -> f32 {
  if (u.head == 0u) {
    var acc = 0.0;
    for (var c = 0u; c < u.width; c = c + 1u) {
      let t = src[to + c];
      acc = acc + t * t;
    }
    return acc;
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
  var v = 0.0;
  for (var c = 0u; c < u.width; c = c + 1u) {
    let d = src[to + c] - e1;
    v = v + exp(src[zo + c] - mx) * d * d;
  }
  return v / s;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = wid.y;
  let m = wid.x * 256u + lid.x;
  var f = 0.0;
  if (m < u.M) {
    let e = g * u.x.gs + m * u.width;
    f = perSample(u.x.off + e, u.x.toff + e);
  }
  part[lid.x] = f;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      part[lid.x] = part[lid.x] + part[lid.x + s];
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    dst[u.outOff + g * u.nBlocks + wid.x] = part[0];
  }
}

// Without workgroup memory or barriers (for CPU implementations, see linear.wgsl): one
// invocation per (query, block) sums the block's samples in order. Dispatch: 1-D over G·nBlocks.
@compute @workgroup_size(256)
fn main_simple(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_id) lid: vec3<u32>) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.G * u.nBlocks) {
    return;
  }
  let g = i / u.nBlocks;
  let b = i - g * u.nBlocks;
  let end = min(u.M, (b + 1u) * 256u);
  var acc = 0.0;
  for (var m = b * 256u; m < end; m = m + 1u) {
    let e = g * u.x.gs + m * u.width;
    acc = acc + perSample(u.x.off + e, u.x.toff + e);
  }
  dst[u.outOff + i] = acc;
}
