/**
 * The AArch64 eBPF code generator, after the kernel's
 * `arch/arm64/net/bpf_jit_comp.c`: its register mapping, frame layout and
 * LSE atomics, emitted as GNU assembly and assembled by this package's own
 * assembler so every word is one the decoder accepts.
 *
 * @module
 */

import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JMP,
  BPF_JMP32,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_RSH,
  BPF_ST,
  BPF_SUB,
  BPF_TO_BE,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  type BpfInsn,
  type BpfJitBackend,
  type BpfJitEnv,
  type BpfJitImage,
  bpfCallxRegister,
  bpfCodeAddressTargets,
  bpfFunctionLabel,
  bpfFunctionStarts,
  bpfInsnOffsets,
  bpfIsLegacyPacketLoad,
  bpfLddwImmediate,
  bpfSizeBytes,
  bpfSlotLabel,
  bpfTrapOffsets,
  emitBpfSlots,
  fail,
} from '@execmem/core';
import { assembleArm64 } from '../isa/assembler';

/**
 * BPF r0–r10 → AArch64 register numbers, the kernel's `bpf2a64` table:
 * r0 x7 (moved to x0 on return, since x0 carries r1 in), r1–r5 x0–x4,
 * r6–r9 x19–x22, r10 x25.
 */
const REGS = [7, 0, 1, 2, 3, 4, 19, 20, 21, 22, 25];

/** Scratch registers (the kernel's TMP_REG_1..3); x27 and x28 are callee-saved and saved once by the outer frame. */
const TMP1 = 10;
const TMP2 = 11;
const TMP3 = 12;
/** Holds a callx helper number across the call. */
const NUMBER = 27;
/** The outer frame's stack pointer, for the unwind path. */
const OUTER_SP = 28;
/** The input block (the legacy packet) and its length, kept by the outer frame for `ldabs`/`ldind`. */
const PACKET = 23;
const PACKET_LEN = 24;

/** B.cond condition per BPF jump (after `cmp dst, src`, or `tst` for JSET). */
const CONDITIONS = new Map([
  [BPF_JEQ, 'eq'],
  [BPF_JNE, 'ne'],
  [BPF_JGT, 'hi'],
  [BPF_JGE, 'hs'],
  [BPF_JLT, 'lo'],
  [BPF_JLE, 'ls'],
  [BPF_JSGT, 'gt'],
  [BPF_JSGE, 'ge'],
  [BPF_JSLT, 'lt'],
  [BPF_JSLE, 'le'],
  [BPF_JSET, 'ne'],
]);

const ALU_MNEMONICS = new Map([
  [BPF_ADD, 'add'],
  [BPF_SUB, 'sub'],
  [BPF_MUL, 'mul'],
  [BPF_OR, 'orr'],
  [BPF_AND, 'and'],
  [BPF_XOR, 'eor'],
  [BPF_LSH, 'lsl'],
  [BPF_RSH, 'lsr'],
  [BPF_ARSH, 'asr'],
]);

/** LSE atomic instruction per BPF atomic operation (AND is LDCLR of the complement). */
const ATOMIC_MNEMONICS = new Map([
  [BPF_ADD, 'ldaddal'],
  [BPF_OR, 'ldsetal'],
  [BPF_AND, 'ldclral'],
  [BPF_XOR, 'ldeoral'],
]);

const x = (n: number): string => `x${n}`;
const w = (n: number): string => `w${n}`;
const reg = (n: number, is64: boolean): string => (is64 ? x(n) : w(n));

/** One translation: the text being built and its local-label counter. */
class Arm64BpfEmitter {
  readonly lines: string[] = [];
  private labels = 0;
  /** Labels of the traps a bad `callx` target runs into (`BpfJitImage.trapOffsets`). */
  readonly traps: string[] = [];

  constructor(
    private readonly env: BpfJitEnv,
    /** Functions whose address the program takes (`code_addr`): what `callx` may call. */
    private readonly codeTargets: readonly number[],
  ) {}

  emit(line: string): void {
    this.lines.push(`  ${line}`);
  }

  label(name: string): void {
    this.lines.push(`${name}:`);
  }

  local(): string {
    return `.Lx${this.labels++}`;
  }

  /**
   * Loads a constant with MOVZ/MOVN and MOVK, starting from whichever of
   * all-zeros or all-ones needs fewer MOVKs (the kernel's
   * `emit_a64_mov_i64`).
   */
  constant(rd: number, value: bigint, is64: boolean): void {
    const chunks = is64 ? 4 : 2;
    const v = BigInt.asUintN(chunks * 16, value);
    const half = (i: number): number => Number((v >> BigInt(16 * i)) & 0xffffn);
    let zeros = 0;
    let ones = 0;
    for (let i = 0; i < chunks; i++) {
      if (half(i) === 0) zeros++;
      else if (half(i) === 0xffff) ones++;
    }
    const inverted = ones > zeros;
    const fill = inverted ? 0xffff : 0;
    const r = reg(rd, is64);
    let first = true;
    for (let i = 0; i < chunks; i++) {
      const h = half(i);
      if (h === fill && !(first && i === chunks - 1)) continue;
      if (first) {
        const op = inverted ? 'movn' : 'movz';
        this.emit(`${op} ${r}, #${inverted ? ~h & 0xffff : h}, lsl #${16 * i}`);
        first = false;
      } else this.emit(`movk ${r}, #${h}, lsl #${16 * i}`);
    }
  }

  /** The imm of a BPF_K operand in `rd`, sign-extended to 64 bits (RFC 9669 §4) or as 32 bits. */
  immediate(rd: number, imm: number, is64: boolean): void {
    this.constant(rd, BigInt(imm), is64);
  }

  /**
   * The outer frame (a C function `u64 prog(void *mem, u64 len)`): saves
   * what the BPF functions may clobber, records its stack pointer for the
   * unwind path, keeps the input block and its length (the legacy packet)
   * in x23 and x24, calls BPF function 0 and returns its r0 in x0.
   */
  outerFrame(): void {
    this.emit('stp x29, x30, [sp, #-16]!');
    this.emit('mov x29, sp');
    for (const [a, b] of CALLEE_SAVED) this.emit(`stp x${a}, x${b}, [sp, #-16]!`);
    this.emit(`stp x${PACKET}, x${PACKET_LEN}, [sp, #-16]!`);
    this.emit(`stp x${NUMBER}, x${OUTER_SP}, [sp, #-16]!`);
    this.emit(`mov ${x(OUTER_SP)}, sp`);
    this.emit(`mov ${x(PACKET)}, x0`);
    this.emit(`mov ${x(PACKET_LEN)}, x1`);
    this.emit(`bl ${bpfFunctionLabel(0)}`);
    this.label('.Lout');
    this.emit(`mov x0, ${x(REGS[0])}`);
    this.emit(`ldp x${NUMBER}, x${OUTER_SP}, [sp], #16`);
    this.emit(`ldp x${PACKET}, x${PACKET_LEN}, [sp], #16`);
    for (const [a, b] of [...CALLEE_SAVED].reverse()) this.emit(`ldp x${a}, x${b}, [sp], #16`);
    this.emit('ldp x29, x30, [sp], #16');
    this.emit('ret');
    // Helper 5 returned 0, or a legacy packet load missed the packet: the program returns 0 from any depth.
    this.label('.Lunwind');
    this.emit(`mov sp, ${x(OUTER_SP)}`);
    this.emit(`mov ${x(REGS[0])}, xzr`);
    this.emit('b .Lout');
  }

  /** The prologue of a BPF function: frame record, r6–r9 and r10 saved, r10 = top of a 512-byte frame. */
  functionPrologue(pc: number): void {
    this.label(bpfFunctionLabel(pc));
    this.emit('stp x29, x30, [sp, #-16]!');
    this.emit('mov x29, sp');
    for (const [a, b] of CALLEE_SAVED) this.emit(`stp x${a}, x${b}, [sp, #-16]!`);
    this.emit(`mov ${x(REGS[10])}, sp`);
    this.emit(`sub sp, sp, #${this.env.stackSize}`);
    this.emit(`b ${bpfSlotLabel(pc)}`);
  }

  functionEpilogue(): void {
    this.label('.Lexit');
    this.emit(`mov sp, ${x(REGS[10])}`);
    for (const [a, b] of [...CALLEE_SAVED].reverse()) this.emit(`ldp x${a}, x${b}, [sp], #16`);
    this.emit('ldp x29, x30, [sp], #16');
    this.emit('ret');
  }

  insn(program: readonly BpfInsn[], pc: number): void {
    const insn = program[pc];
    switch (insn.cls) {
      case BPF_ALU:
      case BPF_ALU64:
        this.alu(insn, insn.cls === BPF_ALU64);
        return;
      case BPF_JMP:
      case BPF_JMP32:
        this.jump(insn, pc);
        return;
      case BPF_LD:
        if (bpfIsLegacyPacketLoad(insn)) this.legacyPacketLoad(insn);
        // ADR reaches ±1 MiB, as the conditional branches of this generator do.
        else if (insn.src === BPF_PSEUDO_FUNC)
          this.emit(`adr ${x(REGS[insn.dst])}, ${bpfFunctionLabel(pc + 1 + insn.imm)}`);
        else this.constant(REGS[insn.dst], bpfLddwImmediate(insn), true);
        return;
      case BPF_LDX:
        this.load(insn);
        return;
      case BPF_ST:
        this.immediate(TMP3, insn.imm, true);
        this.store(TMP3, insn);
        return;
      default:
        if (insn.mode === BPF_ATOMIC) this.atomic(insn, pc);
        else this.store(REGS[insn.src], insn);
    }
  }

  /** The second operand's register: src, or the immediate placed in TMP1. */
  private operand(insn: BpfInsn, is64: boolean): number {
    if (insn.source === BPF_X) return REGS[insn.src];
    this.immediate(TMP1, insn.imm, is64);
    return TMP1;
  }

  private alu(insn: BpfInsn, is64: boolean): void {
    const d = REGS[insn.dst];
    const rd = reg(d, is64);
    const mnemonic = ALU_MNEMONICS.get(insn.op);
    const isShift = insn.op === BPF_LSH || insn.op === BPF_RSH || insn.op === BPF_ARSH;
    if (isShift && insn.source !== BPF_X) {
      // RFC 9669 §4.1: the count is masked to the operand width.
      this.emit(`${mnemonic} ${rd}, ${rd}, #${insn.imm & (is64 ? 63 : 31)}`);
      return;
    }
    if (mnemonic) {
      // LSLV/LSRV/ASRV take the count modulo the width, as RFC 9669 §4.1 wants.
      this.emit(`${mnemonic} ${rd}, ${rd}, ${reg(this.operand(insn, is64), is64)}`);
      return;
    }
    switch (insn.op) {
      case BPF_DIV:
      case BPF_MOD: {
        // UDIV/SDIV give 0 for a zero divisor and wrap INT_MIN / -1 (Arm ARM C6.2: no trap),
        // so MSUB leaves the dividend for MOD by zero and 0 for INT_MIN % -1, as RFC 9669 §4.1 wants.
        const s = reg(this.operand(insn, is64), is64);
        const div = insn.off === 1 ? 'sdiv' : 'udiv';
        if (insn.op === BPF_DIV) this.emit(`${div} ${rd}, ${rd}, ${s}`);
        else {
          this.emit(`${div} ${reg(TMP2, is64)}, ${rd}, ${s}`);
          this.emit(`msub ${rd}, ${reg(TMP2, is64)}, ${s}, ${rd}`);
        }
        return;
      }
      case BPF_NEG:
        this.emit(`neg ${rd}, ${rd}`);
        return;
      case BPF_MOV:
        this.move(insn, is64);
        return;
      case BPF_END:
        this.byteSwap(insn, is64);
        return;
    }
    fail('ENOSYS', `arm64 BPF JIT: unsupported ALU opcode 0x${insn.opcode.toString(16)}`);
  }

  private move(insn: BpfInsn, is64: boolean): void {
    const d = REGS[insn.dst];
    if (insn.source !== BPF_X) {
      this.immediate(d, insn.imm, is64);
      return;
    }
    const s = REGS[insn.src];
    // RFC 9669 §4.1 MOVSX: offset 8/16/32 sign-extends that many low bits of src.
    if (insn.off === 8) this.emit(`sxtb ${reg(d, is64)}, ${w(s)}`);
    else if (insn.off === 16) this.emit(`sxth ${reg(d, is64)}, ${w(s)}`);
    else if (insn.off === 32) this.emit(`sxtw ${x(d)}, ${w(s)}`);
    else this.emit(`mov ${reg(d, is64)}, ${reg(s, is64)}`);
  }

  /** RFC 9669 §4.2: to-LE truncates (AArch64 data is little-endian here), to-BE and ALU64 swap. */
  private byteSwap(insn: BpfInsn, is64: boolean): void {
    const d = REGS[insn.dst];
    const swap = is64 || insn.source === BPF_TO_BE;
    if (insn.imm === 16) {
      if (swap) this.emit(`rev16 ${w(d)}, ${w(d)}`);
      this.emit(`uxth ${w(d)}, ${w(d)}`);
    } else if (insn.imm === 32) {
      if (swap) this.emit(`rev ${w(d)}, ${w(d)}`);
      else this.emit(`mov ${w(d)}, ${w(d)}`);
    } else if (swap) {
      this.emit(`rev ${x(d)}, ${x(d)}`);
    }
  }

  private jump(insn: BpfInsn, pc: number): void {
    if (insn.op === BPF_EXIT) {
      this.emit('b .Lexit');
      return;
    }
    if (insn.op === BPF_CALL) {
      this.call(insn, pc);
      return;
    }
    if (insn.op === BPF_JA) {
      this.emit(`b ${bpfSlotLabel(pc + 1 + (insn.cls === BPF_JMP32 ? insn.imm : insn.off))}`);
      return;
    }
    const is64 = insn.cls === BPF_JMP;
    const d = reg(REGS[insn.dst], is64);
    const compare = insn.op === BPF_JSET ? 'tst' : 'cmp';
    if (compare === 'cmp' && insn.source !== BPF_X && insn.imm >= 0 && insn.imm < 4096) {
      this.emit(`cmp ${d}, #${insn.imm}`);
    } else this.emit(`${compare} ${d}, ${reg(this.operand(insn, is64), is64)}`);
    this.emit(`b.${CONDITIONS.get(insn.op)} ${bpfSlotLabel(pc + 1 + insn.off)}`);
  }

  private call(insn: BpfInsn, pc: number): void {
    const env = this.env;
    if (insn.source !== BPF_X && insn.src === BPF_PSEUDO_CALL) {
      this.emit(`bl ${bpfFunctionLabel(pc + 1 + insn.imm)}`);
      return;
    }
    if (insn.source === BPF_X) {
      this.callRegister(REGS[bpfCallxRegister(insn)]);
      return;
    }
    const target = env.helpers.get(insn.imm);
    if (target === undefined)
      fail('ENOSYS', `instruction ${pc}: call to unknown helper ${insn.imm}`);
    // BL reaches ±128 MiB only; through a register any helper is in reach (the kernel's emit_call).
    this.constant(TMP1, target, true);
    this.emit(`blr ${x(TMP1)}`);
    this.emit(`mov ${x(REGS[0])}, x0`);
    if (insn.imm === env.unwindHelper) this.emit(`cbz ${x(REGS[0])}, .Lunwind`);
  }

  /**
   * `call %rN` (callx): a number below the table's length indexes the
   * helper table; otherwise the value is compared with the address of each
   * function the program took with `code_addr` and called like `call
   * local`. Anything else (or an empty entry) runs into a BRK listed in
   * `trapOffsets` (`BpfJitEnv.helperTable`).
   */
  private callRegister(numberReg: number): void {
    const env = this.env;
    const notHelper = this.local();
    const trap = this.local();
    const local = this.local();
    const done = this.local();
    this.emit(`mov ${x(TMP2)}, ${x(numberReg)}`);
    this.constant(TMP1, BigInt(env.helperTableLength), true);
    this.emit(`cmp ${x(TMP2)}, ${x(TMP1)}`);
    this.emit(`b.hs ${notHelper}`);
    this.constant(TMP1, env.helperTable, true);
    this.emit(`ldr ${x(TMP1)}, [${x(TMP1)}, ${x(TMP2)}, lsl #3]`);
    this.emit(`cbz ${x(TMP1)}, ${trap}`);
    this.emit(`mov ${x(NUMBER)}, ${x(TMP2)}`);
    this.emit(`blr ${x(TMP1)}`);
    this.emit(`mov ${x(REGS[0])}, x0`);
    if (env.unwindHelper !== undefined) {
      this.emit(`cmp ${x(NUMBER)}, #${env.unwindHelper}`);
      this.emit(`b.ne ${done}`);
      this.emit(`cbz ${x(REGS[0])}, .Lunwind`);
    }
    this.emit(`b ${done}`);
    this.label(notHelper);
    for (const target of this.codeTargets) {
      this.emit(`adr ${x(TMP1)}, ${bpfFunctionLabel(target)}`);
      this.emit(`cmp ${x(TMP2)}, ${x(TMP1)}`);
      this.emit(`b.eq ${local}`);
    }
    this.label(trap);
    this.traps.push(trap);
    this.emit('brk #0x100');
    this.label(local);
    if (this.codeTargets.length > 0) this.emit(`blr ${x(TMP2)}`);
    this.label(done);
  }

  /**
   * RFC 9669 §5.5 `ldabs`/`ldind` on the input block, as `BpfJitBackend`
   * defines them: the offset `(s32)(src + imm)` (or `imm`) is checked
   * against the block in x23/x24, and the bytes are loaded into BPF r0
   * and reversed from network order; outside the block the program
   * returns 0 (the unwind path).
   */
  private legacyPacketLoad(insn: BpfInsn): void {
    const bytes = bpfSizeBytes(insn.size);
    const r0 = REGS[0];
    if (insn.mode === BPF_IND && insn.imm === 0) this.emit(`mov ${w(TMP1)}, ${w(REGS[insn.src])}`);
    else {
      this.immediate(TMP1, insn.imm, false);
      if (insn.mode === BPF_IND) this.emit(`add ${w(TMP1)}, ${w(REGS[insn.src])}, ${w(TMP1)}`);
    }
    this.emit(`sxtw ${x(TMP1)}, ${w(TMP1)}`);
    this.emit(`cmp ${x(TMP1)}, #0`);
    this.emit('b.lt .Lunwind');
    this.emit(`add ${x(TMP2)}, ${x(TMP1)}, #${bytes}`);
    this.emit(`cmp ${x(TMP2)}, ${x(PACKET_LEN)}`);
    this.emit('b.hi .Lunwind');
    const at = `[${x(PACKET)}, ${x(TMP1)}]`;
    if (bytes === 1) this.emit(`ldrb ${w(r0)}, ${at}`);
    else if (bytes === 2) {
      this.emit(`ldrh ${w(r0)}, ${at}`);
      this.emit(`rev16 ${w(r0)}, ${w(r0)}`);
    } else if (bytes === 4) {
      this.emit(`ldr ${w(r0)}, ${at}`);
      this.emit(`rev ${w(r0)}, ${w(r0)}`);
    } else {
      this.emit(`ldr ${x(r0)}, ${at}`);
      this.emit(`rev ${x(r0)}, ${x(r0)}`);
    }
  }

  /** `[base, #off]` when LDUR/STUR's 9-bit offset fits, else the offset in TMP2 as an index. */
  private address(base: number, off: number): { unscaled: boolean; text: string } {
    if (off >= -256 && off < 256) return { unscaled: true, text: `[${x(base)}, #${off}]` };
    this.immediate(TMP2, off, true);
    return { unscaled: false, text: `[${x(base)}, ${x(TMP2)}]` };
  }

  private load(insn: BpfInsn): void {
    const d = REGS[insn.dst];
    const bytes = bpfSizeBytes(insn.size);
    const { unscaled, text } = this.address(REGS[insn.src], insn.off);
    const base = unscaled ? 'ldur' : 'ldr';
    const suffix = bytes === 1 ? 'b' : bytes === 2 ? 'h' : bytes === 4 ? 'w' : '';
    if (insn.mode === BPF_MEMSX) this.emit(`${base}s${suffix} ${x(d)}, ${text}`);
    else if (bytes === 8) this.emit(`${base} ${x(d)}, ${text}`);
    else this.emit(`${base}${bytes === 4 ? '' : suffix} ${w(d)}, ${text}`);
  }

  private store(value: number, insn: BpfInsn): void {
    const bytes = bpfSizeBytes(insn.size);
    const { unscaled, text } = this.address(REGS[insn.dst], insn.off);
    const base = unscaled ? 'stur' : 'str';
    const suffix = bytes === 1 ? 'b' : bytes === 2 ? 'h' : '';
    this.emit(`${base}${suffix} ${reg(value, bytes === 8)}, ${text}`);
  }

  /** RFC 9669 §5.3 atomics with ARMv8.1 LSE, as the kernel's `emit_lse_atomic`. */
  private atomic(insn: BpfInsn, pc: number): void {
    const is64 = insn.size === BPF_DW;
    const s = REGS[insn.src];
    let addr = REGS[insn.dst];
    if (insn.off !== 0) {
      this.immediate(TMP2, insn.off, true);
      this.emit(`add ${x(TMP2)}, ${x(addr)}, ${x(TMP2)}`);
      addr = TMP2;
    }
    const at = `[${x(addr)}]`;
    if (insn.imm === BPF_XCHG) {
      this.emit(`swpal ${reg(s, is64)}, ${reg(s, is64)}, ${at}`);
      return;
    }
    if (insn.imm === BPF_CMPXCHG) {
      const r0 = REGS[0];
      this.emit(`mov ${x(TMP1)}, ${x(r0)}`);
      this.emit(`casal ${reg(TMP1, is64)}, ${reg(s, is64)}, ${at}`);
      // A W-register move zero-extends the old value, as RFC 9669 §5.3 wants in r0.
      this.emit(`mov ${reg(r0, is64)}, ${reg(TMP1, is64)}`);
      return;
    }
    const op = insn.imm & ~BPF_FETCH;
    const mnemonic = ATOMIC_MNEMONICS.get(op);
    if (!mnemonic)
      fail('ENOSYS', `instruction ${pc}: unsupported atomic operation 0x${insn.imm.toString(16)}`);
    let operand = s;
    if (op === BPF_AND) {
      this.emit(`mvn ${x(TMP1)}, ${x(s)}`);
      operand = TMP1;
    }
    const result = insn.imm & BPF_FETCH ? s : TMP3;
    this.emit(`${mnemonic} ${reg(operand, is64)}, ${reg(result, is64)}, ${at}`);
  }
}

/** Register pairs every BPF function saves: r6–r9 and r10 (x26 keeps the pair 16-byte aligned). */
const CALLEE_SAVED: readonly (readonly [number, number])[] = [
  [19, 20],
  [21, 22],
  [25, 26],
];

/**
 * Translates a verified program to AArch64 machine code placed at
 * `env.loadAddress`. Helpers are called through a register, so any
 * address is in reach; `ENOSYS` for a helper number `env.helpers` does
 * not have.
 */
function generateArm64(program: readonly BpfInsn[], env: BpfJitEnv): BpfJitImage {
  const e = new Arm64BpfEmitter(env, bpfCodeAddressTargets(program));
  e.outerFrame();
  emitBpfSlots(
    program,
    (name) => e.label(name),
    (pc) => e.insn(program, pc),
  );
  e.functionEpilogue();
  for (const start of bpfFunctionStarts(program)) e.functionPrologue(start);
  const assembly = assembleArm64(e.lines.join('\n'), { origin: env.loadAddress });
  return {
    code: assembly.bytes,
    entryOffset: 0,
    insnOffsets: bpfInsnOffsets(assembly.labels, program.length),
    trapOffsets: bpfTrapOffsets(assembly.labels, e.traps),
  };
}

/**
 * The AArch64 {@link BpfJitBackend}: the kernel's register mapping (r0
 * x7, r1–r5 x0–x4, r6–r9 x19–x22, r10 x25), helper calls through x10
 * with MOVZ/MOVK + BLR, LSE atomics.
 */
export const arm64BpfJit: BpfJitBackend = {
  arch: 'arm64',
  registerMap: REGS.map(x),
  generate: generateArm64,
};
