import { describe, expect, it } from 'vitest';
import { createFreeAreas } from './freeAreas';

const w = [{ start: 0, end: 1 << 30 }];

describe.each(['firstFit', 'bestFit'] as const)('free areas (%s)', (fit) => {
  it('merges neighbours on insert and splits on take', () => {
    const f = createFreeAreas(fit);
    f.insert(0x1000, 0x1000);
    f.insert(0x3000, 0x1000);
    f.insert(0x2000, 0x1000);
    expect(f.list()).toEqual([[0x1000, 0x3000]]);
    f.take(0x2000, 0x100);
    expect(f.list()).toEqual([
      [0x1000, 0x1000],
      [0x2100, 0x1f00],
    ]);
    expect(f.bytes).toBe(0x2f00);
    expect(() => f.insert(0x1800, 0x100)).toThrow(/overlaps/);
    expect(() => f.take(0x2000, 0x40)).toThrow(/not inside/);
  });

  it('finds only carves inside the windows', () => {
    const f = createFreeAreas(fit);
    f.insert(0x10000, 0x10000);
    expect(f.find(0x1000, 0x1000, [{ start: 0x18800, end: 0x30000 }])).toBe(0x19000);
    expect(f.find(0x1000, 0x40, [{ start: 0, end: 0x10800 }])).toBe(-1);
  });
});

describe('fit strategies', () => {
  it('first fit takes the lowest area, best fit the smallest that fits', () => {
    const first = createFreeAreas('firstFit');
    const best = createFreeAreas('bestFit');
    for (const f of [first, best]) {
      f.insert(0x10000, 0x4000);
      f.insert(0x20000, 0x1000);
      f.insert(0x30000, 0x2000);
    }
    expect(first.find(0x1000, 0x40, w)).toBe(0x10000);
    expect(best.find(0x1000, 0x40, w)).toBe(0x20000);
    expect(best.find(0x1800, 0x40, w)).toBe(0x30000);
  });
});
