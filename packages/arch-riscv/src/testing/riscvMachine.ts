/**
 * Test support: small riscv64 machines running one assembly thread per
 * hart, litmus style.
 *
 * @module
 */

import {
  type Chooser,
  Counter,
  createMachine,
  type Machine,
  PROT_READ,
  PROT_RWX,
  PROT_WRITE,
  type StorageConfig,
  type TrapAction,
  type TrapEvent,
  word64,
} from '@execmem/core';
import type { RiscvInsn } from '../isa/decoder';
import type { RiscvState } from '../isa/executor';
import { parseIntegerRegister } from '../isa/registers';
import { riscvArch } from '../riscvArch';

/** Where thread `i`'s code starts: `CODE + 0x100 · i` (vmalloc space of Sv39). */
export const CODE = 0xffffffc600000000n;
/** A read-write data page. */
export const DATA = CODE + 0x10000n;

/** A riscv64 machine. */
export type RiscvMachine = Machine<RiscvInsn, RiscvState>;

/** Resolves `label` of thread `thread` to its address. */
export type LabelResolver = (thread: number, label: string) => bigint;

/** A multi-hart program. */
export interface RiscvProgram {
  /** One assembly thread per hart; each ends by waiting for interrupts forever. */
  readonly threads: readonly string[];
  /** Initial registers per hart, by ABI name, given the label addresses. */
  readonly registers?: (
    label: LabelResolver,
  ) => readonly Readonly<Partial<Record<string, bigint>>>[];
  /** Initial 64-bit words of the data page by offset, given the label addresses. */
  readonly data?: (label: LabelResolver) => Readonly<Record<number, bigint>>;
  /** Assemble with compressed forms (default false: litmus code stores whole 32-bit instructions). */
  readonly compressed?: boolean;
  /** Harts implement Ziccid (default false). */
  readonly ziccid?: boolean;
  /** Data-memory model (default the arch's, RVWMO). */
  readonly storage?: StorageConfig;
  /** The machine's trap hook, given the machine. */
  readonly onTrap?: (m: RiscvMachine, event: TrapEvent) => TrapAction;
}

/** The 32-bit encoding of one uncompressed instruction, as a litmus `instr:"…"` value. */
export function instr(source: string): bigint {
  const { bytes } = riscvArch({ compressed: false }).isa.assemble(source);
  return BigInt(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true));
}

/** Builds the machine with every hart started at its thread. */
export function riscvMachine(program: RiscvProgram, chooser?: Chooser): RiscvMachine {
  const compressed = program.compressed ?? false;
  const arch = riscvArch({ compressed, ziccid: program.ziccid ?? false });
  const m: RiscvMachine = createMachine({
    arch,
    cpus: program.threads.length,
    memory: 1 << 22,
    ...(program.storage ? { storage: program.storage } : {}),
    ...(chooser ? { chooser } : {}),
    ...(program.onTrap ? { onTrap: (e: TrapEvent) => program.onTrap?.(m, e) ?? 'stop' } : {}),
  });
  m.mapNew(CODE, 4096, PROT_RWX);
  m.mapNew(DATA, 4096, PROT_READ | PROT_WRITE);
  const assembled = program.threads.map((src, i) =>
    arch.isa.assemble(`${src}\n__halt:\nwfi\nj __halt`, { origin: CODE + BigInt(0x100 * i) }),
  );
  const label: LabelResolver = (thread, name) => {
    const offset = assembled[thread]?.labels.get(name);
    if (offset === undefined) throw new Error(`no label ${name} in thread ${thread}`);
    return CODE + BigInt(0x100 * thread + offset);
  };
  const words = new Uint8Array(8);
  for (const [offset, value] of Object.entries(program.data?.(label) ?? {})) {
    new DataView(words.buffer).setBigUint64(0, value, true);
    m.load(DATA + BigInt(offset), words);
  }
  const registers = program.registers?.(label) ?? [];
  assembled.forEach((a, i) => {
    const origin = CODE + BigInt(0x100 * i);
    m.load(origin, a.bytes);
    for (const [name, value] of Object.entries(registers[i] ?? {})) {
      if (value === undefined) continue;
      word64.fromBigint(m.cpus[i].state.regs, 2 * parseIntegerRegister(name), value);
    }
    m.start(i, origin);
  });
  return m;
}

/** Register `name` of hart `cpu`. */
export function reg(m: RiscvMachine, cpu: number, name: string): bigint {
  return word64.toBigint(m.cpus[cpu].state.regs, 2 * parseIntegerRegister(name));
}

/** Fetches counted as torn so far. */
export function tornFetches(m: RiscvMachine): number {
  return m.counters.values[Counter.tornFetches];
}
