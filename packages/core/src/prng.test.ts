import { describe, expect, it } from 'vitest';
import { createPrng } from './prng';

describe('createPrng', () => {
  it('replays the same sequence from the same seed', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    for (let i = 0; i < 100; i++) expect(a.below(1000)).toBe(b.below(1000));
  });

  it('stays inside the bound, up to 2^32', () => {
    const p = createPrng(7);
    for (let i = 0; i < 1000; i++) {
      const v = p.below(3);
      expect(v >= 0 && v < 3).toBe(true);
    }
    expect(p.below(2 ** 32)).toBeLessThan(2 ** 32);
  });

  it('rejects a bound it cannot draw uniformly, naming it', () => {
    const p = createPrng(1);
    expect(() => p.below(2 ** 32 + 1)).toThrow(/bound 4294967297/);
    expect(() => p.below(0)).toThrow(/EINVAL/);
    expect(() => p.below(1.5)).toThrow(/EINVAL/);
  });
});
