/**
 * One query encoding (delta, tangent): a line's or an orbit's point gives ScaledPatch patches, the
 * same arrays as the products written out entry by entry, which engines read as (basis, multiplier).
 */
import { describe, expect, it } from 'vitest';
import { deltaOf, linePoint, ScaledPatch, scaledPoint, sharedBasis, SparsePatch, tangentOf, touchedTensors, type TensorPatch } from '../../src/engine/types.ts';

const basis: TensorPatch = new Map([['a', Float64Array.from([1, -2, 0, 3])], ['b', Float64Array.from([0.5, 0])]]);

describe('ScaledPatch: a query point as multiples of one basis', () => {
  it('holds the products scale(n)·basis[n] (0 where a tensor has no scale), and the basis keys before any array is built', () => {
    const p = new ScaledPatch(basis, new Map([['a', -1.5]]));
    expect([...p.keys()]).toEqual(['a', 'b']);
    expect(p.size).toBe(2);
    expect(Array.from(p.get('a')!)).toEqual([-1.5, 3, -0, -4.5]);
    expect(Array.from(p.get('b')!)).toEqual([0, 0]);
    expect(p.get('c')).toBeUndefined();
    expect([...p].map(([n, a]) => [n, Array.from(a)])).toEqual([['a', [-1.5, 3, -0, -4.5]], ['b', [0, 0]]]);
  });

  it('of a sparse basis: the non-zeros scaled, the zeros +0 (as the sparse patch spells them)', () => {
    const sparse = new SparsePatch(new Map([['a', { length: 4, index: Int32Array.from([1, 3]), values: Float64Array.from([2, -1]) }]]));
    const p = new ScaledPatch(sparse, new Map([['a', -2]]));
    expect(Array.from(p.get('a')!)).toEqual([0, -4, 0, 2]);
    expect(Object.is(p.get('a')![0], 0)).toBe(true);
  });

  it('engines read the factors: deltaOf/tangentOf give (basis array, multiplier), sharedBasis the common basis', () => {
    const q = scaledPoint(basis, new Map([['a', 0.25], ['b', 0.25]]), new Map([['a', 1], ['b', -1]]));
    expect(deltaOf(q, 'a')).toEqual([basis.get('a'), 0.25]);
    expect(tangentOf(q, 'b')).toEqual([basis.get('b'), -1]);
    expect(sharedBasis(q)?.basis).toBe(basis);
    expect(touchedTensors(q)).toEqual(['a', 'b']);
    // a line point θ̂ + t·v: delta t·v, tangent v
    const l = linePoint(basis, 0.1);
    expect(Array.from(l.delta.get('a')!)).toEqual([0.1, -0.2, 0, 0.1 * 3]);
    expect(l.tangent.get('a')).toBe(basis.get('a'));
    // a query of plain patches has no shared basis and reads its arrays with multiplier 1
    const plain = { delta: new Map(), tangent: basis };
    expect(sharedBasis(plain)).toBeNull();
    expect(tangentOf(plain, 'a')).toEqual([basis.get('a'), 1]);
  });
});
