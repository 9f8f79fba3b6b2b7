/**
 * The RV64 eBPF code generator, after the kernel's
 * `arch/riscv/net/bpf_jit_comp64.c`: its register mapping, frame layout,
 * zero-extension of 32-bit results and AUIPC+JALR helper calls, emitted
 * as GNU assembly (RV64GC, without Zbb) and assembled by this package's
 * own assembler, which also relaxes out-of-range branches as GNU as does.
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
import { assemble as assembleRiscv } from '../isa/assembler';

/** BPF r0–r10 → RV64 register, the kernel's `regmap`: r0 a5, r1–r5 a0–a4, r6–r9 s1–s4, r10 s5. */
const REGS = ['a5', 'a0', 'a1', 'a2', 'a3', 'a4', 's1', 's2', 's3', 's4', 's5'];
const R0 = REGS[0];
const FP = REGS[10];

/** Scratch registers (caller-saved temporaries). */
const T1 = 't1';
const T2 = 't2';
const T3 = 't3';
const T4 = 't4';
/** Callee-saved registers the outer frame saves: the unwind stack pointer and a callx number. */
const OUTER_SP = 's6';
const NUMBER = 's7';
/** The input block (the legacy packet) and its length, kept by the outer frame for `ldabs`/`ldind`. */
const PACKET = 's8';
const PACKET_LEN = 's9';

/** Registers a BPF function saves (ra, the frame pointer s0, r6–r9, r10), 8 bytes each. */
const FUNCTION_SAVED = ['ra', 's0', 's1', 's2', 's3', 's4', 's5'];
/** The outer frame also keeps {@link OUTER_SP}, {@link NUMBER} and the packet. */
const OUTER_SAVED = [...FUNCTION_SAVED, OUTER_SP, NUMBER, PACKET, PACKET_LEN];

/** Register-register ALU instruction per BPF operation: 64-bit, and the 32-bit W form if one exists. */
const ALU_MNEMONICS = new Map<number, readonly [string, string]>([
  [BPF_ADD, ['add', 'addw']],
  [BPF_SUB, ['sub', 'subw']],
  [BPF_MUL, ['mul', 'mulw']],
  [BPF_OR, ['or', 'or']],
  [BPF_AND, ['and', 'and']],
  [BPF_XOR, ['xor', 'xor']],
  [BPF_LSH, ['sll', 'sllw']],
  [BPF_RSH, ['srl', 'srlw']],
  [BPF_ARSH, ['sra', 'sraw']],
]);

/** A conditional branch as `(mnemonic, swap operands)` per BPF jump. */
const BRANCHES = new Map<number, readonly [string, boolean]>([
  [BPF_JEQ, ['beq', false]],
  [BPF_JNE, ['bne', false]],
  [BPF_JGT, ['bltu', true]],
  [BPF_JGE, ['bgeu', false]],
  [BPF_JLT, ['bltu', false]],
  [BPF_JLE, ['bgeu', true]],
  [BPF_JSGT, ['blt', true]],
  [BPF_JSGE, ['bge', false]],
  [BPF_JSLT, ['blt', false]],
  [BPF_JSLE, ['bge', true]],
]);

const SIGNED_JUMPS = new Set([BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE]);

const AMO_MNEMONICS = new Map([
  [BPF_ADD, 'amoadd'],
  [BPF_OR, 'amoor'],
  [BPF_AND, 'amoand'],
  [BPF_XOR, 'amoxor'],
]);

const fitsI12 = (v: number): boolean => v >= -2048 && v < 2048;
const frameBytes = (saved: readonly string[]): number => Math.ceil((saved.length * 8) / 16) * 16;

/** One translation: the text being built and its local-label counter. */
class RiscvBpfEmitter {
  readonly lines: string[] = [];
  private labels = 0;
  /** Call sites of `call imm`: the label of the AUIPC and the helper's address. */
  readonly helperCalls: { label: string; target: bigint; pc: number }[] = [];
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

  /** The kernel's `emit_zextw`: BPF 32-bit results are zero-extended, RV64 W forms sign-extend. */
  zext32(rd: string): void {
    this.emit(`slli ${rd}, ${rd}, 32`);
    this.emit(`srli ${rd}, ${rd}, 32`);
  }

  /** Sign-extends the low `bits` of `rs` into `rd`. */
  sext(rd: string, rs: string, bits: number): void {
    if (bits === 32) {
      this.emit(`addiw ${rd}, ${rs}, 0`);
      return;
    }
    this.emit(`slli ${rd}, ${rs}, ${64 - bits}`);
    this.emit(`srai ${rd}, ${rd}, ${64 - bits}`);
  }

  saveFrame(saved: readonly string[]): void {
    const size = frameBytes(saved);
    this.emit(`addi sp, sp, -${size}`);
    for (const [i, r] of saved.entries()) this.emit(`sd ${r}, ${size - 8 * (i + 1)}(sp)`);
    this.emit(`addi s0, sp, ${size}`);
  }

  restoreFrame(saved: readonly string[]): void {
    const size = frameBytes(saved);
    for (const [i, r] of saved.entries()) this.emit(`ld ${r}, ${size - 8 * (i + 1)}(sp)`);
    this.emit(`addi sp, sp, ${size}`);
    this.emit('ret');
  }

  /**
   * The outer frame (a C function `u64 prog(void *mem, u64 len)`): saves
   * what the BPF functions may clobber, records its stack pointer for the
   * unwind path, keeps the input block and its length (the legacy packet)
   * in s8 and s9, calls BPF function 0 and returns its r0 in a0.
   */
  outerFrame(): void {
    this.saveFrame(OUTER_SAVED);
    this.emit(`mv ${OUTER_SP}, sp`);
    this.emit(`mv ${PACKET}, a0`);
    this.emit(`mv ${PACKET_LEN}, a1`);
    this.emit(`jal ra, ${bpfFunctionLabel(0)}`);
    this.label('.Lout');
    this.emit(`mv a0, ${R0}`);
    this.restoreFrame(OUTER_SAVED);
    // Helper 5 returned 0, or a legacy packet load missed the packet: the program returns 0 from any depth.
    this.label('.Lunwind');
    this.emit(`mv sp, ${OUTER_SP}`);
    this.emit(`li ${R0}, 0`);
    this.emit('j .Lout');
  }

  /** The prologue of a BPF function: ra, s0, r6–r9 and r10 saved, r10 = top of a 512-byte frame. */
  functionPrologue(pc: number): void {
    this.label(bpfFunctionLabel(pc));
    this.saveFrame(FUNCTION_SAVED);
    this.emit(`mv ${FP}, sp`);
    this.emit(`addi sp, sp, -${this.env.stackSize}`);
    this.emit(`j ${bpfSlotLabel(pc)}`);
  }

  functionEpilogue(): void {
    this.label('.Lexit');
    this.emit(`mv sp, ${FP}`);
    this.restoreFrame(FUNCTION_SAVED);
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
        else if (insn.src === BPF_PSEUDO_FUNC)
          this.emit(`lla ${REGS[insn.dst]}, ${bpfFunctionLabel(pc + 1 + insn.imm)}`);
        else this.emit(`li ${REGS[insn.dst]}, ${BigInt.asIntN(64, bpfLddwImmediate(insn))}`);
        return;
      case BPF_LDX:
        this.load(insn);
        return;
      case BPF_ST:
        this.emit(`li ${T3}, ${insn.imm}`);
        this.store(T3, insn);
        return;
      default:
        if (insn.mode === BPF_ATOMIC) this.atomic(insn, pc);
        else this.store(REGS[insn.src], insn);
    }
  }

  /** The second operand's register: src, or the sign-extended immediate in T1 (RFC 9669 §4). */
  private operand(insn: BpfInsn): string {
    if (insn.source === BPF_X) return REGS[insn.src];
    this.emit(`li ${T1}, ${insn.imm}`);
    return T1;
  }

  private alu(insn: BpfInsn, is64: boolean): void {
    const rd = REGS[insn.dst];
    const forms = ALU_MNEMONICS.get(insn.op);
    const isShift = insn.op === BPF_LSH || insn.op === BPF_RSH || insn.op === BPF_ARSH;
    if (isShift && insn.source !== BPF_X) {
      // RFC 9669 §4.1: the count is masked to the operand width.
      const mnemonic = `${forms![0]}i${is64 ? '' : 'w'}`;
      this.emit(`${mnemonic} ${rd}, ${rd}, ${insn.imm & (is64 ? 63 : 31)}`);
    } else if (insn.op === BPF_ADD && insn.source !== BPF_X && fitsI12(insn.imm)) {
      this.emit(`addi${is64 ? '' : 'w'} ${rd}, ${rd}, ${insn.imm}`);
    } else if (forms) {
      // SLL/SRL/SRA and their W forms take the count modulo the width, as RFC 9669 §4.1 wants.
      this.emit(`${forms[is64 ? 0 : 1]} ${rd}, ${rd}, ${this.operand(insn)}`);
    } else {
      switch (insn.op) {
        case BPF_DIV:
        case BPF_MOD:
          this.divide(insn, is64);
          break;
        case BPF_NEG:
          this.emit(`${is64 ? 'neg' : 'negw'} ${rd}, ${rd}`);
          break;
        case BPF_MOV:
          this.move(insn);
          break;
        case BPF_END:
          this.byteSwap(insn, is64);
          return;
        default:
          fail('ENOSYS', `riscv64 BPF JIT: unsupported ALU opcode 0x${insn.opcode.toString(16)}`);
      }
    }
    if (!is64) this.zext32(rd);
  }

  /**
   * RFC 9669 §4.1 division. RISC-V already gives the dividend for a
   * remainder by zero and wraps INT_MIN / -1 without a trap (Unprivileged
   * ISA §13.2), but a quotient by zero is all ones, so DIV branches to 0.
   */
  private divide(insn: BpfInsn, is64: boolean): void {
    const rd = REGS[insn.dst];
    const rs = this.operand(insn);
    const signed = insn.off === 1;
    const w = is64 ? '' : 'w';
    if (insn.op === BPF_MOD) {
      this.emit(`rem${signed ? '' : 'u'}${w} ${rd}, ${rd}, ${rs}`);
      return;
    }
    const zero = this.local();
    const done = this.local();
    if (is64) this.emit(`beqz ${rs}, ${zero}`);
    else {
      this.emit(`slli ${T2}, ${rs}, 32`);
      this.emit(`beqz ${T2}, ${zero}`);
    }
    this.emit(`div${signed ? '' : 'u'}${w} ${rd}, ${rd}, ${rs}`);
    this.emit(`j ${done}`);
    this.label(zero);
    this.emit(`li ${rd}, 0`);
    this.label(done);
  }

  private move(insn: BpfInsn): void {
    const rd = REGS[insn.dst];
    if (insn.source !== BPF_X) this.emit(`li ${rd}, ${insn.imm}`);
    else if (insn.off === 0) this.emit(`mv ${rd}, ${REGS[insn.src]}`);
    // RFC 9669 §4.1 MOVSX: offset 8/16/32 sign-extends that many low bits of src.
    else this.sext(rd, REGS[insn.src], insn.off);
  }

  /**
   * RFC 9669 §4.2: to-LE truncates (RV64 is little-endian), to-BE and
   * ALU64 reverse the low `imm` bits' bytes. Without Zbb's REV8 this is the
   * kernel's byte-at-a-time sequence.
   */
  private byteSwap(insn: BpfInsn, is64: boolean): void {
    const rd = REGS[insn.dst];
    const bits = insn.imm;
    if (!(is64 || insn.source === BPF_TO_BE)) {
      if (bits < 64) {
        this.emit(`slli ${rd}, ${rd}, ${64 - bits}`);
        this.emit(`srli ${rd}, ${rd}, ${64 - bits}`);
      }
      return;
    }
    this.reverseBytes(rd, bits);
  }

  /** Reverses the low `bits / 8` bytes of `rd` into the whole register (zero above), with T1 and T2. */
  private reverseBytes(rd: string, bits: number): void {
    this.emit(`li ${T2}, 0`);
    for (let byte = 0; byte < bits / 8; byte++) {
      this.emit(`andi ${T1}, ${rd}, 255`);
      this.emit(`or ${T2}, ${T2}, ${T1}`);
      if (byte + 1 < bits / 8) {
        this.emit(`slli ${T2}, ${T2}, 8`);
        this.emit(`srli ${rd}, ${rd}, 8`);
      }
    }
    this.emit(`mv ${rd}, ${T2}`);
  }

  private jump(insn: BpfInsn, pc: number): void {
    if (insn.op === BPF_EXIT) {
      this.emit('j .Lexit');
      return;
    }
    if (insn.op === BPF_CALL) {
      this.call(insn, pc);
      return;
    }
    const target = bpfSlotLabel(
      pc + 1 + (insn.op === BPF_JA && insn.cls === BPF_JMP32 ? insn.imm : insn.off),
    );
    if (insn.op === BPF_JA) {
      this.emit(`j ${target}`);
      return;
    }
    const is64 = insn.cls === BPF_JMP;
    let a = REGS[insn.dst];
    let b = this.operand(insn);
    if (insn.op === BPF_JSET) {
      this.emit(`and ${T3}, ${a}, ${b}`);
      if (!is64) this.emit(`slli ${T3}, ${T3}, 32`);
      this.emit(`bnez ${T3}, ${target}`);
      return;
    }
    if (!is64) {
      // JMP32 compares the low halves: extend both as the comparison's signedness needs.
      const signed = SIGNED_JUMPS.has(insn.op);
      for (const [from, to] of [
        [a, T3],
        [b, T4],
      ]) {
        if (signed) this.sext(to, from, 32);
        else {
          this.emit(`slli ${to}, ${from}, 32`);
          this.emit(`srli ${to}, ${to}, 32`);
        }
      }
      a = T3;
      b = T4;
    }
    const [mnemonic, swap] = BRANCHES.get(insn.op)!;
    this.emit(`${mnemonic} ${swap ? b : a}, ${swap ? a : b}, ${target}`);
  }

  private call(insn: BpfInsn, pc: number): void {
    const env = this.env;
    if (insn.source !== BPF_X && insn.src === BPF_PSEUDO_CALL) {
      this.emit(`jal ra, ${bpfFunctionLabel(pc + 1 + insn.imm)}`);
      return;
    }
    if (insn.source === BPF_X) {
      this.callRegister(REGS[bpfCallxRegister(insn)]);
      return;
    }
    const target = env.helpers.get(insn.imm);
    if (target === undefined)
      fail('ENOSYS', `instruction ${pc}: call to unknown helper ${insn.imm}`);
    // AUIPC+JALR reaches ±2 GiB; the offsets are filled in once the AUIPC's address is known.
    const site = this.local();
    const after = this.local();
    this.label(site);
    this.emit(`call ${after}`);
    this.label(after);
    this.helperCalls.push({ label: site, target, pc });
    this.afterHelper(insn.imm === env.unwindHelper);
  }

  private afterHelper(unwind: boolean): void {
    this.emit(`mv ${R0}, a0`);
    if (unwind) this.emit(`beqz ${R0}, .Lunwind`);
  }

  /**
   * `call %rN` (callx): a number below the table's length indexes the
   * helper table; otherwise the value is compared with the address of each
   * function the program took with `code_addr` and called like `call
   * local`. Anything else (or an empty entry) runs into an EBREAK listed
   * in `trapOffsets` (`BpfJitEnv.helperTable`).
   */
  private callRegister(numberReg: string): void {
    const env = this.env;
    const notHelper = this.local();
    const trap = this.local();
    const local = this.local();
    const done = this.local();
    this.emit(`mv ${T2}, ${numberReg}`);
    this.emit(`li ${T1}, ${env.helperTableLength}`);
    this.emit(`bgeu ${T2}, ${T1}, ${notHelper}`);
    this.emit(`li ${T1}, ${env.helperTable}`);
    this.emit(`slli ${T3}, ${T2}, 3`);
    this.emit(`add ${T1}, ${T1}, ${T3}`);
    this.emit(`ld ${T1}, 0(${T1})`);
    this.emit(`beqz ${T1}, ${trap}`);
    this.emit(`mv ${NUMBER}, ${T2}`);
    this.emit(`jalr ra, 0(${T1})`);
    if (env.unwindHelper === undefined) this.afterHelper(false);
    else {
      this.emit(`mv ${R0}, a0`);
      this.emit(`li ${T1}, ${env.unwindHelper}`);
      this.emit(`bne ${NUMBER}, ${T1}, ${done}`);
      this.emit(`beqz ${R0}, .Lunwind`);
    }
    this.emit(`j ${done}`);
    this.label(notHelper);
    for (const target of this.codeTargets) {
      this.emit(`lla ${T1}, ${bpfFunctionLabel(target)}`);
      this.emit(`beq ${T2}, ${T1}, ${local}`);
    }
    this.label(trap);
    this.traps.push(trap);
    this.emit('ebreak');
    this.label(local);
    if (this.codeTargets.length > 0) this.emit(`jalr ra, 0(${T2})`);
    this.label(done);
  }

  /**
   * RFC 9669 §5.5 `ldabs`/`ldind` on the input block, as `BpfJitBackend`
   * defines them: the offset `(s32)(src + imm)` (or `imm`) is checked
   * against the block in s8/s9, and the bytes are loaded into BPF r0 and
   * reversed from network order; outside the block the program returns 0
   * (the unwind path).
   */
  private legacyPacketLoad(insn: BpfInsn): void {
    const bytes = bpfSizeBytes(insn.size);
    // ADDW/ADDIW sign-extend the 32-bit sum, as the s32 offset needs.
    if (insn.mode !== BPF_IND) this.emit(`li ${T1}, ${insn.imm}`);
    else if (fitsI12(insn.imm)) this.emit(`addiw ${T1}, ${REGS[insn.src]}, ${insn.imm}`);
    else {
      this.emit(`li ${T1}, ${insn.imm}`);
      this.emit(`addw ${T1}, ${REGS[insn.src]}, ${T1}`);
    }
    this.emit(`bltz ${T1}, .Lunwind`);
    this.emit(`addi ${T2}, ${T1}, ${bytes}`);
    this.emit(`bltu ${PACKET_LEN}, ${T2}, .Lunwind`);
    this.emit(`add ${T2}, ${PACKET}, ${T1}`);
    const letter = bytes === 1 ? 'b' : bytes === 2 ? 'h' : bytes === 4 ? 'w' : 'd';
    this.emit(`l${letter}${bytes < 8 ? 'u' : ''} ${R0}, 0(${T2})`);
    if (bytes > 1) this.reverseBytes(R0, 8 * bytes);
  }

  /** `off(base)` when the offset fits 12 bits, else the address in T2. */
  private address(base: string, off: number): string {
    if (fitsI12(off)) return `${off}(${base})`;
    this.emit(`li ${T2}, ${off}`);
    this.emit(`add ${T2}, ${T2}, ${base}`);
    return `0(${T2})`;
  }

  private load(insn: BpfInsn): void {
    const bytes = bpfSizeBytes(insn.size);
    const letter = bytes === 1 ? 'b' : bytes === 2 ? 'h' : bytes === 4 ? 'w' : 'd';
    // RFC 9669 §5.2: MEMSX sign-extends; plain loads zero-extend.
    const unsigned = insn.mode !== BPF_MEMSX && bytes < 8 ? 'u' : '';
    this.emit(`l${letter}${unsigned} ${REGS[insn.dst]}, ${this.address(REGS[insn.src], insn.off)}`);
  }

  private store(value: string, insn: BpfInsn): void {
    const bytes = bpfSizeBytes(insn.size);
    const letter = bytes === 1 ? 'b' : bytes === 2 ? 'h' : bytes === 4 ? 'w' : 'd';
    this.emit(`s${letter} ${value}, ${this.address(REGS[insn.dst], insn.off)}`);
  }

  /** RFC 9669 §5.3 atomics with the A extension, as the kernel's `emit_atomic`. */
  private atomic(insn: BpfInsn, pc: number): void {
    const is64 = insn.size === BPF_DW;
    const width = is64 ? 'd' : 'w';
    const rs = REGS[insn.src];
    let addr = REGS[insn.dst];
    if (insn.off !== 0) {
      if (fitsI12(insn.off)) this.emit(`addi ${T1}, ${addr}, ${insn.off}`);
      else {
        this.emit(`li ${T1}, ${insn.off}`);
        this.emit(`add ${T1}, ${T1}, ${addr}`);
      }
      addr = T1;
    }
    if (insn.imm === BPF_CMPXCHG) {
      this.cmpxchg(addr, rs, is64);
      return;
    }
    const op = insn.imm & ~BPF_FETCH;
    const mnemonic = insn.imm === BPF_XCHG ? 'amoswap' : AMO_MNEMONICS.get(op);
    if (!mnemonic)
      fail('ENOSYS', `instruction ${pc}: unsupported atomic operation 0x${insn.imm.toString(16)}`);
    const fetch = (insn.imm & BPF_FETCH) !== 0;
    this.emit(`${mnemonic}.${width}.aqrl ${fetch ? rs : 'zero'}, ${rs}, (${addr})`);
    // AMO*.W sign-extends the old value; BPF fetches it zero-extended.
    if (fetch && !is64) this.zext32(rs);
  }

  /** CMPXCHG as an LR/SC loop, comparing memory with r0 (the kernel's `emit_cmpxchg`). */
  private cmpxchg(addr: string, rs: string, is64: boolean): void {
    const width = is64 ? 'd' : 'w';
    const retry = this.local();
    const done = this.local();
    // LR.W sign-extends, so the expected value is r0's low half sign-extended.
    if (is64) this.emit(`mv ${T2}, ${R0}`);
    else this.sext(T2, R0, 32);
    this.label(retry);
    this.emit(`lr.${width}.aqrl ${T3}, (${addr})`);
    this.emit(`bne ${T3}, ${T2}, ${done}`);
    this.emit(`sc.${width}.rl ${T4}, ${rs}, (${addr})`);
    this.emit(`bnez ${T4}, ${retry}`);
    this.label(done);
    this.emit(`mv ${R0}, ${T3}`);
    if (!is64) this.zext32(R0);
  }
}

/** Fills each helper call's AUIPC and JALR immediates; refuses one beyond AUIPC+JALR's ±2 GiB. */
function linkHelperCalls(
  code: Uint8Array,
  labels: ReadonlyMap<string, number>,
  calls: RiscvBpfEmitter['helperCalls'],
  loadAddress: bigint,
): void {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  for (const call of calls) {
    const at = labels.get(call.label)!;
    const site = loadAddress + BigInt(at);
    const rel = call.target - site;
    // hi20 is rounded so that the sign-extended lo12 JALR adds brings it back (Unprivileged ISA §2.5).
    const hi = (rel + 0x800n) >> 12n;
    if (hi < -(2n ** 19n) || hi >= 2n ** 19n) {
      fail(
        'ERANGE',
        `instruction ${call.pc}: helper at 0x${call.target.toString(16)} is out of auipc+jalr reach of the call at 0x${site.toString(16)}`,
      );
    }
    const lo = Number(rel - (hi << 12n));
    const auipc = view.getUint32(at, true);
    const jalr = view.getUint32(at + 4, true);
    view.setUint32(at, ((auipc & 0xfff) | (Number(BigInt.asUintN(20, hi)) << 12)) >>> 0, true);
    view.setUint32(at + 4, ((jalr & 0xfffff) | ((lo & 0xfff) << 20)) >>> 0, true);
  }
}

/**
 * Translates a verified program to RV64GC machine code placed at
 * `env.loadAddress`. Throws `ERANGE` when a helper is beyond AUIPC+JALR
 * reach of its call and `ENOSYS` for a helper number `env.helpers` does
 * not have.
 */
function generateRiscv(program: readonly BpfInsn[], env: BpfJitEnv): BpfJitImage {
  const e = new RiscvBpfEmitter(env, bpfCodeAddressTargets(program));
  e.outerFrame();
  emitBpfSlots(
    program,
    (name) => e.label(name),
    (pc) => e.insn(program, pc),
  );
  e.functionEpilogue();
  for (const start of bpfFunctionStarts(program)) e.functionPrologue(start);
  const assembly = assembleRiscv(e.lines.join('\n'), { origin: env.loadAddress });
  const code = assembly.bytes.slice();
  linkHelperCalls(code, assembly.labels, e.helperCalls, env.loadAddress);
  return {
    code,
    entryOffset: 0,
    insnOffsets: bpfInsnOffsets(assembly.labels, program.length),
    trapOffsets: bpfTrapOffsets(assembly.labels, e.traps),
  };
}

/**
 * The RV64 {@link BpfJitBackend}: the kernel's register mapping (r0 a5,
 * r1–r5 a0–a4, r6–r9 s1–s4, r10 s5), helper calls by AUIPC+JALR within
 * ±2 GiB.
 */
export const riscvBpfJit: BpfJitBackend = {
  arch: 'riscv64',
  registerMap: REGS,
  generate: generateRiscv,
};
