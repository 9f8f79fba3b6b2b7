import type { BpfInsn } from './bpfInsn';
import {
  BPF_ABS,
  BPF_B,
  BPF_CALL,
  BPF_CLASS_MASK,
  BPF_H,
  BPF_IND,
  BPF_JMP,
  BPF_LD,
  BPF_LDDW,
  BPF_MODE_MASK,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_W,
  BPF_X,
} from './bpfOpcodes';

/**
 * The slots where BPF functions begin: 0, the target of every `call
 * local` (RFC 9669 §4.3.1) and of every `code_addr` load (§5.4, src 4),
 * sorted. Code generators give each one a prologue, as the kernel JITs
 * each subprogram as its own function.
 */
export function bpfFunctionStarts(program: readonly BpfInsn[]): number[] {
  const starts = new Set([0, ...bpfCodeAddressTargets(program)]);
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
 * The functions whose address the program takes with `lddw` src 4
 * (`code_addr`, RFC 9669 §5.4; the kernel's `BPF_PSEUDO_FUNC`), sorted:
 * the only addresses a `callx` may call besides helper numbers.
 */
export function bpfCodeAddressTargets(program: readonly BpfInsn[]): number[] {
  const targets = new Set<number>();
  for (let pc = 0; pc < program.length; pc++) {
    const insn = program[pc];
    if (insn.opcode !== BPF_LDDW) continue;
    if (insn.src === BPF_PSEUDO_FUNC) targets.add(pc + 1 + insn.imm);
    pc++;
  }
  return [...targets].sort((a, b) => a - b);
}

/** True for the legacy packet loads (RFC 9669 §5.5: class LD, mode ABS or IND). */
export function bpfIsLegacyPacketLoad(insn: BpfInsn): boolean {
  const mode = insn.opcode & BPF_MODE_MASK;
  return (insn.opcode & BPF_CLASS_MASK) === BPF_LD && (mode === BPF_ABS || mode === BPF_IND);
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

/** `BpfJitImage.trapOffsets` from the labels a generator put on its traps, sorted. */
export function bpfTrapOffsets(
  labels: ReadonlyMap<string, number>,
  traps: readonly string[],
): Uint32Array {
  return Uint32Array.from(traps, (name) => labels.get(name) ?? 0).sort();
}

/** The assembler label of the prologue of the BPF function starting at slot `pc`. */
export function bpfFunctionLabel(pc: number): string {
  return `.Lfunc_${pc}`;
}

/** Bytes a load or store of size field `size` (`BPF_B` … `BPF_DW`) moves (RFC 9669 §5). */
export function bpfSizeBytes(size: number): 1 | 2 | 4 | 8 {
  return size === BPF_B ? 1 : size === BPF_H ? 2 : size === BPF_W ? 4 : 8;
}

/**
 * The slot whose machine code contains byte `offset` of an image, from
 * its `insnOffsets` (the last slot starting at or before it, so an empty
 * slot such as a `lddw` tail is never chosen over the one it follows);
 * -1 when `offset` is outside the slots' code.
 */
export function bpfSlotAtOffset(insnOffsets: Uint32Array, offset: number): number {
  const slots = insnOffsets.length - 1;
  if (slots <= 0 || offset < insnOffsets[0] || offset >= insnOffsets[slots]) return -1;
  let lo = 0;
  let hi = slots - 1;
  // Binary search for the first slot whose code ends after `offset`.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (insnOffsets[mid + 1] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
