import { describe, expect, it } from 'vitest';
import { isExecmemError } from './errors';
import { createPhysicalMemory, PAGE_SIZE } from './physicalMemory';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return isExecmemError(e) ? e.code : String(e);
  }
  return 'ok';
};

describe('physical memory', () => {
  it('reads zeros from untouched frames and little-endian values across frame boundaries', () => {
    const m = createPhysicalMemory({ size: 16 * PAGE_SIZE });
    expect(m.read32(0x3000)).toBe(0);
    m.write32(0xffe, 0x11223344);
    expect([m.read8(0xffe), m.read8(0xfff), m.read8(0x1000), m.read8(0x1001)]).toEqual([
      0x44, 0x33, 0x22, 0x11,
    ]);
    expect(m.read16(0xfff)).toBe(0x2233);
    expect(m.read32(0xffe)).toBe(0x11223344);
    m.write64(0x1ffc, 0xdeadbeef, 0x80000001);
    const out = new Uint32Array(2);
    m.read64(0x1ffc, out, 0);
    expect([...out]).toEqual([0xdeadbeef, 0x80000001]);
    m.writeBytes(0x2ffe, Uint8Array.of(1, 2, 3, 4));
    expect([...m.readBytes(0x2ffe, 4)]).toEqual([1, 2, 3, 4]);
    m.write16(0, 0xfffff);
    expect(m.read16(0)).toBe(0xffff);
  });

  it('faults beyond memory', () => {
    const m = createPhysicalMemory({ size: 2 * PAGE_SIZE });
    expect(code(() => m.read8(2 * PAGE_SIZE))).toBe('EFAULT');
    expect(code(() => m.write32(2 * PAGE_SIZE - 2, 1))).toBe('EFAULT');
    expect(code(() => m.read8(-1))).toBe('EFAULT');
    expect(code(() => m.frame(2))).toBe('ERANGE');
    expect(() => m.read8(0x2000)).toThrow(/0x2000/);
    expect(code(() => createPhysicalMemory({ size: 1000 }))).toBe('EINVAL');
  });

  it('allocates single frames and aligned contiguous runs, zeroed', () => {
    const m = createPhysicalMemory({ size: 2048 * PAGE_SIZE });
    const a = m.allocFrames();
    expect(a).toBe(0);
    m.write8(PAGE_SIZE, 7); // frame 1, not yet allocated
    const b = m.allocFrames(1);
    expect(b).toBe(1);
    expect(m.read8(PAGE_SIZE)).toBe(0);
    const run = m.allocFrames(512, 512);
    expect(run).toBe(512);
    expect(m.allocFrames(512, 512)).toBe(1024);
    expect(m.freeFrameCount).toBe(2048 - 2 - 1024);
    expect(code(() => m.allocFrames(1024, 512))).toBe('ENOMEM');
    m.freeFrames(512, 512);
    expect(code(() => m.allocFrames(1024, 512))).toBe('ENOMEM');
    expect(m.allocFrames(512, 512)).toBe(512);
    expect(m.allocFrames(510)).toBe(2);
  });

  it('finds a 1 GiB aligned run for a 1 GiB leaf', () => {
    const m = createPhysicalMemory({ size: 2 ** 31 + 2 ** 30 });
    m.allocFrames(3);
    expect(m.allocFrames(2 ** 18, 2 ** 18)).toBe(2 ** 18);
    expect(m.allocFrames(2 ** 18, 2 ** 18)).toBe(2 ** 19);
    expect(code(() => m.allocFrames(2 ** 18, 2 ** 18))).toBe('ENOMEM');
  });

  it('rejects frees of frames it did not hand out', () => {
    const m = createPhysicalMemory({ size: 8 * PAGE_SIZE });
    m.allocFrames(2);
    expect(code(() => m.freeFrames(2))).toBe('EINVAL');
    expect(code(() => m.freeFrames(7, 2))).toBe('ERANGE');
    expect(m.freeFrameCount).toBe(6);
    m.freeFrames(0, 2);
    expect(m.freeFrameCount).toBe(8);
    expect(m.isAllocated(0)).toBe(false);
  });
});
