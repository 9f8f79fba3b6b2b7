import { describe, expect, it } from 'vitest';
import { generateWorkload } from './workload';

describe('workload generator', () => {
  it('draws BPF sizes with the published shape', () => {
    const ops = generateWorkload({
      seed: 7,
      arrivals: 20000,
      mix: { bpf: 1, module: 0, kprobe: 0, ftrace: 0 },
    });
    const sizes = ops.flatMap((o) => (o.op === 'alloc' ? [o.size] : []));
    expect(sizes).toHaveLength(20000);
    const below = (n: number) => sizes.filter((s) => s < n).length / sizes.length;
    expect(below(500)).toBeGreaterThan(0.48);
    expect(below(500)).toBeLessThan(0.52);
    expect(below(2048)).toBeGreaterThan(0.73);
    expect(below(2048)).toBeLessThan(0.77);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(64);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(65536);
    expect(Math.max(...sizes)).toBeGreaterThan(32768);
    expect(ops.every((o) => o.op === 'alloc')).toBe(true);
  });

  it('is deterministic per seed and frees each allocation once, after it', () => {
    const a = generateWorkload({ seed: 3, arrivals: 2000, meanLifetime: 40 });
    expect(generateWorkload({ seed: 3, arrivals: 2000, meanLifetime: 40 })).toEqual(a);
    expect(generateWorkload({ seed: 4, arrivals: 2000, meanLifetime: 40 })).not.toEqual(a);
    const seen = new Set<number>();
    const freed = new Set<number>();
    for (const o of a) {
      if (o.op === 'alloc') seen.add(o.id);
      else {
        expect(seen.has(o.id)).toBe(true);
        expect(freed.has(o.id)).toBe(false);
        freed.add(o.id);
      }
    }
    expect(freed.size).toBe(seen.size);
    const types = new Set(a.flatMap((o) => (o.op === 'alloc' ? [o.type] : [])));
    expect([...types].sort()).toEqual(['bpf', 'ftrace', 'kprobes', 'moduleData', 'moduleText']);
    for (const o of a) {
      if (o.op !== 'alloc') continue;
      if (o.type === 'moduleText') expect(o.size >= 4096 && o.size <= 2 << 20).toBe(true);
      if (o.type === 'kprobes' || o.type === 'ftrace') expect(o.size).toBe(4096);
    }
  });

  it('rejects bad options', () => {
    expect(() => generateWorkload({ seed: 1, arrivals: -1 })).toThrow(
      /EINVAL: workload arrivals -1/,
    );
    expect(() => generateWorkload({ seed: 1, arrivals: 1, meanLifetime: 0 })).toThrow(
      /mean lifetime 0/,
    );
    expect(() =>
      generateWorkload({ seed: 1, arrivals: 1, mix: { bpf: 0, module: 0, kprobe: 0, ftrace: 0 } }),
    ).toThrow(/no positive weight/);
  });
});
