import {
  Counter,
  CpuStatus,
  createMachine,
  ExceptionCause,
  exploreMachine,
  FenceOrder,
  isExecmemError,
  PROT_RWX,
  TlbOpEffect,
} from '@execmem/core';
import { describeArchConformance } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { RISCV_TRAP_FILL } from './execmemArchSetup';
import { riscvIsaSamples } from './isa/samples';
import { riscvArch } from './riscvArch';
import { CODE, DATA, reg, riscvMachine } from './testing/riscvMachine';

/** The text the disassembler prints for every sample's bytes: each must assemble back to itself. */
function disassembledSamples(compressed: boolean): string[] {
  const { isa } = riscvArch({ compressed });
  const texts = new Set<string>();
  for (const { source } of riscvIsaSamples) {
    for (const d of isa.disassemble(isa.assemble(source).bytes)) texts.add(d.text);
  }
  return [...texts];
}

describeArchConformance(riscvArch(), {
  isaSamples: disassembledSamples(true),
  registerUse: { zeroRegister: 0 },
});
describeArchConformance(riscvArch({ mode: 'sv48', compressed: false }), {
  isaSamples: disassembledSamples(false),
  trapFill: RISCV_TRAP_FILL,
  registerUse: { zeroRegister: 0 },
});

/** The FENCE kind the executor passes for `source`. */
function fenceKind(source: string): number {
  const { isa } = riscvArch();
  const d = isa.decode(isa.assemble(source).bytes, 0, 4);
  if (!d) throw new Error(`${source} does not decode`);
  return d.insn.imm;
}

describe('riscv64 arch', () => {
  const arch = riscvArch();

  it('maps FENCE sets to FenceOrder bits (RVWMO; I/O as loads/stores; FENCE.TSO without W→R)', () => {
    const { LoadLoad, LoadStore, StoreLoad, StoreStore, Full } = FenceOrder;
    const cases: [string, number][] = [
      ['fence', Full],
      ['fence rw,rw', Full],
      ['fence iorw,iorw', Full],
      ['fence w,w', StoreStore],
      ['fence r,r', LoadLoad],
      ['fence r,rw', LoadLoad | LoadStore],
      ['fence rw,w', LoadStore | StoreStore],
      ['fence w,r', StoreLoad],
      ['fence w,o', StoreStore],
      ['fence i,r', LoadLoad],
      ['fence.tso', LoadLoad | LoadStore | StoreStore],
    ];
    for (const [source, order] of cases)
      expect(arch.fenceOrder(fenceKind(source)), source).toBe(order);
  });

  it('runs RVWMO message passing: fence w,w on the writer, and fence r,r or an address dependency on the reader; a control dependency is not enough', () => {
    const mp = (writerFence: string, reader: string) =>
      exploreMachine(
        (c) =>
          riscvMachine(
            {
              threads: [`sw t1, 0(a2)\n${writerFence}\nsw t1, 8(a2)`, `lw s0, 8(a2)\n${reader}`],
              registers: () => [{ t1: 1n, a2: DATA }, { a2: DATA }],
            },
            c,
          ),
        (m) => `${reg(m, 1, 's0')}${reg(m, 1, 's1')}`,
      );
    const readers = {
      plain: 'lw s1, 0(a2)',
      fence: 'fence r,r\nlw s1, 0(a2)',
      // RVWMO rule 9: the address depends on s0 syntactically, although it is always a2.
      addr: 'xor t0, s0, s0\nadd t0, a2, t0\nlw s1, 0(t0)',
      // Rule 11 orders only stores after a branch.
      ctrl: 'bnez s0, 1f\n1:\nlw s1, 0(a2)',
    };
    const storeSide = mp('', readers.fence);
    const loadSide = Object.fromEntries(
      Object.entries(readers).map(([name, reader]) => [name, mp('fence w,w', reader)]),
    );
    console.log(
      `RVWMO MP states: no writer fence ${storeSide.states}; writer fence w,w and reader ${Object.entries(
        loadSide,
      )
        .map(([name, r]) => `${name} ${r.states}`)
        .join(', ')}`,
    );
    const weak = (r: { complete: boolean; outcomes: ReadonlyMap<string, unknown> }) => {
      expect(r.complete).toBe(true);
      expect(r.outcomes.has('"11"')).toBe(true);
      return r.outcomes.has('"10"');
    };
    expect(weak(storeSide)).toBe(true);
    expect(weak(loadSide.plain)).toBe(true);
    expect(weak(loadSide.fence)).toBe(false);
    expect(weak(loadSide.addr)).toBe(false);
    expect(weak(loadSide.ctrl)).toBe(true);
  });

  it('runs RVWMO load buffering: a store may pass an earlier load unless a data or control dependency or fence r,w orders them', () => {
    // Hart 0 loads x (a2) and stores y; hart 1 loads y and stores x.
    const lb = (between: string, value = 't1') =>
      exploreMachine(
        (c) =>
          riscvMachine(
            {
              threads: [0, 8].map(
                (from) => `lw s0, ${from}(a2)\n${between}\nsw ${value}, ${8 - from}(a2)`,
              ),
              registers: () => [
                { t1: 1n, a2: DATA },
                { t1: 1n, a2: DATA },
              ],
            },
            c,
          ),
        (m) => `${reg(m, 0, 's0')}${reg(m, 1, 's0')}`,
      );
    const shapes = {
      plain: lb(''),
      // Rule 10: the value stored depends on the load (it is 1 whatever the load read).
      data: lb('xor t2, s0, s0\nadd t2, t2, t1', 't2'),
      // Rule 11: a store after a branch on the load.
      ctrl: lb('bnez s0, 1f\n1:'),
      fence: lb('fence r,w'),
    };
    console.log(
      `RVWMO LB states: ${Object.entries(shapes)
        .map(([name, r]) => `${name} ${r.states}`)
        .join(', ')}`,
    );
    for (const [name, r] of Object.entries(shapes)) {
      expect(r.complete).toBe(true);
      expect(r.outcomes.has('"00"')).toBe(true);
      expect([name, r.outcomes.has('"11"')]).toEqual([name, name === 'plain']);
    }
  });

  it('has SFENCE.VMA act locally: one page with rs1, everything without; never a broadcast', () => {
    const { isa } = arch;
    const effect = (source: string) => {
      const d = isa.decode(isa.assemble(source).bytes, 0, 4);
      let op = -1;
      if (!d) throw new Error(source);
      isa.execute(d.insn, isa.createState(), {
        tlbOp: (o: number) => {
          op = o;
        },
      } as never);
      return arch.tlbOpEffect(op);
    };
    expect(effect('sfence.vma a0')).toBe(TlbOpEffect.Page);
    expect(effect('sfence.vma a0, a1')).toBe(TlbOpEffect.Page);
    expect(effect('sfence.vma')).toBe(0);
    expect(effect('sfence.vma zero, a1')).toBe(0);
  });

  it('runs SFENCE.VMA on the local hart only; a kernel unmap shoots remote TLBs down by IPI, counted', () => {
    const m = riscvMachine({
      threads: ['lw s0, 0(a2)\nsfence.vma a2', 'lw s0, 0(a2)'],
      registers: () => [{ a2: DATA }, { a2: DATA }],
    });
    const v = m.counters.values;
    const before = [v[Counter.tlbShootdowns], v[Counter.ipis]];
    m.run();
    const data = m.kernel.toEngine(DATA);
    expect(m.tlbs[0].dtlb.lookup(data)).toBe(false);
    expect(m.tlbs[1].dtlb.lookup(data)).toBe(true);
    expect([v[Counter.tlbShootdowns], v[Counter.ipis]]).toEqual(before);
    m.kernel.unmap(DATA, 4096n);
    expect(m.tlbs[1].dtlb.lookup(data)).toBe(false);
    expect([v[Counter.tlbShootdowns], v[Counter.ipis]]).toEqual([before[0] + 1, before[1] + 1]);
  });

  it('reads CSRs from the machine, refuses writes to the Zicntr counters, keeps writable CSRs per hart', () => {
    const m = createMachine({
      arch,
      cpus: 2,
      memory: 1 << 22,
      systemRegisters: { time: 1234n },
    });
    m.mapNew(CODE, 4096, PROT_RWX);
    const src = 'rdtime a0\ncsrr a1, satp\ncsrw sscratch, a0\ncsrr a2, sscratch\ncsrw time, a0';
    m.load(CODE, arch.isa.assemble(src, { origin: CODE }).bytes);
    m.start(0, CODE);
    m.run();
    const regs = m.cpus[0].state.regs;
    expect(regs[2 * 10]).toBe(1234);
    expect(regs[2 * 11 + 1] >>> 28).toBe(8); // satp.MODE = Sv39
    expect(regs[2 * 12]).toBe(1234);
    expect(m.cpus[0].status).toBe(CpuStatus.Stopped);
    expect(m.cpus[0].stopEvent?.cause).toBe(ExceptionCause.Undefined);
    const other = new Uint32Array(2);
    expect(m.cpus[1].readSystemRegister(0x140, other, 0)).toBe(true);
    expect(other[0]).toBe(0);
    expect(riscvArch({ mode: 'sv48' }).systemRegisters.find((r) => r.name === 'satp')?.reset).toBe(
      9n << 60n,
    );
  });

  it('returns from ECALL and EBREAK to the instruction itself (sepc)', () => {
    // With C, `ebreak` assembles to c.ebreak.
    for (const [insn, compressed] of [
      ['ecall', true],
      ['ebreak', true],
      ['ebreak', false],
    ] as const) {
      const a = riscvArch({ compressed });
      const m = createMachine({ arch: a, cpus: 1, memory: 1 << 22 });
      m.mapNew(CODE, 4096, PROT_RWX);
      m.load(CODE, a.isa.assemble(`nop\n${insn}`, { origin: CODE }).bytes);
      m.start(0, CODE);
      m.run();
      const e = m.cpus[0].stopEvent;
      expect(e?.returnPc, insn).toBe(e?.pc);
      expect(e?.cause).toBe(
        insn === 'ecall' ? ExceptionCause.SystemCall : ExceptionCause.Breakpoint,
      );
    }
  });

  it('carries execmem setup for Sv39 only, and the eBPF JIT', () => {
    expect(arch.execmemArchSetup?.(1).trapFill).toEqual(Uint8Array.of(0x02, 0x90));
    expect(riscvArch({ compressed: false }).execmemArchSetup?.(1).trapFill).toEqual(
      RISCV_TRAP_FILL,
    );
    expect(riscvArch({ mode: 'sv48' }).execmemArchSetup).toBeUndefined();
    expect(arch.bpfJit?.arch).toBe('riscv64');
    expect(riscvArch({ mode: 'sv48' }).pageTableFormat.name).toBe('Sv48');
  });

  it('rejects an unknown translation mode naming it, and bad source with its line and column', () => {
    try {
      riscvArch({ mode: 'sv57' as 'sv39' });
      expect.unreachable();
    } catch (e) {
      expect(isExecmemError(e, 'EINVAL')).toBe(true);
      expect(String(e)).toMatch(/"sv57".*sv39, sv48/);
    }
    expect(() => arch.isa.assemble('nop\n  frob x1')).toThrow(
      /line 2, column 3: unknown instruction 'frob'/,
    );
    expect(() => arch.isa.assemble('sw a0, 5000(a1)')).toThrow(/line 1, column 8: .*5000/);
  });
});
