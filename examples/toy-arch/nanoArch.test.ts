import {
  CpuStatus,
  createMachine,
  createWxAuditor,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  PteKind,
  word64,
} from '@execmem/core';
import { describeArchConformance } from '@execmem/core/testing';
import { createExecmem, EXECMEM_POLICIES, generateWorkload } from '@execmem/execmem';
import { describe, expect, it } from 'vitest';
import { NANO_PTE, NANO_TRAP_FILL, nanoArch, nanoIsa, nanoPageTableFormat } from './index';

const MB = 2 ** 20;

describeArchConformance(nanoArch(), {
  isaSamples: [
    'trap',
    'nop',
    'halt',
    'li r1, -5',
    'addi r2, r1, 32767',
    'add r3, r1, r2',
    'sub r15, r15, r4',
    'ld r1, -8(r15)',
    'st r2, 16(r3)',
    'b 0x40',
    'bnez r7, 0x0',
    'fence 15',
    'isync',
    'fencei',
  ],
  seed: 7,
});

describe('nano64 page-table entries', () => {
  it('puts NX in bit 63 and the huge bit on leaves above the last level', () => {
    const f = nanoPageTableFormat;
    const rx = f.encodeLeaf(0x200000, PROT_READ | PROT_EXEC | PROT_GLOBAL, 2, 0);
    expect(rx).toBe(0x200000n | BigInt(NANO_PTE.P | NANO_PTE.G | NANO_PTE.H));
    const rw = f.encodeLeaf(0x5000, PROT_READ | PROT_WRITE, 3, 0);
    expect(rw).toBe((1n << 63n) | 0x5000n | BigInt(NANO_PTE.P | NANO_PTE.W));
    // The huge bit is reserved at the last level and a leaf cannot sit in the root.
    expect(f.kind(NANO_PTE.P | NANO_PTE.H, 0, 3)).toBe(PteKind.Invalid);
    expect(f.kind(NANO_PTE.P | NANO_PTE.H, 0, 0)).toBe(PteKind.Invalid);
    expect(f.canExpress(PROT_EXEC)).toBe(false);
  });
});

describe('nano64 ISA', () => {
  it('rejects bad source naming line and column, and undefined words', () => {
    expect(() => nanoIsa.assemble('nop\n  li r16, 1')).toThrow(
      /EINVAL.*2:6: "r16" is not a register/,
    );
    expect(() => nanoIsa.assemble('frob r1')).toThrow(/1:1: unknown instruction "frob"/);
    expect(() => nanoIsa.assemble('b nowhere')).toThrow(/1:3: "nowhere" is not an integer/);
    // nop with a register field set is undefined.
    expect(nanoIsa.decode(Uint8Array.of(0x01, 0x01, 0, 0), 0, 4)).toBeNull();
    expect(nanoIsa.disassemble(Uint8Array.of(0xff, 0, 0, 0))[0].text).toBe('.word 0x000000ff');
  });

  it('runs a loop on a machine: sums 1..10 and stores the result', () => {
    const arch = nanoArch();
    const m = createMachine({ arch, cpus: 1, memory: 16 * MB });
    const text = 0xffffffffc0000000n;
    const data = text + 0x10000n;
    const program = nanoIsa.assemble(
      [
        'li r1, 10      # counter',
        'li r2, 0       # sum',
        'li r4, 0',
        'addi r4, r4, 1',
        'loop:',
        'add r2, r2, r1',
        'sub r1, r1, r4',
        'bnez r1, loop',
        `st r2, 0(r5)`,
        'halt',
      ].join('\n'),
      { origin: text },
    );
    m.mapNew(text, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    m.mapNew(data, 4096, PROT_READ | PROT_WRITE | PROT_GLOBAL);
    m.load(text, program.bytes);
    m.cpus[0].state.regs[10] = Number(data & 0xffffffffn);
    m.cpus[0].state.regs[11] = Number(data >> 32n);
    m.start(0, text);
    m.run({ maxSteps: 1000 });
    expect(m.cpus[0].status).toBe(CpuStatus.Halted);
    expect(word64.toBigint(m.cpus[0].state.regs, 4)).toBe(55n);
    expect(new DataView(m.read(data, 8).buffer).getBigUint64(0, true)).toBe(55n);
  });
});

describe('execmem allocators on nano64, unchanged', () => {
  it.each(EXECMEM_POLICIES)(
    '%s: a seeded workload allocates and frees; W^X audit clean',
    (policy) => {
      const arch = nanoArch();
      const machine = createMachine({ arch, cpus: 4, memory: 256 * MB });
      const info = arch.execmemArchSetup!(3);
      const execmem = createExecmem(machine, info, { policy });
      const ops = generateWorkload({ seed: 11, arrivals: 60, meanLifetime: 15 });
      const live = new Map<number, bigint>();
      for (const op of ops) {
        if (op.op === 'alloc') live.set(op.id, execmem.execmemAlloc(op.type, op.size));
        else {
          execmem.execmemFree(live.get(op.id)!);
          live.delete(op.id);
        }
      }
      const dump = execmem.dump();
      expect(dump.busy).toHaveLength(live.size);
      for (const a of dump.busy) {
        const [lo, hi] =
          a.type === 'moduleData'
            ? [0n, 2n ** 64n]
            : [info.ranges[a.type].start, info.ranges[a.type].end];
        const inFallback = a.address >= info.vmallocStart && a.address <= info.vmallocEnd;
        expect(inFallback || (a.address >= lo && a.address <= hi)).toBe(true);
      }
      // Free memory of code types holds the nano64 trap word.
      for (const area of dump.areas) {
        if (area.fill) expect([...area.fill]).toEqual([...NANO_TRAP_FILL]);
      }
      expect(createWxAuditor([machine.kernel]).audit().ok).toBe(true);
      for (const ptr of live.values()) execmem.execmemFree(ptr);
      execmem.execmemCacheReclaim();
      expect(execmem.stats().allocations).toBe(0);
      expect(createWxAuditor([machine.kernel]).audit().ok).toBe(true);
    },
  );
});
