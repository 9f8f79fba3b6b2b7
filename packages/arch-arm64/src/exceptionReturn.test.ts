import {
  createMachine,
  ExceptionCause,
  type Machine,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  type TrapAction,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { arm64Arch } from './arm64Arch';
import { SystemRegister } from './isa/systemRegisters';
import { ARM64_MODULES_VADDR } from './mm/layout';

const TEXT = ARM64_MODULES_VADDR + 0x100000n;
const HANDLER = TEXT + 0x800n;

/** Runs `main` at TEXT with a breakpoint outside the handler entering `handler` at HANDLER, and one inside it stopping the CPU. */
function run(main: string, handler: string) {
  const arch = arm64Arch();
  const m: Machine = createMachine({
    arch,
    cpus: 1,
    memory: 1 << 22,
    onTrap: (e): TrapAction =>
      m.cpus[e.cpu].savedPc >= 0 ? 'stop' : { vector: m.kernel.toEngine(HANDLER) },
  });
  m.mapNew(TEXT, 4096, PROT_READ | PROT_EXEC | PROT_GLOBAL);
  m.load(TEXT, arch.isa.assemble(main).bytes);
  m.load(HANDLER, arch.isa.assemble(handler).bytes);
  m.start(0, TEXT);
  m.run({ maxSteps: 100 });
  return m;
}

const reg = (m: ReturnType<typeof run>, r: number) => word64.toBigint(m.cpus[0].state.regs, 2 * r);

// Arm ARM D1.10.1: exception entry writes the preferred return address to ELR_EL1;
// C6.2.88 ERET: the PE returns to the address in ELR_EL1.
describe('arm64 exception return goes through ELR_EL1', () => {
  it('entry writes the address of the BRK to ELR_EL1, and ERET returns there once the handler skips it', () => {
    const m = run(
      ['mov x0, #1', 'brk #0x1', 'mov x0, #2', 'mov x3, #3', 'wfi', ''].join('\n'),
      ['mrs x1, elr_el1', 'add x2, x1, #8', 'msr elr_el1, x2', 'eret', ''].join('\n'),
    );
    // The handler saw the BRK's address and returned past `brk; mov x0, #2`.
    expect(reg(m, 1)).toBe(TEXT + 4n);
    expect(reg(m, 0)).toBe(1n);
    expect(reg(m, 3)).toBe(3n);
    expect(m.cpus[0].stopEvent).toBeUndefined();
    expect(m.cpus[0].savedPc).toBe(-1);
    const elr = new Uint32Array(2);
    m.cpus[0].readSystemRegister(SystemRegister.ELR_EL1, elr, 0);
    expect(word64.toBigint(elr, 0)).toBe(TEXT + 12n);
  });

  it('an ELR_EL1 that is no address raises a protection exception at the ERET', () => {
    const m = run(
      ['brk #0x1', ''].join('\n'),
      ['movz x2, #0x1234, lsl #48', 'msr elr_el1, x2', 'eret', ''].join('\n'),
    );
    expect(m.cpus[0].stopEvent).toMatchObject({
      cause: ExceptionCause.Protection,
      pc: m.kernel.toEngine(HANDLER + 8n),
    });
  });
});
