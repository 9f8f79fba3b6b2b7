import { describe, expect, it } from 'vitest';
import { FlatMemory } from './flatMemory';
import { AccessKind, AtomicOp } from './isa';
import * as w from './word64';

describe('FlatMemory', () => {
  it('loads and stores little-endian values of every size', () => {
    const m = new FlatMemory();
    m.map(0x1000, 16);
    const r = new Uint32Array(4);
    w.fromBigint(r, 0, 0x1122334455667788n);
    expect(m.store(0x1000, 8, r, 0, AccessKind.Plain)).toBe(true);
    expect([...m.read(0x1000, 8)]).toEqual([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
    for (const [size, v] of [
      [1, 0x88n],
      [2, 0x7788n],
      [4, 0x55667788n],
      [8, 0x1122334455667788n],
    ] as const) {
      m.load(0x1000, size, r, 2, AccessKind.Plain);
      expect(w.toBigint(r, 2)).toBe(v);
    }
  });

  it('faults on unmapped bytes, including the tail of a straddling access', () => {
    const m = new FlatMemory();
    m.map(0x1000, 4096);
    const r = new Uint32Array(2);
    expect(m.load(0x1ffc, 8, r, 0, AccessKind.Plain)).toBe(false);
    expect(m.faultAddress).toBe(0x1ffc);
    expect(() => m.read(0x3000, 1)).toThrow(/0x3000/);
  });

  it('performs atomics and returns the old value', () => {
    const m = new FlatMemory();
    m.map(0, 64);
    const r = new Uint32Array(8);
    w.fromBigint(r, 0, 5n);
    m.store(0, 4, r, 0, AccessKind.Plain);
    w.fromBigint(r, 2, 0xfffffffen); // -2 as 32 bits
    m.atomic(AtomicOp.Add, 0, 4, r, 2, r, 4, AccessKind.SeqCst);
    expect(w.toBigint(r, 4)).toBe(5n);
    m.load(0, 4, r, 4, AccessKind.Plain);
    expect(w.toBigint(r, 4)).toBe(3n);
    m.atomic(AtomicOp.MinSigned, 0, 4, r, 2, r, 4, AccessKind.SeqCst);
    m.load(0, 4, r, 4, AccessKind.Plain);
    expect(w.toBigint(r, 4)).toBe(0xfffffffen);
    w.fromBigint(r, 6, 9n);
    w.fromBigint(r, 2, 1n);
    m.atomic(AtomicOp.CompareSwap, 0, 4, r, 2, r, 4, AccessKind.SeqCst, r, 6);
    m.load(0, 4, r, 4, AccessKind.Plain);
    expect(w.toBigint(r, 4)).toBe(0xfffffffen); // comparison failed: unchanged
  });

  it('store-conditional succeeds only under the monitor', () => {
    const m = new FlatMemory();
    m.map(0, 64);
    const r = new Uint32Array(4);
    expect(m.storeConditional(8, 8, r, 0, AccessKind.Exclusive)).toBe(1);
    m.load(8, 8, r, 2, AccessKind.Exclusive);
    expect(m.storeConditional(8, 8, r, 0, AccessKind.Exclusive)).toBe(0);
    expect(m.storeConditional(8, 8, r, 0, AccessKind.Exclusive)).toBe(1);
  });
});
