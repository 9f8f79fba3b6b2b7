import { expect, it } from 'vitest';
import { COUNTER_NAMES, Counter, createCounters, diffCounters } from './counters';

it('counts by id, reads by name, snapshots, diffs and resets', () => {
  const c = createCounters();
  expect(Counter.instructions).toBe(0);
  expect(new Set(Object.values(Counter)).size).toBe(COUNTER_NAMES.length);
  c.add(Counter.ipis, 3);
  c.values[Counter.itlbMisses]++;
  c.add(Counter.tlbShootdowns);
  const a = c.snapshot();
  expect(a.ipis).toBe(3);
  expect(c.get('itlbMisses')).toBe(1);
  c.add(Counter.ipis, 2);
  c.add(Counter.pageTablePages, -1);
  const d = c.diff(a, c.snapshot());
  expect(d).toEqual(diffCounters(a, c.snapshot()));
  expect(d.ipis).toBe(2);
  expect(d.pageTablePages).toBe(-1);
  expect(d.tlbShootdowns).toBe(0);
  c.reset();
  expect(Object.values(c.snapshot()).every((v) => v === 0)).toBe(true);
  expect(() => c.get('nope' as never)).toThrow(/EINVAL.*nope/);
});
