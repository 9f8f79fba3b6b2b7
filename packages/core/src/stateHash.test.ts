import { describe, expect, it } from 'vitest';
import { addObject, createStateHasher } from './stateHash';

describe('state fingerprints', () => {
  const h = createStateHasher();
  const print = (state: object, skip?: ReadonlySet<string>) => {
    h.reset();
    addObject(h, state, skip);
    return h.digest();
  };
  const state = (nzcv: number, nextPc: number) => ({
    regs: new Uint32Array([1, 2]),
    pc: 8,
    nextPc,
    nzcv,
    mon: { addr: 5n, held: true },
  });

  it('covers every field an arch adds, and skips the transient ones it is told to', () => {
    expect(print(state(4, 12))).not.toBe(print(state(8, 12)));
    expect(print(state(4, 12))).not.toBe(print(state(4, 16)));
    const skip = new Set(['nextPc']);
    expect(print(state(4, 12), skip)).toBe(print(state(4, 16), skip));
    expect(print({ a: new Int32Array([-1]) })).not.toBe(print({ a: new Int32Array([1]) }));
    expect(print({ m: { x: 1n } })).not.toBe(print({ m: { x: 2n } }));
  });

  it('tells apart integers beyond 32 bits and negative numbers', () => {
    h.reset();
    h.add(2 ** 32);
    const big = h.digest();
    h.reset();
    h.add(0);
    expect(h.digest()).not.toBe(big);
    h.reset();
    h.add(-1);
    const neg = h.digest();
    h.reset();
    h.add(0xffffffff);
    expect(h.digest()).not.toBe(neg);
  });
});
