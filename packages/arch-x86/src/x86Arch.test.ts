import {
  type Chooser,
  CpuStatus,
  ExceptionCause,
  exploreMachine,
  FenceOrder,
  TlbOpEffect,
} from '@execmem/core';
import { describeArchConformance } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { X86Fence } from './isa/executor';
import { x86IsaSamples } from './isa/samples';
import { X86TlbOp } from './mm/cpuProfile';
import { DATA, reg, setReg, TEXT, x86Machine } from './testing/x86Machine';
import { x86Arch } from './x86Arch';

describeArchConformance(x86Arch(), { isaSamples: x86IsaSamples.map((s) => s.source) });

/**
 * The store-buffering test (x86-TSO "SB"): each CPU stores 1 to its own
 * location, runs `barrier`, then loads the other's. Returns the (r8, r8)
 * pairs the explorer finds.
 */
function storeBuffering(barrier: string): string[] {
  const arch = x86Arch();
  const code = (mine: number, other: number) =>
    `movl $0x1,${mine}(%rsi)\n${barrier}\nmov ${other}(%rsi),%r8d\nud2\n.p2align 6\n`;
  const text = arch.isa.assemble(code(0, 64) + code(64, 0)).bytes;
  const build = (chooser: Chooser) => {
    const m = x86Machine({ cpus: 2, chooser, text });
    for (const c of [0, 1]) setReg(m, c, 'rsi', DATA);
    m.start(0, TEXT);
    m.start(1, TEXT + 64n);
    return m;
  };
  const r = exploreMachine(build, (m) => `${reg(m, 0, 'r8')},${reg(m, 1, 'r8')}`);
  expect(r.complete).toBe(true);
  console.log(`SB with "${barrier || 'nothing'}": ${r.states} states, ${r.executions} executions`);
  return [...r.outcomes.values()].map((o) => o.outcome).sort();
}

describe('x86Arch', () => {
  it('is TSO with the SDM fetch rules', () => {
    const arch = x86Arch();
    expect(arch.storage).toMatchObject({ buffered: true, drainOrder: 'fifo' });
    expect(arch.fetchRules).toMatchObject({
      staleness: 'untilContextSync',
      fetchBlock: 16,
      ownStoreSyncs: true,
      exceptionSyncs: true,
      cleanToPou: false,
    });
    expect(arch.patching.liveProtocol).toBe('int3');
    expect(arch.patching.atomicPatchBytes).toBe(0);
    expect(arch.patching.concurrentlyModifiable(Uint8Array.of(0x90))).toBe(false);
    expect(arch.execmemArchSetup?.(7).trapFill).toEqual(Uint8Array.of(0xcc));
    expect(arch.bpfJit).toBeDefined();
  });

  it('maps MFENCE, LFENCE and SFENCE to their orderings', () => {
    const { fenceOrder } = x86Arch();
    expect(fenceOrder(X86Fence.Mfence)).toBe(FenceOrder.Full);
    expect(fenceOrder(X86Fence.Lfence)).toBe(FenceOrder.LoadLoad | FenceOrder.LoadStore);
    expect(fenceOrder(X86Fence.Sfence)).toBe(FenceOrder.StoreStore);
    expect(fenceOrder(99)).toBe(0);
  });

  it('has only local TLB maintenance', () => {
    const { tlbOpEffect, tlbBroadcast } = x86Arch();
    expect(tlbBroadcast).toBe('ipi');
    expect(tlbOpEffect(X86TlbOp.Invlpg)).toBe(TlbOpEffect.Page);
    expect(tlbOpEffect(X86TlbOp.FlushAll)).toBe(0);
  });

  it('resumes after INT3 (a trap) and at UD2 (a fault)', () => {
    const arch = x86Arch();
    const text = arch.isa.assemble('nop\nint3\nud2\n').bytes;
    const events: [number, number, number][] = [];
    const m = x86Machine({
      cpus: 1,
      text,
      onTrap: (e) => {
        events.push([Number(e.cause), e.pc - m.kernel.toEngine(TEXT), e.returnPc - e.pc]);
        return e.cause === ExceptionCause.Breakpoint ? 'resume' : 'stop';
      },
    });
    m.start(0, TEXT);
    m.run();
    expect(events).toEqual([
      [ExceptionCause.Breakpoint, 1, 1],
      [ExceptionCause.Undefined, 2, 0],
    ]);
    expect(m.cpus[0].status).toBe(CpuStatus.Stopped);
  });

  it('lets a load pass an older store (TSO), unless MFENCE, a locked instruction or CPUID intervenes', () => {
    expect(storeBuffering('')).toEqual(['0,0', '0,1', '1,0', '1,1']);
    for (const barrier of ['mfence', 'lock orl $0x0,0x100(%rsi)', 'cpuid', 'serialize']) {
      expect(storeBuffering(barrier)).toEqual(['0,1', '1,0', '1,1']);
    }
    // SFENCE and LFENCE do not order a store before a later load.
    expect(storeBuffering('sfence\nlfence')).toContain('0,0');
  });
});
