// Multi-head attention with its JVP, over G queries × M samples × H heads × T positions; one
// invocation per output row (g, m, h, t) of head width dh ≤ MAXDH:
//   S_s = scale·q′·k′_s (s ≤ t when causal),  A = softmax(S),  y = Σ_s A_s v_s
//   Ṡ_s = scale·(q̇′·k′_s + q′·k̇′_s),  ẏ = Σ_s A_s Ṡ_s v_s − (Σ_s A_s Ṡ_s)·y + Σ_s A_s v̇_s
// (the softmax JVP Ȧ = A ⊙ (Ṡ − Σ A Ṡ) folded into the sums). q′, k′ are q, k rotated by position
// (rotary: half-split pairs (i, i + dims/2) or interleaved (2i, 2i + 1), θ = p·base^(−2i/dims)).
// Head h reads key/value group ⌊h·Hkv/H⌋. q is bound as `src`, k as `baseIn`, v as `baseOut`,
// each with its own Flow (an input the batch does not change is read from the cache, gs = 0).
// Two passes over s (the row maximum, then the sums), scores recomputed in the second; one
// sin/cos per rotated pair and key.
// @include common/bindings.wgsl

struct U {
  q: Flow,
  k: Flow,
  v: Flow,
  y: Flow,
  G: u32,
  M: u32,
  T: u32,
  H: u32,
  Hkv: u32,
  dh: u32,
  causal: u32,
  rotDims: u32,      // 0 = no rotary
  interleaved: u32,
  scale: f32,
  log2Base: f32,
}
@group(0) @binding(0) var<uniform> u: U;

const MAXDH: u32 = 256u;

// The rotated pair i of a head: features (a, b) = (i, i + dims/2) half-split or (2i, 2i + 1)
// interleaved, turned by θ = p·base^(−2i/dims): (a, b) → (a·cos − b·sin, b·cos + a·sin).
fn pairAt(i: u32) -> vec2<u32> {
  if (u.interleaved != 0u) {
    return vec2<u32>(2u * i, 2u * i + 1u);
  }
  return vec2<u32>(i, i + u.rotDims / 2u);
}

fn angle(i: u32, p: u32) -> vec2<f32> {
  return sinCos(f32(p) * exp2(-f32(2u * i) / f32(u.rotDims) * u.log2Base));
}

// q′ and q̇′ of the invocation's row (one sin/cos per pair)
var<private> qr: array<f32, MAXDH>;
var<private> dqr: array<f32, MAXDH>;

// (q′·k′_s, q̇′·k′_s + q′·k̇′_s) for the key row at element kb of baseIn (its tangent at kt), position s
fn keyDots(kb: u32, kt: u32, s: u32, dq: bool, dk: bool) -> vec2<f32> {
  var acc = 0.0;
  var dacc = 0.0;
  for (var i = 0u; i < u.rotDims / 2u; i = i + 1u) {
    let ab = pairAt(i);
    let sc = angle(i, s);
    let ka = baseIn[kb + ab.x];
    let kb2 = baseIn[kb + ab.y];
    let ra = ka * sc.y - kb2 * sc.x;
    let rb = kb2 * sc.y + ka * sc.x;
    acc = acc + qr[ab.x] * ra + qr[ab.y] * rb;
    if (dq) {
      dacc = dacc + dqr[ab.x] * ra + dqr[ab.y] * rb;
    }
    if (dk) {
      let ta = baseIn[kt + ab.x];
      let tb = baseIn[kt + ab.y];
      dacc = dacc + qr[ab.x] * (ta * sc.y - tb * sc.x) + qr[ab.y] * (tb * sc.y + ta * sc.x);
    }
  }
  for (var c = u.rotDims; c < u.dh; c = c + 1u) {
    let kc = baseIn[kb + c];
    acc = acc + qr[c] * kc;
    if (dq) {
      dacc = dacc + dqr[c] * kc;
    }
    if (dk) {
      dacc = dacc + qr[c] * baseIn[kt + c];
    }
  }
  return vec2<f32>(acc, dacc);
}

// (sin x, cos x) to a few ulp for x ≥ 0 below ~5·10⁴: Cody–Waite reduction by π/2 and Cephes'
// polynomials on [−π/4, π/4]. WGSL's built-ins promise only 2⁻¹¹ absolute error (SwiftShader
// meets no more), too coarse for rotary positions checked to 1e-4. θ itself is f32, as in
// HF/PyTorch's rotary tables.
fn sinCos(x: f32) -> vec2<f32> {
  let k = round(x * 0.63661977236758134);
  var r = x - k * 1.5703125;
  r = r - k * 4.837512969970703125e-4;
  r = r - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  let q = u32(i32(k) & 3);
  if (q == 0u) {
    return vec2<f32>(s, c);
  }
  if (q == 1u) {
    return vec2<f32>(c, -s);
  }
  if (q == 2u) {
    return vec2<f32>(-s, -c);
  }
  return vec2<f32>(-c, s);
}

@compute @workgroup_size(256)
fn main(grid: Grid1D) {
  let i = flatIndex(grid);
  if (i >= u.G * u.M * u.H * u.T) {
    return;
  }
  let t = i % u.T;
  let r1 = i / u.T;
  let h = r1 % u.H;
  let r2 = r1 / u.H;
  let m = r2 % u.M;
  let g = r2 / u.M;
  let grp = h * u.Hkv / u.H;
  let dh = u.dh;
  let qw = u.H * dh;
  let kw = u.Hkv * dh;
  let qrow = g * u.q.gs + (m * u.T + t) * qw + h * dh;
  let krow0 = m * u.T * kw + grp * dh;   // + s·kw, within group g's region
  let tangent = u.y.tan != 0u;
  let dq = tangent && u.q.tan != 0u;
  let dk = tangent && u.k.tan != 0u;
  let dv = tangent && u.v.tan != 0u;

  for (var c = u.rotDims; c < dh; c = c + 1u) {
    qr[c] = src[u.q.off + qrow + c];
    if (dq) {
      dqr[c] = src[u.q.toff + qrow + c];
    }
  }
  for (var p = 0u; p < u.rotDims / 2u; p = p + 1u) {
    let ab = pairAt(p);
    let sc = angle(p, t);
    let qa = src[u.q.off + qrow + ab.x];
    let qb = src[u.q.off + qrow + ab.y];
    qr[ab.x] = qa * sc.y - qb * sc.x;
    qr[ab.y] = qb * sc.y + qa * sc.x;
    if (dq) {
      let ta = src[u.q.toff + qrow + ab.x];
      let tb = src[u.q.toff + qrow + ab.y];
      dqr[ab.x] = ta * sc.y - tb * sc.x;
      dqr[ab.y] = tb * sc.y + ta * sc.x;
    }
  }
  var last = u.T - 1u;
  if (u.causal != 0u) {
    last = t;
  }

  // pass 1: the row maximum of the scores
  var mx = -3.0e38;
  for (var s = 0u; s <= last; s = s + 1u) {
    let kb = g * u.k.gs + krow0 + s * kw;
    let acc = keyDots(u.k.off + kb, 0u, s, false, false).x;
    mx = max(mx, u.scale * acc);
  }

  // pass 2: Σ e_s v_s, Σ e_s Ṡ_s v_s, Σ e_s v̇_s, Σ e_s Ṡ_s, Σ e_s  (e_s = exp(S_s − max))
  var yv: array<f32, MAXDH>;
  var ydv: array<f32, MAXDH>;
  var yds: array<f32, MAXDH>;
  for (var c = 0u; c < dh; c = c + 1u) {
    yv[c] = 0.0;
    ydv[c] = 0.0;
    yds[c] = 0.0;
  }
  var sum = 0.0;
  var mean = 0.0;
  for (var s = 0u; s <= last; s = s + 1u) {
    let kb = g * u.k.gs + krow0 + s * kw;
    let vb = g * u.v.gs + krow0 + s * kw;
    let dots = keyDots(u.k.off + kb, u.k.toff + kb, s, dq, dk);
    let acc = dots.x;
    let dacc = dots.y;
    let e = exp(u.scale * acc - mx);
    let eds = e * u.scale * dacc;
    sum = sum + e;
    mean = mean + eds;
    for (var c = 0u; c < dh; c = c + 1u) {
      let vc = baseOut[u.v.off + vb + c];
      yv[c] = yv[c] + e * vc;
      if (tangent) {
        yds[c] = yds[c] + eds * vc;
      }
      if (dv) {
        ydv[c] = ydv[c] + e * baseOut[u.v.toff + vb + c];
      }
    }
  }
  let inv = 1.0 / sum;
  mean = mean * inv;
  let yrow = g * u.y.gs + (m * u.T + t) * qw + h * dh;
  for (var c = 0u; c < dh; c = c + 1u) {
    let y = yv[c] * inv;
    dst[u.y.off + yrow + c] = y;
    if (tangent) {
      dst[u.y.toff + yrow + c] = yds[c] * inv - mean * y + ydv[c] * inv;
    }
  }
}
