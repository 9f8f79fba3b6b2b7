import { describe, expect, it } from 'vitest';
import { createVmapSpace, GUARD_SIZE } from './vmapSpace';

const MB = 1 << 20;

describe('vmap space', () => {
  it('allocates lowest-first with a guard page after each area', () => {
    const v = createVmapSpace([{ start: 16 * MB, end: 32 * MB }], []);
    const w = { start: 0, end: 64 * MB };
    const a = v.alloc(4096, 4096, w);
    const b = v.alloc(8192, 4096, w);
    expect(a).toBe(16 * MB);
    expect(b).toBe(16 * MB + 4096 + GUARD_SIZE);
    expect(v.busyCount).toBe(2);
  });

  it('honours the window and the alignment, and reports -1 when nothing fits', () => {
    const v = createVmapSpace([{ start: 0, end: 16 * MB }], []);
    const a = v.alloc(2 * MB, 2 * MB, { start: 3 * MB, end: 16 * MB });
    expect(a).toBe(4 * MB);
    expect(v.alloc(10 * MB, 4096, { start: 3 * MB, end: 16 * MB })).toBe(-1);
    expect(v.alloc(2 * MB, 2 * MB, { start: 3 * MB, end: 6 * MB + 4096 })).toBe(-1);
  });

  it('skips reserved windows and merges freed areas back', () => {
    const v = createVmapSpace([{ start: 0, end: 8 * MB }], [{ start: 0, end: MB }]);
    const w = { start: 0, end: 8 * MB };
    const a = v.alloc(4096, 4096, w);
    expect(a).toBe(MB);
    const b = v.alloc(4096, 4096, w);
    expect(v.free(a)).toBe(4096);
    expect(v.free(b)).toBe(4096);
    expect(v.freeBlocks()).toEqual([{ start: MB, end: 8 * MB }]);
    expect(() => v.free(a)).toThrow(/no vmap area/);
  });
});
