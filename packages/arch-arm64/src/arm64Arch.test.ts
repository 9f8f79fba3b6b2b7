import {
  Counter,
  createMachine,
  ExceptionCause,
  ExecmemError,
  FenceOrder,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  TlbOpEffect,
  vaFromBigint,
  word64,
} from '@execmem/core';
import { describeArchConformance } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';

const TEXT = 0xffff800100000000n;

import { arm64Arch } from './arm64Arch';
import { ARM64_DEFAULT_CTR_EL0, arm64FetchRules, ctrEl0Value, parseCtrEl0 } from './fetchRules';
import { BarrierOption, dmbCode, dsbCode } from './isa/barriers';
import { arm64IsaSamples } from './isa/samples';
import { TlbiOp } from './isa/system';

describeArchConformance(arm64Arch(), {
  isaSamples: arm64IsaSamples.map((s) => s.source),
  registerUse: { flags: { field: 'nzcv', bits: 4 } },
});

describe('arm64Arch', () => {
  it('derives the fetch rules and the MRS value from CTR_EL0', () => {
    const strict = arm64Arch();
    expect(strict.fetchRules).toMatchObject({
      name: 'arm64 IDC=0 DIC=0',
      staleness: 'untilInvalidated',
      cleanToPou: true,
      maintenanceCompletes: 'atBarrier',
      fetchBlock: 4,
      icacheLine: 64,
      dcacheLine: 64,
    });
    const dic = arm64Arch({ ctrEl0: { idc: true, dic: true, iminLine: 32, dminLine: 128 } });
    expect(dic.fetchRules).toMatchObject({
      staleness: 'untilContextSync',
      cleanToPou: false,
      icacheLine: 32,
      dcacheLine: 128,
    });
    const ctr = dic.systemRegisters.find((r) => r.name === 'CTR_EL0');
    expect(ctr?.readOnly).toBe(true);
    expect(parseCtrEl0(ctr?.reset ?? 0n)).toEqual({
      idc: true,
      dic: true,
      iminLine: 32,
      dminLine: 128,
    });
    expect(arm64FetchRules(ARM64_DEFAULT_CTR_EL0 | (1n << 28n)).cleanToPou).toBe(false);
  });

  it('lets a program read CTR_EL0 and refuses writes to it', () => {
    const arch = arm64Arch({ ctrEl0: { idc: true } });
    const m = createMachine({ arch, cpus: 1 });
    const code = 0xffff800100000000n;
    m.mapNew(code, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    m.load(code, arch.isa.assemble('mrs x0, ctr_el0\nmsr ctr_el0, x0\n').bytes);
    m.start(0, code);
    m.run({ maxSteps: 10 });
    expect(word64.toBigint(m.cpus[0].state.regs, 0)).toBe(ctrEl0Value({ idc: true }));
    expect(m.cpus[0].stopEvent?.pc).toBe(m.kernel.toEngine(code + 4n));
  });

  it('maps barriers to orderings (Arm ARM C6.2.81, C6.2.83)', () => {
    const { fenceOrder } = arm64Arch();
    expect(fenceOrder(dmbCode(BarrierOption.ISH))).toBe(FenceOrder.Full);
    expect(fenceOrder(dmbCode(BarrierOption.SY))).toBe(FenceOrder.Full);
    expect(fenceOrder(dmbCode(BarrierOption.ISHST))).toBe(FenceOrder.StoreStore);
    expect(fenceOrder(dmbCode(BarrierOption.ISHLD))).toBe(
      FenceOrder.LoadLoad | FenceOrder.LoadStore,
    );
    expect(fenceOrder(dsbCode(BarrierOption.ISHST))).toBe(
      FenceOrder.StoreStore | FenceOrder.StoreLoad,
    );
    expect(fenceOrder(dmbCode(BarrierOption.NSH))).toBe(0);
    expect(fenceOrder(dmbCode(0))).toBe(FenceOrder.Full);
    expect(fenceOrder(dsbCode(BarrierOption.ISH))).toBe(FenceOrder.Full | FenceOrder.Completion);
    expect(fenceOrder(dsbCode(BarrierOption.SY))).toBe(FenceOrder.Full | FenceOrder.Completion);
    expect(fenceOrder(dsbCode(BarrierOption.ISHLD))).toBe(
      FenceOrder.LoadLoad | FenceOrder.LoadStore,
    );
    expect(fenceOrder(dsbCode(BarrierOption.NSH))).toBe(0);
  });

  it('classifies TLBI operations', () => {
    const { tlbOpEffect } = arm64Arch();
    expect(tlbOpEffect(TlbiOp.VAE1IS)).toBe(TlbOpEffect.Page | TlbOpEffect.Broadcast);
    expect(tlbOpEffect(TlbiOp.VAALE1IS)).toBe(TlbOpEffect.Page | TlbOpEffect.Broadcast);
    expect(tlbOpEffect(TlbiOp.VMALLE1IS)).toBe(TlbOpEffect.Broadcast);
    expect(tlbOpEffect(TlbiOp.VALE1)).toBe(TlbOpEffect.Page);
    expect(tlbOpEffect(TlbiOp.VMALLE1)).toBe(0);
  });

  it('shoots down a page on every CPU with TLBI VAE1IS, without an IPI', () => {
    const arch = arm64Arch();
    const m = createMachine({ arch, cpus: 2 });
    const code = 0xffff800100000000n;
    const data = 0xffff800100010000n;
    m.mapNew(code, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    m.mapNew(data, 4096, PROT_READ | PROT_WRITE | PROT_GLOBAL);
    m.load(
      code,
      arch.isa.assemble('ldr x2, [x1]\ntlbi vae1is, x3\ndsb ish\nisb\nbrk #0x0\n').bytes,
    );
    word64.fromBigint(m.cpus[1].state.regs, 2, data);
    m.start(1, code);
    m.run({ maxSteps: 2 });
    const ipis = m.counters.values[Counter.ipis];
    word64.fromBigint(m.cpus[0].state.regs, 2, data);
    // __TLBI_VADDR: VA[55:12] in bits 43:0.
    word64.fromBigint(m.cpus[0].state.regs, 6, (data >> 12n) & 0xfffffffffffn);
    m.start(0, code);
    m.run();
    expect(m.tlbs[1].dtlb.lookup(m.kernel.toEngine(data))).toBe(false);
    expect(m.counters.values[Counter.ipis]).toBe(ipis);
  });

  it('returns from a simulated SVC handler with ERET to the next instruction (Arm ARM D1.10.1)', () => {
    const arch = arm64Arch();
    const handler = TEXT + 0x100n;
    const m = createMachine({
      arch,
      cpus: 1,
      onTrap: (e) =>
        e.cause === ExceptionCause.SystemCall ? { vector: vaFromBigint(handler) } : 'stop',
    });
    m.mapNew(TEXT, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    m.load(TEXT, arch.isa.assemble('svc #0x0\nmov x10, #0x3\nbrk #0x0\n').bytes);
    m.load(handler, arch.isa.assemble('mov x9, #0x7\nmrs x11, elr_el1\neret\n').bytes);
    m.start(0, TEXT);
    m.run({ maxSteps: 20 });
    const regs = m.cpus[0].state.regs;
    // Entry wrote the preferred return address, the SVC's successor, to ELR_EL1.
    expect([9, 10, 11].map((r) => word64.toBigint(regs, 2 * r))).toEqual([7n, 3n, TEXT + 4n]);
    expect(m.cpus[0].stopEvent).toMatchObject({
      cause: ExceptionCause.Breakpoint,
      pc: m.kernel.toEngine(TEXT + 8n),
    });
    // ERET outside a handler has no state to return to: undefined instruction.
    m.load(TEXT, arch.isa.assemble('eret\n').bytes);
    m.start(0, TEXT);
    m.run({ maxSteps: 5 });
    expect(m.cpus[0].stopEvent?.cause).toBe(ExceptionCause.Undefined);
  });

  it('rejects a CTR_EL0 it cannot honour, naming the value', () => {
    expect(() => arm64Arch({ ctrEl0: 0x8444c00an })).toThrow(/CTR_EL0 0x8444c00a/);
    expect(() => arm64Arch({ ctrEl0: -1n })).toThrow(ExecmemError);
    expect(() => arm64Arch({ ctrEl0: { iminLine: 48 } })).toThrow(/iminLine 48/);
    expect(() =>
      createMachine({ arch: arm64Arch(), cpus: 1, systemRegisters: { CTR_EL1: 0n } }),
    ).toThrow(/CTR_EL1/);
  });
});
