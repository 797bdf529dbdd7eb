/**
 * Small seeded random numbers, deterministic for a seed on every platform (pure 32-bit
 * integer arithmetic, no Math.random). Used for live probes, random fallbacks of detectors,
 * random orthogonal bases and synthetic inputs.
 */

/** A seeded stream: `next()` uniform in [0, 1), `normal()` standard normal N(0, 1). */
export interface Rng {
  /** uniform in [0, 1), 32 bits of resolution */
  next(): number;
  /** standard normal, Box–Muller (the second value of each pair is cached and returned next) */
  normal(): number;
  /** the seed this stream was created with */
  readonly seed: number;
}

/**
 * mulberry32: a 32-bit generator with period 2^32; plenty for probes and bases.
 * Returns a function giving uniforms in [0, 1). The seed is taken modulo 2^32.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded Rng (mulberry32 + Box–Muller). Same seed → same sequence of next()/normal() calls. */
export function createRng(seed: number): Rng {
  const uniform = mulberry32(seed);
  let spare: number | null = null;
  return {
    seed,
    next: uniform,
    normal(): number {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      // u1 in (0, 1]: avoids log(0)
      const u1 = 1 - uniform();
      const u2 = uniform();
      const rad = Math.sqrt(-2 * Math.log(u1));
      const ang = 2 * Math.PI * u2;
      spare = rad * Math.sin(ang);
      return rad * Math.cos(ang);
    },
  };
}

/** n independent standard normals. */
export function gaussianVector(n: number, rng: Rng): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** A uniformly distributed unit vector in ℝⁿ (a normalised Gaussian vector). n ≥ 1. */
export function randomUnitVector(n: number, rng: Rng): Float64Array {
  if (!(n >= 1)) throw new RangeError(`randomUnitVector: n must be ≥ 1, got ${n}`);
  for (;;) {
    const v = gaussianVector(n, rng);
    let s = 0;
    for (let i = 0; i < n; i++) s += v[i] * v[i];
    if (s > 1e-300) {
      const inv = 1 / Math.sqrt(s);
      for (let i = 0; i < n; i++) v[i] *= inv;
      return v;
    }
  }
}
