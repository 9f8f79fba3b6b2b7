import {
  createMachine,
  ExceptionCause,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  word64,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { arm64Arch } from '../arm64Arch';
import { ARM64_MODULES_VADDR, ARM64_PAGE_OFFSET } from './layout';

const RW = PROT_READ | PROT_WRITE | PROT_GLOBAL;
const RX = PROT_READ | PROT_EXEC | PROT_GLOBAL;
/** Data and code in the linear map, below 0xffff800000000000 (bit 47 clear, TTBR1 by bit 55). */
const LINEAR_DATA = ARM64_PAGE_OFFSET + 0x1000n;
const LINEAR_TEXT = ARM64_PAGE_OFFSET + 0x2000n;
/** Code in module (vmalloc) space. */
const VMALLOC_TEXT = ARM64_MODULES_VADDR + 0x100000n;

/** A machine with the three pages mapped, `vmallocSource` at VMALLOC_TEXT and `linearSource` at LINEAR_TEXT. */
function machine(vmallocSource: string, linearSource = 'brk #0x0\n') {
  const arch = arm64Arch();
  const m = createMachine({ arch, cpus: 1, memory: 1 << 22 });
  m.mapNew(LINEAR_DATA, 4096, RW);
  m.mapNew(LINEAR_TEXT, 4096, RX);
  m.mapNew(VMALLOC_TEXT, 4096, RX);
  const words = new DataView(new ArrayBuffer(16));
  words.setBigUint64(0, 0x1122334455667788n, true);
  words.setBigUint64(8, 0x99aabbccddeeff00n, true);
  m.load(LINEAR_DATA, new Uint8Array(words.buffer));
  m.load(VMALLOC_TEXT, arch.isa.assemble(vmallocSource).bytes);
  m.load(LINEAR_TEXT, arch.isa.assemble(linearSource).bytes);
  m.start(0, VMALLOC_TEXT);
  m.run({ maxSteps: 50 });
  return m;
}

const x = (m: ReturnType<typeof machine>, r: number) =>
  word64.toBigint(m.cpus[0].state.regs, 2 * r);

describe('arm64 TTBR1 addresses in CPU registers', () => {
  it('loads from the linear map and executes there, called from vmalloc space', () => {
    const m = machine(
      [
        'movz x0, #0xffff, lsl #48',
        'movk x0, #0x1000', // x0 = 0xffff000000001000, the linear-map data page
        'ldr x1, [x0]',
        'movz x2, #0xffff, lsl #48',
        'movk x2, #0x2000',
        'blr x2',
        'brk #0x1',
        '',
      ].join('\n'),
      // `adr x4, 0`: the page's first byte (the code is assembled at origin 0).
      ['ldr x3, [x0, #8]', 'adr x4, 0', 'str x4, [x0, #16]', 'brk #0x0', ''].join('\n'),
    );
    expect(m.cpus[0].stopEvent).toMatchObject({
      cause: ExceptionCause.Breakpoint,
      pc: m.kernel.toEngine(LINEAR_TEXT + 12n),
    });
    expect(x(m, 1)).toBe(0x1122334455667788n);
    expect(x(m, 3)).toBe(0x99aabbccddeeff00n);
    expect(x(m, 4)).toBe(LINEAR_TEXT);
    expect(x(m, 30)).toBe(VMALLOC_TEXT + 24n);
    const stored = m.read(LINEAR_DATA + 16n, 8);
    expect(new DataView(stored.buffer).getBigUint64(0, true)).toBe(LINEAR_TEXT);
  });

  it('returns from the linear map to a 0xffff8000… vmalloc address with RET', () => {
    const m = machine(
      ['movz x2, #0xffff, lsl #48', 'movk x2, #0x2000', 'blr x2', 'brk #0x2', ''].join('\n'),
      'ret\n',
    );
    expect(m.cpus[0].stopEvent).toMatchObject({
      cause: ExceptionCause.Breakpoint,
      detail: 2,
      pc: m.kernel.toEngine(VMALLOC_TEXT + 12n),
    });
  });

  it('faults on a TTBR0 address, which the kernel tables do not translate', () => {
    const m = machine('mov x5, #0x1000\nldr x6, [x5]\nbrk #0x0\n');
    expect(m.cpus[0].stopEvent).toMatchObject({
      cause: 'dataFault',
      detail: 0x1000,
      pc: m.kernel.toEngine(VMALLOC_TEXT + 4n),
    });
  });
});
