import {
  createMachine,
  createWxAuditor,
  type ExecmemInfo,
  execmemInfoComplete,
  isExecmemError,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  toyArch,
  toyPageTableFormat,
  vaFromBigint,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { createExecmem } from './createExecmem';
import { createExecmemOnPort, type ExecmemPolicy } from './execmem';
import type { DirectMapMode } from './execmemPort';
import { withFaultInjection } from './faultInjection';
import { createKernelPort } from './kernelPort';
import { holdsPattern } from './trapFill';

const MB = 1 << 20;
const DIRECT_MAP = 0xffffffd600000000n;
const TRAP = Uint8Array.of(0xcc);

/** A small info in the toy format's 39-bit space: a 1 GiB module window with the ROX cache. */
function toyInfo(): ExecmemInfo {
  const rox = {
    start: 0xffffffff00000000n,
    end: 0xffffffff3fffffffn,
    prot: 'kernelRox' as const,
    alignment: 4096,
    flags: { kasanShadow: false, roxCache: true },
  };
  return execmemInfoComplete({
    ranges: {
      moduleText: rox,
      kprobes: rox,
      ftrace: rox,
      bpf: {
        ...rox,
        start: 0xffffffff40000000n,
        end: 0xffffffff407fffffn,
        fallbackStart: 0xffffffff48000000n,
        fallbackEnd: 0xffffffff487fffffn,
      },
    },
    trapFill: TRAP,
    vmallocStart: 0xffffffc600000000n,
    vmallocEnd: 0xffffffd5ffffffffn,
    directMapBase: DIRECT_MAP,
  });
}

function setup(
  policy: ExecmemPolicy = 'roxCache',
  memory = 64 * MB,
  directMap: DirectMapMode = 'readOnly',
) {
  const k = createKernelPort(toyPageTableFormat, memory, DIRECT_MAP);
  const execmem = createExecmemOnPort(k.port, toyInfo(), { policy, directMap });
  const audit = createWxAuditor([k.space]);
  const prot = (ptr: bigint) => k.space.translate(ptr)?.prot ?? 0;
  const alias = (ptr: bigint) => {
    const pa = k.port.translate(k.port.toEngine(ptr));
    return k.space.translate(DIRECT_MAP + BigInt(pa))?.prot ?? 0;
  };
  return { ...k, execmem, audit, prot, alias };
}

describe('roxCache', () => {
  it('populates a ROX large page, carves 64-byte granules and fills with traps', () => {
    const { execmem, port, counters, audit, prot, alias } = setup();
    const a = execmem.execmemAlloc('moduleText', 100);
    const b = execmem.execmemAlloc('kprobes', 4096);
    expect(execmem.execmemIsRox('moduleText')).toBe(true);
    expect(execmem.execmemIsRox('moduleData')).toBe(false);
    expect(a % 2n ** 21n).toBe(0n);
    expect(b - a).toBe(128n);
    expect(prot(a) & (PROT_READ | PROT_WRITE | PROT_EXEC)).toBe(PROT_READ | PROT_EXEC);
    expect(alias(a) & (PROT_WRITE | PROT_EXEC)).toBe(0);
    const s = execmem.stats();
    expect(s).toMatchObject({
      allocations: 2,
      busyBytes: 128 + 4096,
      populatedBytes: 2 * MB,
      largePages: 1,
    });
    expect(s.busyBytes + s.freeBytes + s.pendingBytes).toBe(s.populatedBytes);
    expect(counters.get('trapBytesWritten')).toBe(2 * MB);
    expect(holdsPattern(port.read(vaFromBigint(a), 2 * MB), vaFromBigint(a), TRAP)).toBe(true);
    expect(audit.audit().ok).toBe(true);
  });

  it('frees through the text-poke path, merges, and reclaim returns the large page', () => {
    const { execmem, port, counters, audit, prot, alias, memory } = setup();
    const freeFrames = memory.freeFrameCount;
    const a = execmem.execmemAlloc('moduleText', 100);
    port.textPoke(vaFromBigint(a), Uint8Array.of(0x90, 0xc3));
    const pokes = counters.get('textPokes');
    execmem.execmemFree(a);
    expect(counters.get('textPokes')).toBe(pokes + 1);
    expect(holdsPattern(port.read(vaFromBigint(a), 128), vaFromBigint(a), TRAP)).toBe(true);
    expect(execmem.dump().free).toEqual([{ address: a, size: 2 * MB }]);
    expect(audit.audit().ok).toBe(true);
    expect(execmem.execmemCacheReclaim()).toBe(2 * MB);
    expect(prot(a)).toBe(0);
    expect(execmem.stats().populatedBytes).toBe(0);
    expect(memory.freeFrameCount).toBeGreaterThanOrEqual(freeFrames - 8);
    void alias;
  });

  it('execmemAllocRw hands out whole RW pages and execmemRestoreRox makes them ROX', () => {
    const { execmem, port, audit, prot, alias } = setup();
    const a = execmem.execmemAlloc('moduleText', 64);
    const b = execmem.execmemAllocRw('moduleText', 5000);
    expect(b % 4096n).toBe(0n);
    expect(prot(b) & (PROT_WRITE | PROT_EXEC)).toBe(PROT_WRITE);
    expect(prot(a) & (PROT_WRITE | PROT_EXEC)).toBe(PROT_EXEC);
    expect(alias(b) & PROT_WRITE).toBe(PROT_WRITE);
    port.write(vaFromBigint(b), Uint8Array.of(1, 2, 3));
    expect(audit.audit().ok).toBe(true);
    expect(() => execmem.execmemRestoreRox(b, 4096)).toThrow(/does not cover/);
    execmem.execmemRestoreRox(b, 8192);
    expect(prot(b) & (PROT_WRITE | PROT_EXEC)).toBe(PROT_EXEC);
    expect(alias(b) & PROT_WRITE).toBe(0);
    expect(() => execmem.execmemRestoreRox(b, 8192)).toThrow(/not a read\/write allocation/);
    expect(audit.audit().ok).toBe(true);
  });

  it('in removed mode unmaps the alias of cache pages and maps it back on reclaim', () => {
    const { execmem, space } = setup('roxCache', 64 * MB, 'removed');
    const a = execmem.execmemAlloc('moduleText', 64);
    const pa = space.translate(a)!.pa;
    expect(space.translate(DIRECT_MAP + pa)).toBeUndefined();
    execmem.execmemFree(a);
    execmem.execmemCacheReclaim();
    expect(space.translate(DIRECT_MAP + pa)?.prot).toBe(PROT_READ | PROT_WRITE | PROT_GLOBAL);
  });

  it('uses the fallback window once the preferred one is full', () => {
    const { execmem } = setup('roxCache');
    expect(execmem.execmemAlloc('bpf', 5 * MB)).toBe(0xffffffff40000000n);
    expect(execmem.execmemAlloc('bpf', 4 * MB)).toBe(0xffffffff48000000n);
    expect(() => execmem.execmemAlloc('bpf', 6 * MB)).toThrow(
      /ENOMEM: no room for 6291456 bytes of bpf/,
    );
    expect(() => execmem.execmemAlloc('bpf', 9 * MB)).toThrow(/E2BIG/);
  });
});

describe('bad input leaves the state unchanged', () => {
  it.each(['roxCache', 'indexedCache', 'vmallocPerAllocation', 'bpfProgPack'] as const)(
    '%s',
    (policy) => {
      const { execmem, counters } = setup(policy);
      const a = execmem.execmemAlloc('bpf', 300);
      const b = execmem.execmemAlloc('moduleData', 300);
      execmem.execmemFree(b);
      const before = execmem.dump();
      const snap = counters.snapshot();
      const cases: [() => unknown, string, RegExp][] = [
        [() => execmem.execmemAlloc('bpf', 0), 'EINVAL', /size 0/],
        [() => execmem.execmemAlloc('bpf', -5), 'EINVAL', /size -5/],
        [() => execmem.execmemAlloc('bpf', Number.NaN), 'EINVAL', /size NaN/],
        [() => execmem.execmemAlloc('bpf', 1.5), 'EINVAL', /size 1.5/],
        [() => execmem.execmemAlloc('bpf', 1 << 30), 'E2BIG', /1073741824/],
        [() => execmem.execmemAlloc('text' as never, 64), 'EINVAL', /"text"/],
        [() => execmem.execmemFree(0xffffffff00123000n), 'EINVAL', /0xffffffff00123000/],
        [() => execmem.execmemFree(a + 64n), 'EINVAL', /inside the allocation/],
        [() => execmem.execmemFree(b), 'EINVAL', /already freed/],
        [() => execmem.execmemFree(0x1234n << 48n), 'EINVAL', /not canonical/],
        [() => execmem.execmemRestoreRox(a, 4096), 'EINVAL', /not a read\/write/],
        [() => execmem.execmemIsRox('nope' as never), 'EINVAL', /"nope"/],
      ];
      for (const [call, code, message] of cases) {
        let caught: unknown;
        try {
          call();
        } catch (e) {
          caught = e;
        }
        expect(isExecmemError(caught, code as never), String(caught)).toBe(true);
        expect(String(caught)).toMatch(message);
        expect(execmem.dump()).toEqual(before);
      }
      expect(counters.snapshot()).toEqual(snap);
    },
  );
});

describe('options', () => {
  it('rejects an unknown policy or direct-map mode', () => {
    const k = createKernelPort(toyPageTableFormat, 16 * MB, DIRECT_MAP);
    expect(() => createExecmemOnPort(k.port, toyInfo(), { policy: 'firstFit' as never })).toThrow(
      /EINVAL: unknown execmem policy "firstFit"/,
    );
    expect(() => createExecmemOnPort(k.port, toyInfo(), { directMap: 'gone' as never })).toThrow(
      /EINVAL: unknown direct-map mode "gone"/,
    );
  });
});

describe('failure injection', () => {
  it('a failed populate changes nothing; a failed free is retried by reclaim', () => {
    const k = createKernelPort(toyPageTableFormat, 64 * MB, DIRECT_MAP);
    let failing: string | null = null;
    const port = withFaultInjection(k.port, (p) => p === failing);
    const execmem = createExecmemOnPort(port, toyInfo(), { policy: 'roxCache' });
    const audit = createWxAuditor([k.space]);
    for (const point of ['allocFrames', 'map', 'setMemory'] as const) {
      failing = point;
      const before = execmem.dump();
      const frames = k.memory.freeFrameCount;
      expect(() => execmem.execmemAlloc('moduleText', 64)).toThrow(/ENOMEM/);
      expect(execmem.dump()).toEqual(before);
      expect(k.memory.freeFrameCount).toBe(frames);
      expect(audit.audit().ok).toBe(true);
    }
    failing = null;
    const a = execmem.execmemAlloc('moduleText', 64);
    failing = 'textPoke';
    execmem.execmemFree(a);
    expect(execmem.dump().pending).toHaveLength(1);
    expect(execmem.execmemCacheReclaim()).toBe(0);
    failing = null;
    expect(execmem.execmemCacheReclaim()).toBe(2 * MB);
    expect(execmem.stats()).toMatchObject({ populatedBytes: 0, pendingBytes: 0 });
  });
});

describe('baselines', () => {
  it('vmallocPerAllocation maps each allocation alone with a guard page', () => {
    const { execmem, counters, audit } = setup('vmallocPerAllocation');
    const a = execmem.execmemAlloc('moduleText', 100);
    const b = execmem.execmemAlloc('moduleText', 5000);
    expect(b - a).toBe(8192n);
    expect(execmem.stats()).toMatchObject({ areas: 2, busyBytes: 4096 + 8192, largePages: 0 });
    expect(counters.get('setMemoryCalls')).toBe(2);
    execmem.execmemFree(a);
    expect(execmem.stats().areas).toBe(1);
    expect(audit.audit().ok).toBe(true);
  });

  it('bpfProgPack packs 64-byte chunks into one 2 MiB pack and frees it when empty', () => {
    const { execmem, audit } = setup('bpfProgPack');
    const a = execmem.execmemAlloc('bpf', 100);
    const b = execmem.execmemAlloc('bpf', 64);
    expect(b - a).toBe(128n);
    expect(execmem.stats()).toMatchObject({ areas: 1, largePages: 1, busyBytes: 192 });
    execmem.execmemFree(a);
    execmem.execmemFree(b);
    expect(execmem.stats()).toMatchObject({ areas: 0, populatedBytes: 0 });
    expect(audit.audit().ok).toBe(true);
  });

  it('the indexed cache keeps a large free area whole where first fit splits it', () => {
    const results = (['roxCache', 'indexedCache'] as const).map((policy) => {
      const { execmem } = setup(policy);
      const xs = [1024, 64, 64, 64].map((n) => execmem.execmemAlloc('bpf', n));
      execmem.execmemFree(xs[0]);
      execmem.execmemFree(xs[2]);
      execmem.execmemAlloc('bpf', 64);
      return execmem.execmemAlloc('bpf', 1024) - xs[0];
    });
    // First fit cut the 1 KiB hole for 64 bytes, so 1 KiB went past the end.
    expect(results[0]).toBe(1024n + 3n * 64n);
    expect(results[1]).toBe(0n);
  });
});

describe('createExecmem on a machine', () => {
  it('charges shootdowns and IPIs to the machine and pokes text through CPU 0', () => {
    const machine = createMachine({ arch: toyArch(), cpus: 4, memory: 64 * MB });
    const execmem = createExecmem(machine, toyInfo(), { policy: 'roxCache' });
    const a = execmem.execmemAlloc('bpf', 200);
    const before = machine.counters.snapshot();
    execmem.execmemFree(a);
    execmem.execmemCacheReclaim();
    const d = machine.counters.diff(before, machine.counters.snapshot());
    expect(d.tlbShootdowns).toBeGreaterThan(0);
    expect(d.ipis).toBe(3 * d.tlbShootdowns);
    expect(d.textPokes).toBe(1);
    expect(createWxAuditor([machine.kernel]).audit().ok).toBe(true);
    expect(() => createExecmem(machine, toyInfo())).toThrow(/EEXIST/);
  });
});
