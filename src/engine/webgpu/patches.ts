/**
 * Packing a batch's per-query data for the GPU: the patch buffer (each region [G][per] f32, one slot
 * per query: whole tensors θ̂ + δ, δ, tangents, or rows/columns/channels of them for the sparse
 * plan) and the index buffer (supports, position maps, channel lists).
 */
import type { ParamRef } from './context.ts';
import { deltaOf, tangentOf, type FisherQuery, type ParamSet } from '../types.ts';

/** Builds the per-batch patch buffer: each region [G][per] f32, one slot per query. */
export class PatchBuilder {
  private chunks: Float32Array[] = [];
  private total = 0;
  private memo = new Map<string, ParamRef>();
  constructor(private qs: FisherQuery[], private params: ParamSet) {}

  has(name: string, which: 'delta' | 'tangent'): boolean {
    return this.qs.some((_, g) => this.patchOf(g, name, which) !== null);
  }

  private region(per: number, fill: (g: number, out: Float32Array) => void): ParamRef {
    const G = this.qs.length;
    const data = new Float32Array(G * per);
    for (let g = 0; g < G; g++) fill(g, data.subarray(g * per, (g + 1) * per));
    const off = this.total;
    this.chunks.push(data);
    this.total += data.length;
    return { src: 'patch', off, gs: per };
  }

  private memoised(key: string, make: () => ParamRef): ParamRef {
    if (!this.memo.has(key)) this.memo.set(key, make());
    return this.memo.get(key)!;
  }

  /** The patch of query g on a tensor as (array, multiplier): a scan point's δ is never built. */
  private patchOf(g: number, name: string, which: 'delta' | 'tangent'): { a: Float64Array; k: number } | null {
    const [a, k] = which === 'delta' ? deltaOf(this.qs[g], name) : tangentOf(this.qs[g], name);
    return a && k !== 0 ? { a, k } : null;
  }

  /** Whole tensor per query: θ̂ + δ ('value'), δ, or the tangent. */
  full(name: string, which: 'value' | 'delta' | 'tangent'): ParamRef {
    const base = this.params.get(name)!.data;
    return this.memoised(`full:${which}:${name}`, () => this.region(base.length, (g, out) => {
      const p = this.patchOf(g, name, which === 'value' ? 'delta' : which);
      if (which === 'value') {
        if (p) for (let i = 0; i < out.length; i++) out[i] = base[i] + p.k * p.a[i];
        else out.set(base);
      } else if (p) for (let i = 0; i < out.length; i++) out[i] = p.k * p.a[i];
    }));
  }

  /** Rows U (of length rowLen) of δ or the tangent; null when no query has that patch. */
  rows(name: string, U: Int32Array, rowLen: number, which: 'delta' | 'tangent'): ParamRef {
    if (!this.has(name, which)) return null;
    return this.memoised(`rows:${which}:${name}:${U.join(',')}`, () => this.region(U.length * rowLen, (g, out) => {
      const p = this.patchOf(g, name, which);
      if (!p) return;
      U.forEach((r, a) => {
        for (let c = 0; c < rowLen; c++) out[a * rowLen + c] = p.k * p.a[r * rowLen + c];
      });
    }));
  }

  /** Columns U of a [rows][cols] δ or tangent, as [rows][|U|]; null when no query has that patch. */
  cols(name: string, rows: number, cols: number, U: Int32Array, which: 'delta' | 'tangent'): ParamRef {
    if (!this.has(name, which)) return null;
    return this.memoised(`cols:${which}:${name}:${U.join(',')}`, () => this.region(rows * U.length, (g, out) => {
      const p = this.patchOf(g, name, which);
      if (!p) return;
      const n = U.length;
      for (let r = 0; r < rows; r++) for (let a = 0; a < n; a++) out[r * n + a] = p.k * p.a[r * cols + U[a]];
    }));
  }

  /** Input channels Cin of a [O][C][kk] conv δ or tangent, as [O][|Cin|][kk]; null when no query has it. */
  convChannels(name: string, O: number, C: number, kk: number, Cin: Int32Array, which: 'delta' | 'tangent'): ParamRef {
    if (!this.has(name, which)) return null;
    return this.memoised(`conv:${which}:${name}:${Cin.join(',')}`, () => this.region(O * Cin.length * kk, (g, out) => {
      const p = this.patchOf(g, name, which);
      if (!p) return;
      const n = Cin.length;
      for (let o = 0; o < O; o++) for (let a = 0; a < n; a++) {
        const from = (o * C + Cin[a]) * kk, to = (o * n + a) * kk;
        for (let k = 0; k < kk; k++) out[to + k] = p.k * p.a[from + k];
      }
    }));
  }

  finish(): Float32Array {
    const out = new Float32Array(Math.max(this.total, 4));
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Builds the per-batch index buffer (supports and position maps). */
export class IndexBuilder {
  private parts: Uint32Array[] = [];
  private total = 0;
  add(a: ArrayLike<number>): number {
    const off = this.total;
    this.parts.push(Uint32Array.from(a as ArrayLike<number>));
    this.total += a.length;
    return off;
  }
  finish(): Uint32Array {
    const out = new Uint32Array(Math.max(this.total, 4));
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

