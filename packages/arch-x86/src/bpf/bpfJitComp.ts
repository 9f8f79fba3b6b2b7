/**
 * The x86-64 eBPF code generator, after the kernel's
 * `arch/x86/net/bpf_jit_comp.c`: the same register mapping, frame layout
 * and instruction choices, emitted as GNU assembly and assembled by this
 * package's own assembler so every byte is one the decoder accepts.
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
import { assembleX86 } from '../isa/assembler';

/** BPF r0–r10 → x86-64 register, as the kernel's `reg2hex` table maps them. */
const REGS = ['rax', 'rdi', 'rsi', 'rdx', 'rcx', 'r8', 'rbx', 'r13', 'r14', 'r15', 'rbp'];

/** 32-, 16- and 8-bit names of each 64-bit register. */
const SUBREGS: Record<string, readonly [string, string, string]> = {
  rax: ['eax', 'ax', 'al'],
  rdi: ['edi', 'di', 'dil'],
  rsi: ['esi', 'si', 'sil'],
  rdx: ['edx', 'dx', 'dl'],
  rcx: ['ecx', 'cx', 'cl'],
  rbx: ['ebx', 'bx', 'bl'],
  rbp: ['ebp', 'bp', 'bpl'],
  r8: ['r8d', 'r8w', 'r8b'],
  r9: ['r9d', 'r9w', 'r9b'],
  r10: ['r10d', 'r10w', 'r10b'],
  r11: ['r11d', 'r11w', 'r11b'],
  r13: ['r13d', 'r13w', 'r13b'],
  r14: ['r14d', 'r14w', 'r14b'],
  r15: ['r15d', 'r15w', 'r15b'],
};

/**
 * Scratch registers no BPF register lives in: r10 and r11 (the kernel's
 * `BPF_REG_AX` and `AUX_REG`), r9, and r12, which holds the outer frame's
 * stack pointer so the unwind path can leave from any call depth.
 */
const AX = 'r10';
const AUX = 'r11';
const TMP = 'r9';

/** Jcc condition per BPF jump (after `cmp src, dst`, or `test` for JSET). */
const CONDITIONS = new Map([
  [BPF_JEQ, 'e'],
  [BPF_JNE, 'ne'],
  [BPF_JGT, 'a'],
  [BPF_JGE, 'ae'],
  [BPF_JLT, 'b'],
  [BPF_JLE, 'be'],
  [BPF_JSGT, 'g'],
  [BPF_JSGE, 'ge'],
  [BPF_JSLT, 'l'],
  [BPF_JSLE, 'le'],
  [BPF_JSET, 'ne'],
]);

const ALU_MNEMONICS = new Map([
  [BPF_ADD, 'add'],
  [BPF_SUB, 'sub'],
  [BPF_OR, 'or'],
  [BPF_AND, 'and'],
  [BPF_XOR, 'xor'],
]);
const SHIFT_MNEMONICS = new Map([
  [BPF_LSH, 'shl'],
  [BPF_RSH, 'shr'],
  [BPF_ARSH, 'sar'],
]);

/** Register name of `reg` (a 64-bit name) at `bytes` width. */
function sized(reg: string, bytes: 1 | 2 | 4 | 8): string {
  if (bytes === 8) return `%${reg}`;
  return `%${SUBREGS[reg][bytes === 4 ? 0 : bytes === 2 ? 1 : 2]}`;
}

const suffix = (is64: boolean): string => (is64 ? 'q' : 'l');
const memOperand = (off: number, base: string): string => `${off}(%${base})`;

const insnLabel = bpfSlotLabel;

/** Bytes the outer frame reserves below its saved registers: the packet, its length, alignment. */
const OUTER_LOCALS = 24;
/** Where in the outer frame (from r12) the input block's address and length are kept. */
const PACKET = 0;
const PACKET_LEN = 8;

/** One translation: the text being built and its local-label counter. */
class X86BpfEmitter {
  readonly lines: string[] = [];
  private labels = 0;
  /** Call sites of `call imm`: label after the `call`, and the helper's address. */
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

  /**
   * The outer frame (a C function `u64 prog(void *mem, u64 len)`): saves
   * the callee-saved registers once, records its stack pointer in r12 for
   * the unwind path, keeps the input block (the legacy packet) at
   * `PACKET(%r12)` and its length at `PACKET_LEN(%r12)`, and calls BPF
   * function 0. Every BPF function, the main one included, then shares
   * one prologue shape.
   */
  outerFrame(): void {
    for (const r of ['rbp', 'rbx', 'r13', 'r14', 'r15', 'r12']) this.emit(`push %${r}`);
    // Seven pushed words with the return address, three more (two for the packet): 16-byte aligned calls (SysV ABI).
    this.emit(`sub $${OUTER_LOCALS}, %rsp`);
    this.emit('mov %rsp, %r12');
    this.emit(`mov %rdi, ${PACKET}(%r12)`);
    this.emit(`mov %rsi, ${PACKET_LEN}(%r12)`);
    this.emit(`call ${bpfFunctionLabel(0)}`);
    this.label('.Lout');
    this.emit(`add $${OUTER_LOCALS}, %rsp`);
    for (const r of ['r12', 'r15', 'r14', 'r13', 'rbx', 'rbp']) this.emit(`pop %${r}`);
    this.emit('ret');
    // Helper 5 returned 0, or a legacy packet load missed the packet: the program returns 0 from any depth.
    this.label('.Lunwind');
    this.emit('mov %r12, %rsp');
    this.emit('xor %eax, %eax');
    this.emit('jmp .Lout');
  }

  /** The prologue of a BPF function: r10 = rbp above a 512-byte frame, r6–r9 saved. */
  functionPrologue(pc: number): void {
    this.label(bpfFunctionLabel(pc));
    this.emit('push %rbp');
    this.emit('mov %rsp, %rbp');
    this.emit(`sub $${this.env.stackSize}, %rsp`);
    for (const r of ['rbx', 'r13', 'r14', 'r15']) this.emit(`push %${r}`);
    this.emit(`jmp ${insnLabel(pc)}`);
  }

  functionEpilogue(): void {
    this.label('.Lexit');
    for (const r of ['r15', 'r14', 'r13', 'rbx']) this.emit(`pop %${r}`);
    this.emit('mov %rbp, %rsp');
    this.emit('pop %rbp');
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
        else if (insn.src === BPF_PSEUDO_FUNC)
          this.emit(`lea ${bpfFunctionLabel(pc + 1 + insn.imm)}(%rip), %${REGS[insn.dst]}`);
        else this.emit(`movabs $0x${bpfLddwImmediate(insn).toString(16)}, %${REGS[insn.dst]}`);
        return;
      case BPF_LDX:
        this.load(insn);
        return;
      case BPF_ST:
        this.storeImmediate(insn);
        return;
      default:
        if (insn.mode === BPF_ATOMIC) this.atomic(insn, pc);
        else this.emit(`mov ${sized(REGS[insn.src], bpfSizeBytes(insn.size))}, ${this.mem(insn)}`);
    }
  }

  private mem(insn: BpfInsn): string {
    return memOperand(insn.off, REGS[insn.dst]);
  }

  /** The second operand: `$imm` (sign-extended by the encoding, as RFC 9669 §4 wants) or src. */
  private source(insn: BpfInsn, bytes: 4 | 8): string {
    return insn.source === BPF_X ? sized(REGS[insn.src], bytes) : `$${insn.imm}`;
  }

  private alu(insn: BpfInsn, is64: boolean): void {
    const bytes = is64 ? 8 : 4;
    const s = suffix(is64);
    const dst = sized(REGS[insn.dst], bytes);
    const simple = ALU_MNEMONICS.get(insn.op);
    if (simple) {
      this.emit(`${simple}${s} ${this.source(insn, bytes)}, ${dst}`);
      return;
    }
    const shift = SHIFT_MNEMONICS.get(insn.op);
    if (shift) {
      this.shift(insn, shift, is64);
      return;
    }
    switch (insn.op) {
      case BPF_MUL:
        if (insn.source === BPF_X) this.emit(`imul${s} ${sized(REGS[insn.src], bytes)}, ${dst}`);
        else this.emit(`imul${s} $${insn.imm}, ${dst}, ${dst}`);
        return;
      case BPF_DIV:
      case BPF_MOD:
        this.divide(insn, is64);
        return;
      case BPF_NEG:
        this.emit(`neg${s} ${dst}`);
        return;
      case BPF_MOV:
        this.move(insn, is64);
        return;
      case BPF_END:
        this.byteSwap(insn, is64);
        return;
    }
    fail('ENOSYS', `x86_64 BPF JIT: unsupported ALU operation 0x${insn.opcode.toString(16)}`);
  }

  private move(insn: BpfInsn, is64: boolean): void {
    const dst = REGS[insn.dst];
    if (insn.source !== BPF_X) {
      this.emit(is64 ? `movq $${insn.imm}, %${dst}` : `movl $${insn.imm}, ${sized(dst, 4)}`);
      return;
    }
    const src = REGS[insn.src];
    // RFC 9669 §4.1 MOVSX: offset 8/16/32 sign-extends that many low bits of src.
    if (insn.off === 8)
      this.emit(`movsb${suffix(is64)} ${sized(src, 1)}, ${sized(dst, is64 ? 8 : 4)}`);
    else if (insn.off === 16)
      this.emit(`movsw${suffix(is64)} ${sized(src, 2)}, ${sized(dst, is64 ? 8 : 4)}`);
    else if (insn.off === 32) this.emit(`movslq ${sized(src, 4)}, %${dst}`);
    else if (is64) this.emit(`mov %${src}, %${dst}`);
    else this.emit(`movl ${sized(src, 4)}, ${sized(dst, 4)}`);
  }

  /** Shifts by a register need the count in CL, and rcx is BPF r4. */
  private shift(insn: BpfInsn, mnemonic: string, is64: boolean): void {
    const s = suffix(is64);
    const bytes = is64 ? 8 : 4;
    const dst = REGS[insn.dst];
    if (insn.source !== BPF_X) {
      // RFC 9669 §4.1: the count is masked to the operand width.
      this.emit(`${mnemonic}${s} $${insn.imm & (is64 ? 63 : 31)}, ${sized(dst, bytes)}`);
      return;
    }
    this.emit(`mov %rcx, %${AX}`);
    if (REGS[insn.src] !== 'rcx') this.emit(`mov %${REGS[insn.src]}, %rcx`);
    this.emit(`${mnemonic}${s} %cl, ${sized(dst === 'rcx' ? AX : dst, bytes)}`);
    // Restores rcx, or, when dst is rcx, moves the result into it.
    this.emit(`mov %${AX}, %rcx`);
  }

  /**
   * RFC 9669 §4.1 division: by zero gives 0 (DIV) or leaves the dividend
   * (MOD); the signed INT_MIN / -1, which raises #DE on x86 (SDM Vol. 2A
   * IDIV), is negation / 0. DIV and IDIV work on rdx:rax, which hold
   * BPF r3 and r0, so both are saved around them.
   */
  private divide(insn: BpfInsn, is64: boolean): void {
    const s = suffix(is64);
    const bytes = is64 ? 8 : 4;
    const dst = sized(REGS[insn.dst], bytes);
    const aux = sized(AUX, bytes);
    const isDiv = insn.op === BPF_DIV;
    const signed = insn.off === 1;
    const divide = this.local();
    const done = this.local();
    if (insn.source === BPF_X) this.emit(`mov${s} ${sized(REGS[insn.src], bytes)}, ${aux}`);
    else this.emit(`mov${s} $${insn.imm}, ${aux}`);
    this.emit(`test${s} ${aux}, ${aux}`);
    this.emit(`jne ${divide}`);
    const dst32 = sized(REGS[insn.dst], 4);
    // Writing the 32-bit register zero-extends the kept dividend of a 32-bit MOD.
    if (isDiv) this.emit(`xorl ${dst32}, ${dst32}`);
    else if (!is64) this.emit(`movl ${dst32}, ${dst32}`);
    this.emit(`jmp ${done}`);
    this.label(divide);
    if (signed) {
      const normal = this.local();
      this.emit(`cmp${s} $-1, ${aux}`);
      this.emit(`jne ${normal}`);
      this.emit(isDiv ? `neg${s} ${dst}` : `xorl ${dst32}, ${dst32}`);
      this.emit(`jmp ${done}`);
      this.label(normal);
    }
    this.emit(`mov %rax, %${AX}`);
    this.emit(`mov %rdx, %${TMP}`);
    this.emit(`mov${s} ${dst}, ${sized('rax', bytes)}`);
    if (signed) this.emit(is64 ? 'cqto' : 'cltd');
    else this.emit('xorl %edx, %edx');
    this.emit(`${signed ? 'idiv' : 'div'}${s} ${aux}`);
    this.emit(`mov %${isDiv ? 'rax' : 'rdx'}, %${AUX}`);
    this.emit(`mov %${AX}, %rax`);
    this.emit(`mov %${TMP}, %rdx`);
    this.emit(`mov${s} ${aux}, ${dst}`);
    this.label(done);
  }

  /** RFC 9669 §4.2: to-LE truncates (x86 is little-endian), to-BE and ALU64 swap. */
  private byteSwap(insn: BpfInsn, is64: boolean): void {
    const dst = REGS[insn.dst];
    const swap = is64 || insn.source === BPF_TO_BE;
    if (insn.imm === 16) {
      if (swap) this.emit(`rolw $8, ${sized(dst, 2)}`);
      this.emit(`movzwl ${sized(dst, 2)}, ${sized(dst, 4)}`);
    } else if (insn.imm === 32) {
      if (swap) this.emit(`bswap ${sized(dst, 4)}`);
      else this.emit(`movl ${sized(dst, 4)}, ${sized(dst, 4)}`);
    } else if (swap) {
      this.emit(`bswap %${dst}`);
    }
  }

  private jump(insn: BpfInsn, pc: number): void {
    if (insn.op === BPF_EXIT) {
      this.emit('jmp .Lexit');
      return;
    }
    if (insn.op === BPF_CALL) {
      this.call(insn, pc);
      return;
    }
    if (insn.op === BPF_JA) {
      this.emit(`jmp ${insnLabel(pc + 1 + (insn.cls === BPF_JMP32 ? insn.imm : insn.off))}`);
      return;
    }
    const is64 = insn.cls === BPF_JMP;
    const bytes = is64 ? 8 : 4;
    const compare = insn.op === BPF_JSET ? 'test' : 'cmp';
    this.emit(
      `${compare}${suffix(is64)} ${this.source(insn, bytes)}, ${sized(REGS[insn.dst], bytes)}`,
    );
    this.emit(`j${CONDITIONS.get(insn.op)} ${insnLabel(pc + 1 + insn.off)}`);
  }

  private call(insn: BpfInsn, pc: number): void {
    const env = this.env;
    if (insn.source !== BPF_X && insn.src === BPF_PSEUDO_CALL) {
      this.emit(`call ${bpfFunctionLabel(pc + 1 + insn.imm)}`);
      return;
    }
    if (insn.source === BPF_X) {
      this.callRegister(REGS[bpfCallxRegister(insn)]);
      return;
    }
    const target = env.helpers.get(insn.imm);
    if (target === undefined)
      fail('ENOSYS', `instruction ${pc}: call to unknown helper ${insn.imm}`);
    // CALL rel32 to the helper; the displacement is filled in once the call's address is known.
    const after = this.local();
    this.emit(`call ${after}`);
    this.label(after);
    this.helperCalls.push({ label: after, target, pc });
    if (insn.imm === env.unwindHelper) this.unwindIfZero();
  }

  /**
   * `call %rN` (callx): the target is known only at run time. A number
   * below the table's length indexes the helper table; otherwise the
   * value is compared with the address of each function the program took
   * with `code_addr` and called like `call local`. Anything else (or an
   * empty table entry) runs into an INT3 listed in `trapOffsets`, as
   * `BpfJitEnv.helperTable` says.
   */
  private callRegister(numberReg: string): void {
    const env = this.env;
    const notHelper = this.local();
    const trap = this.local();
    const local = this.local();
    const done = this.local();
    this.emit(`mov %${numberReg}, %${AUX}`);
    this.emit(`cmpq $${env.helperTableLength}, %${AUX}`);
    this.emit(`jae ${notHelper}`);
    this.emit(`movabs $0x${env.helperTable.toString(16)}, %${AX}`);
    this.emit(`mov (%${AX},%${AUX},8), %${AX}`);
    this.emit(`test %${AX}, %${AX}`);
    this.emit(`je ${trap}`);
    if (env.unwindHelper === undefined) {
      this.emit(`call *%${AX}`);
    } else {
      // The number outlives the call on the stack (two pushes keep the ABI's 16-byte alignment).
      this.emit(`push %${AUX}`);
      this.emit(`push %${AUX}`);
      this.emit(`call *%${AX}`);
      this.emit(`pop %${AUX}`);
      this.emit(`pop %${AUX}`);
      this.emit(`cmpq $${env.unwindHelper}, %${AUX}`);
      this.emit(`jne ${done}`);
      this.unwindIfZero();
    }
    this.emit(`jmp ${done}`);
    this.label(notHelper);
    for (const target of this.codeTargets) {
      this.emit(`lea ${bpfFunctionLabel(target)}(%rip), %${AX}`);
      this.emit(`cmp %${AX}, %${AUX}`);
      this.emit(`je ${local}`);
    }
    this.label(trap);
    this.traps.push(trap);
    this.emit('int3');
    this.label(local);
    if (this.codeTargets.length > 0) this.emit(`call *%${AUX}`);
    this.label(done);
  }

  /**
   * RFC 9669 §5.5 `ldabs`/`ldind` on the input block, as `BpfJitBackend`
   * defines them: the offset `(s32)(src + imm)` (or `imm`) is checked
   * against the block kept by the outer frame, and the bytes are loaded
   * into rax (BPF r0) and swapped from network order; outside the block
   * the program returns 0 (the unwind path).
   */
  private legacyPacketLoad(insn: BpfInsn): void {
    const bytes = bpfSizeBytes(insn.size);
    if (insn.mode === BPF_IND) {
      this.emit(`movl ${sized(REGS[insn.src], 4)}, ${sized(AUX, 4)}`);
      if (insn.imm !== 0) this.emit(`addl $${insn.imm}, ${sized(AUX, 4)}`);
    } else this.emit(`movl $${insn.imm}, ${sized(AUX, 4)}`);
    this.emit(`movslq ${sized(AUX, 4)}, %${AUX}`);
    this.emit(`test %${AUX}, %${AUX}`);
    this.emit('js .Lunwind');
    this.emit(`lea ${bytes}(%${AUX}), %${AX}`);
    this.emit(`cmp ${PACKET_LEN}(%r12), %${AX}`);
    this.emit('ja .Lunwind');
    this.emit(`mov ${PACKET}(%r12), %${AX}`);
    const at = `(%${AX},%${AUX})`;
    if (bytes === 1) this.emit(`movzbl ${at}, %eax`);
    else if (bytes === 2) {
      this.emit(`movzwl ${at}, %eax`);
      this.emit('rolw $8, %ax');
    } else if (bytes === 4) {
      this.emit(`movl ${at}, %eax`);
      this.emit('bswap %eax');
    } else {
      this.emit(`mov ${at}, %rax`);
      this.emit('bswap %rax');
    }
  }

  private unwindIfZero(): void {
    this.emit('test %rax, %rax');
    this.emit('je .Lunwind');
  }

  private load(insn: BpfInsn): void {
    const dst = REGS[insn.dst];
    const src = memOperand(insn.off, REGS[insn.src]);
    const bytes = bpfSizeBytes(insn.size);
    if (insn.mode === BPF_MEMSX) {
      // RFC 9669 §5.2: sign-extending loads.
      const op = bytes === 1 ? 'movsbq' : bytes === 2 ? 'movswq' : 'movslq';
      this.emit(`${op} ${src}, %${dst}`);
    } else if (bytes === 8) this.emit(`mov ${src}, %${dst}`);
    else if (bytes === 4) this.emit(`movl ${src}, ${sized(dst, 4)}`);
    else this.emit(`movz${bytes === 1 ? 'b' : 'w'}l ${src}, ${sized(dst, 4)}`);
  }

  private storeImmediate(insn: BpfInsn): void {
    const bytes = bpfSizeBytes(insn.size);
    const letter = bytes === 1 ? 'b' : bytes === 2 ? 'w' : bytes === 4 ? 'l' : 'q';
    const imm = bytes === 1 ? insn.imm & 0xff : bytes === 2 ? insn.imm & 0xffff : insn.imm;
    this.emit(`mov${letter} $${imm}, ${this.mem(insn)}`);
  }

  /** RFC 9669 §5.3 atomics, as the kernel's `emit_atomic` and its CMPXCHG loop. */
  private atomic(insn: BpfInsn, pc: number): void {
    const is64 = insn.size === BPF_DW;
    const bytes = is64 ? 8 : 4;
    const s = suffix(is64);
    const src = REGS[insn.src];
    const mem = this.mem(insn);
    const op = insn.imm & ~BPF_FETCH;
    if (insn.imm === BPF_XCHG) {
      this.emit(`xchg${s} ${sized(src, bytes)}, ${mem}`);
      return;
    }
    if (insn.imm === BPF_CMPXCHG) {
      this.emit(`lock cmpxchg${s} ${sized(src, bytes)}, ${mem}`);
      // RFC 9669 §5.3: r0 gets the old value zero-extended; a successful CMPXCHG r32 leaves rax's upper half.
      if (!is64) this.emit('movl %eax, %eax');
      return;
    }
    if (insn.imm === (BPF_ADD | BPF_FETCH)) {
      this.emit(`lock xadd${s} ${sized(src, bytes)}, ${mem}`);
      return;
    }
    const mnemonic = ALU_MNEMONICS.get(op);
    if (!mnemonic || op === BPF_SUB)
      fail('ENOSYS', `instruction ${pc}: unsupported atomic operation 0x${insn.imm.toString(16)}`);
    if (!(insn.imm & BPF_FETCH)) {
      this.emit(`lock ${mnemonic}${s} ${sized(src, bytes)}, ${mem}`);
      return;
    }
    // Fetching OR/AND/XOR have no x86 instruction: a CMPXCHG loop with rax (BPF r0) saved in AX.
    const retry = this.local();
    const operand = src === 'rax' ? AX : src;
    this.emit(`lea ${mem}, %${TMP}`);
    this.emit(`mov %rax, %${AX}`);
    this.emit(`mov${s} (%${TMP}), ${sized('rax', bytes)}`);
    this.label(retry);
    this.emit(`mov${s} ${sized('rax', bytes)}, ${sized(AUX, bytes)}`);
    this.emit(`${mnemonic}${s} ${sized(operand, bytes)}, ${sized(AUX, bytes)}`);
    this.emit(`lock cmpxchg${s} ${sized(AUX, bytes)}, (%${TMP})`);
    this.emit(`jne ${retry}`);
    this.emit(`mov %rax, %${AUX}`);
    this.emit(`mov %${AX}, %rax`);
    this.emit(`mov %${AUX}, %${src}`);
  }
}

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

/** Writes each helper call's rel32 and refuses one that cannot reach (SDM Vol. 2A CALL: rel32 is signed). */
function linkHelperCalls(
  code: Uint8Array,
  labels: ReadonlyMap<string, number>,
  calls: X86BpfEmitter['helperCalls'],
  loadAddress: bigint,
): void {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  for (const call of calls) {
    const end = labels.get(call.label)!;
    const rel = call.target - (loadAddress + BigInt(end));
    if (rel < INT32_MIN || rel > INT32_MAX) {
      fail(
        'ERANGE',
        `instruction ${call.pc}: helper at 0x${call.target.toString(16)} is out of call rel32 reach of the call at 0x${(loadAddress + BigInt(end - 5)).toString(16)}`,
      );
    }
    view.setInt32(end - 4, Number(rel), true);
  }
}

/**
 * Translates a verified program to x86-64 machine code placed at
 * `env.loadAddress`. Throws `ERANGE` when a helper is beyond rel32 reach
 * of its call (never a silent indirect call) and `ENOSYS` for a helper
 * number `env.helpers` does not have.
 */
function generateX86(program: readonly BpfInsn[], env: BpfJitEnv): BpfJitImage {
  const e = new X86BpfEmitter(env, bpfCodeAddressTargets(program));
  e.outerFrame();
  const starts = bpfFunctionStarts(program);
  emitBpfSlots(
    program,
    (name) => e.label(name),
    (pc) => e.insn(program, pc),
  );
  e.functionEpilogue();
  for (const start of starts) e.functionPrologue(start);
  const assembly = assembleX86(e.lines.join('\n'), { origin: env.loadAddress });
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
 * The x86-64 {@link BpfJitBackend}: the kernel's register mapping (r0 rax,
 * r1–r5 rdi rsi rdx rcx r8, r6–r9 rbx r13 r14 r15, r10 rbp), helper
 * calls by CALL rel32 within ±2 GiB.
 */
export const x86BpfJit: BpfJitBackend = {
  arch: 'x86_64',
  registerMap: REGS,
  generate: generateX86,
};
