// Conv2d geometry shared by conv2d.wgsl and conv2d-sparse.wgsl. Both kernels' uniform `u` carry
// the fields used here under these names: O (output channels), H, W (input plane), SH, SW
// (stride), PH, PW (padding), OH, OW (output plane).

// Output element r of one query's [M][O][OH][OW]: sample m, channel o, place p = oy·OW + ox.
struct ConvAt {
  m: u32,
  o: u32,
  p: u32,
  oy: u32,
  ox: u32,
}

fn convAt(r0: u32) -> ConvAt {
  let plane = u.OH * u.OW;
  let perM = u.O * plane;
  let m = r0 / perM;
  let r = r0 - m * perM;
  let o = r / plane;
  let p = r - o * plane;
  let oy = p / u.OW;
  let ox = p - oy * u.OW;
  return ConvAt(m, o, p, oy, ox);
}

// Input row of kernel row ki for output row oy, or −1 in the padding.
fn convRow(oy: u32, ki: u32) -> i32 {
  let yy = i32(oy * u.SH + ki) - i32(u.PH);
  return select(yy, -1, yy < 0 || yy >= i32(u.H));
}

// Input column of kernel column kj for output column ox, or −1 in the padding.
fn convCol(ox: u32, kj: u32) -> i32 {
  let xx = i32(ox * u.SW + kj) - i32(u.PW);
  return select(xx, -1, xx < 0 || xx >= i32(u.W));
}
