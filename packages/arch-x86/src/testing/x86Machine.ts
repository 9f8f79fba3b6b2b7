/**
 * A small x86-64 machine for this package's tests: code pages in the
 * module space, a writable alias of the second code page in vmalloc space
 * and a data page.
 *
 * @module
 */

import {
  type Chooser,
  createMachine,
  type Machine,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  type TrapHandler,
  word64,
} from '@execmem/core';
import type { X86Insn } from '../isa/insn';
import type { X86State } from '../isa/state';
import { x86Arch } from '../x86Arch';

/** First code page (module space). */
export const TEXT = 0xffffffffa0000000n;
/** Second code page, the patch target. */
export const SITE_PAGE = TEXT + 0x1000n;
/** A read-write alias of {@link SITE_PAGE} (another linear address of the same frame). */
export const ALIAS = 0xffffc90000000000n;
/** A read-write data page. */
export const DATA = 0xffffc90000010000n;
/** Top of a 4 KiB stack page. */
export const STACK_TOP = 0xffffc90000021000n;

/** The x86-64 machine of {@link x86Machine}. */
export type X86Machine = Machine<X86Insn, X86State>;

const RW = PROT_READ | PROT_WRITE | PROT_GLOBAL;
const RX = PROT_READ | PROT_EXEC | PROT_GLOBAL;

/** Builds the machine: `text` at TEXT, `site` at SITE_PAGE, every RSP at STACK_TOP. */
export function x86Machine(options: {
  readonly cpus: number;
  readonly chooser?: Chooser;
  readonly seed?: number;
  readonly onTrap?: TrapHandler;
  readonly text?: Uint8Array;
  readonly site?: Uint8Array;
}): X86Machine {
  const m = createMachine({
    arch: x86Arch(),
    cpus: options.cpus,
    ...(options.chooser ? { chooser: options.chooser } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.onTrap ? { onTrap: options.onTrap } : {}),
  });
  m.mapNew(TEXT, 4096, RX);
  const site = m.mapNew(SITE_PAGE, 4096, RX);
  m.kernel.map(ALIAS, BigInt(site), 4096n, RW);
  m.mapNew(DATA, 4096, RW);
  m.mapNew(STACK_TOP - 4096n, 4096, RW);
  if (options.text) m.load(TEXT, options.text);
  if (options.site) m.load(SITE_PAGE, options.site);
  for (const c of m.cpus) setReg(m, c.id, 'rsp', STACK_TOP);
  return m;
}

function index(name: string): number {
  const i = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'].indexOf(name);
  return i >= 0 ? i : Number(name.slice(1));
}

/** Sets register `name` (`rax`…`rdi`, `r8`…`r15`) of `cpu`. */
export function setReg(m: X86Machine, cpu: number, name: string, value: bigint): void {
  word64.fromBigint(m.cpus[cpu].state.regs, 2 * index(name), value);
}

/** Register `name` of `cpu`. */
export function reg(m: X86Machine, cpu: number, name: string): bigint {
  return word64.toBigint(m.cpus[cpu].state.regs, 2 * index(name));
}
