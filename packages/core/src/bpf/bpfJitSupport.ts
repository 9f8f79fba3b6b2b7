import type { BpfInsn } from './bpfInsn';
import {
  BPF_B,
  BPF_CALL,
  BPF_H,
  BPF_JMP,
  BPF_LDDW,
  BPF_PSEUDO_CALL,
  BPF_W,
  BPF_X,
} from './bpfOpcodes';

/**
 * The slots where BPF functions begin: 0 and the target of every
 * `call local` (RFC 9669 §4.3.1), sorted. Code generators give each one
 * a prologue, as the kernel JITs each subprogram as its own function.
 */
export function bpfFunctionStarts(program: readonly BpfInsn[]): number[] {
  const starts = new Set([0]);
  for (let pc = 0; pc < program.length; pc++) {
    const insn = program[pc];
    if (insn.opcode === BPF_LDDW) pc++;
    else if (insn.opcode === (BPF_JMP | BPF_CALL) && insn.src === BPF_PSEUDO_CALL) {
      starts.add(pc + 1 + insn.imm);
    }
  }
  return [...starts].sort((a, b) => a - b);
}

/**
 * The register a `call %rN` (BPF_CALL | BPF_X) takes the helper number
 * from. Toolchains disagree on the field (the kernel's and ubpf's use
 * dst, LLVM's `callx` uses imm), so a non-zero imm names it, else dst.
 */
export function bpfCallxRegister(insn: BpfInsn): number {
  return insn.opcode === (BPF_JMP | BPF_CALL | BPF_X) && insn.imm !== 0 ? insn.imm : insn.dst;
}

/** The 64-bit immediate of a `lddw` (RFC 9669 §5.4), unsigned. */
export function bpfLddwImmediate(insn: BpfInsn): bigint {
  return (BigInt(insn.imm64Hi >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}

/** The assembler label a text-emitting code generator puts before the code of slot `pc`. */
export function bpfSlotLabel(pc: number): string {
  return `.Lbpf_${pc}`;
}

/**
 * Emits every slot of `program` through `emitSlot` with
 * {@link bpfSlotLabel} labels before each (the second slot of a `lddw`
 * shares the next slot's), plus one after the last; a generator then
 * reads `insnOffsets` back with {@link bpfInsnOffsets}.
 */
export function emitBpfSlots(
  program: readonly BpfInsn[],
  label: (name: string) => void,
  emitSlot: (pc: number) => void,
): void {
  for (let pc = 0; pc < program.length; pc++) {
    label(bpfSlotLabel(pc));
    emitSlot(pc);
    if (program[pc].opcode === BPF_LDDW) label(bpfSlotLabel(++pc));
  }
  label(bpfSlotLabel(program.length));
}

/** `BpfJitImage.insnOffsets` from the labels {@link emitBpfSlots} placed, as an assembler reports them. */
export function bpfInsnOffsets(labels: ReadonlyMap<string, number>, slots: number): Uint32Array {
  const offsets = new Uint32Array(slots + 1);
  for (let pc = 0; pc <= slots; pc++) offsets[pc] = labels.get(bpfSlotLabel(pc)) ?? 0;
  return offsets;
}

/** The assembler label of the prologue of the BPF function starting at slot `pc`. */
export function bpfFunctionLabel(pc: number): string {
  return `.Lfunc_${pc}`;
}

/** Bytes a load or store of size field `size` (`BPF_B` … `BPF_DW`) moves (RFC 9669 §5). */
export function bpfSizeBytes(size: number): 1 | 2 | 4 | 8 {
  return size === BPF_B ? 1 : size === BPF_H ? 2 : size === BPF_W ? 4 : 8;
}
