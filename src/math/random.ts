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

/** One mulberry32 step of state `a` (a 32-bit integer): the next state. */
const step = (a: number): number => (a + 0x6d2b79f5) >>> 0;

/** mulberry32's output for the state after a step, uniform in [0, 1). */
function mixed(a: number): number {
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * mulberry32: a 32-bit generator with period 2^32; plenty for probes and bases.
 * Returns a function giving uniforms in [0, 1). The seed is taken modulo 2^32.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = step(a);
    return mixed(a);
  };
}

/**
 * mulberry32 + Box–Muller with its state in fields (no closure), so `fillNormal` runs as one tight
 * loop that stores no intermediate number on the heap: the live probes draw millions of normals.
 */
class SeededRng implements Rng {
  private a: number;
  private spare = 0;
  private hasSpare = false;

  constructor(readonly seed: number) {
    this.a = seed >>> 0;
  }

  next(): number {
    this.a = step(this.a);
    return mixed(this.a);
  }

  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    // u1 in (0, 1]: avoids log(0)
    const u1 = 1 - this.next();
    const u2 = this.next();
    const rad = Math.sqrt(-2 * Math.log(u1));
    const ang = 2 * Math.PI * u2;
    this.spare = rad * Math.sin(ang);
    this.hasSpare = true;
    return rad * Math.cos(ang);
  }

  /** out[i] = normal() for every i, in order: the same numbers as that loop, faster. */
  fillNormal(out: Float64Array): void {
    const n = out.length;
    let i = 0;
    if (n > 0 && this.hasSpare) {
      out[i++] = this.spare;
      this.hasSpare = false;
    }
    let a = this.a;
    // pairs; an odd last one keeps its second value as the spare (no method call in this loop: a
    // call reached only at the end deoptimised it on every odd length)
    for (; i < n; i += 2) {
      a = step(a);
      const u1 = 1 - mixed(a);
      a = step(a);
      const u2 = mixed(a);
      const rad = Math.sqrt(-2 * Math.log(u1));
      const ang = 2 * Math.PI * u2;
      out[i] = rad * Math.cos(ang);
      const second = rad * Math.sin(ang);
      if (i + 1 < n) out[i + 1] = second;
      else {
        this.spare = second;
        this.hasSpare = true;
      }
    }
    this.a = a;
  }
}

/** A seeded Rng (mulberry32 + Box–Muller). Same seed → same sequence of next()/normal() calls. */
export function createRng(seed: number): Rng {
  return new SeededRng(seed);
}

/** n independent standard normals. */
export function gaussianVector(n: number, rng: Rng): Float64Array {
  const v = new Float64Array(n);
  if (rng instanceof SeededRng) rng.fillNormal(v);
  else for (let i = 0; i < n; i++) v[i] = rng.normal();
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
