import {
  createMachine,
  ExceptionCause,
  findRegion,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { riscvArch } from '../riscvArch';

// Privileged spec 12.4 / 12.5: bits 63:39 (Sv39) or 63:48 (Sv48) must equal bit 38 / 47, else a page fault.
describe.each([
  { mode: 'sv39', outside: [0x0000004000000000n, 0xffffffbffffff000n, 0x0000800000000000n] },
  { mode: 'sv48', outside: [0x0000800000000000n, 0xffff7ffffffff000n, 0xffff000000001000n] },
] as const)('$mode canonical addresses', ({ mode, outside }) => {
  const arch = riscvArch({ mode });
  const text = findRegion(arch.layout, 'modules').start;
  const data = findRegion(arch.layout, 'vmalloc').start;

  /** Runs `ld a1, 0(a0)` at `text` with `a0` = `address`. */
  function load(address: bigint) {
    const m = createMachine({ arch, cpus: 1, memory: 1 << 22 });
    m.mapNew(text, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
    m.mapNew(data, 4096, PROT_READ | PROT_WRITE | PROT_GLOBAL);
    m.load(data, Uint8Array.of(0x2a));
    m.load(text, arch.isa.assemble('ld a1, 0(a0)\nebreak\n').bytes);
    word64.fromBigint(m.cpus[0].state.regs, 2 * 10, address);
    m.start(0, text);
    m.run({ maxSteps: 10 });
    return m;
  }

  it('loads through a canonical kernel address', () => {
    const m = load(data);
    expect(m.cpus[0].stopEvent?.cause).toBe(ExceptionCause.Breakpoint);
    expect(word64.toBigint(m.cpus[0].state.regs, 2 * 11)).toBe(0x2an);
  });

  it.each(outside)('page-faults on non-canonical %s', (address) => {
    const m = load(address);
    expect(m.cpus[0].stopEvent).toMatchObject({
      cause: 'dataFault',
      detail: m.kernel.toEngine(address),
      pc: m.kernel.toEngine(text),
    });
    expect(m.kernel.translate(address)).toBeUndefined();
  });
});
