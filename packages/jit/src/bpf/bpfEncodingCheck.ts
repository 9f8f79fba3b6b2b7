import {
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
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
  BPF_JMP,
  BPF_JMP32,
  BPF_JSLE,
  BPF_K,
  BPF_LD,
  BPF_LDDW,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_REG_FP,
  BPF_ST,
  BPF_STX,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  type BpfInsn,
  fail,
} from '@execmem/core';

/**
 * The per-instruction encoding rules of RFC 9669, checked once when a
 * program is loaded so that execution never meets an undefined encoding.
 *
 * @module
 */

function reject(pc: number, message: string): never {
  fail('EINVAL', `instruction ${pc}: ${message}`);
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** Marks the second slot of every `lddw` (not an instruction; never a jump target). */
export function lddwTails(program: readonly BpfInsn[]): Uint8Array {
  const tails = new Uint8Array(program.length);
  for (let pc = 0; pc < program.length; pc++) {
    if (program[pc].opcode === BPF_LDDW) tails[++pc] = 1;
  }
  return tails;
}

/**
 * The slot a jump (or, with `what` = `'call'`, a local call) at `pc`
 * goes to; rejects targets outside the program or into the middle of a
 * `lddw`.
 */
export function checkedTarget(
  program: readonly BpfInsn[],
  tails: Uint8Array,
  pc: number,
  delta: number,
  what: 'jump' | 'call' = 'jump',
): number {
  const target = pc + 1 + delta;
  const name = what === 'call' ? 'invalid call immediate: local call' : 'jump';
  if (target < 0 || target >= program.length) {
    reject(pc, `${name} out of bounds: target ${target} is outside 0..${program.length - 1}`);
  }
  if (tails[target]) reject(pc, `${name} to middle of lddw at ${target - 1}`);
  return target;
}

function checkReg(pc: number, role: string, n: number): void {
  if (n > BPF_REG_FP) reject(pc, `invalid ${role} register r${n}`);
}

/** A destination that is written: r10, the frame pointer, is read-only (RFC 9669 §3.1). */
function checkWrittenReg(pc: number, role: string, n: number): void {
  checkReg(pc, role, n);
  if (n === BPF_REG_FP) reject(pc, `invalid ${role} register r10: the frame pointer is read-only`);
}

/**
 * Checks that every slot of `program` is a defined RFC 9669 encoding with
 * valid registers and in-range jump targets. Throws `EINVAL` naming the
 * instruction index and what is wrong (`unknown opcode 0x06`, `jump out
 * of bounds`, `jump to middle of lddw`, `incomplete lddw`, `invalid
 * destination register r10`, …).
 */
export function checkBpfEncoding(program: readonly BpfInsn[]): void {
  const tails = lddwTails(program);
  for (let pc = 0; pc < program.length; pc++) {
    const insn = program[pc];
    switch (insn.cls) {
      case BPF_ALU:
      case BPF_ALU64:
        checkAlu(insn, pc);
        break;
      case BPF_JMP:
      case BPF_JMP32:
        checkJump(program, tails, insn, pc);
        break;
      case BPF_LD:
        checkLoad(program, tails, insn, pc);
        if (insn.opcode === BPF_LDDW) pc++;
        break;
      case BPF_LDX:
        if (insn.mode !== BPF_MEM && !(insn.mode === BPF_MEMSX && insn.size !== BPF_DW)) {
          reject(pc, `unknown opcode ${hex(insn.opcode)}`);
        }
        checkWrittenReg(pc, 'destination', insn.dst);
        checkReg(pc, 'source', insn.src);
        break;
      case BPF_ST:
        if (insn.mode !== BPF_MEM) reject(pc, `unknown opcode ${hex(insn.opcode)}`);
        checkReg(pc, 'destination', insn.dst);
        break;
      default:
        checkStx(insn, pc);
    }
  }
}

function checkAlu(insn: BpfInsn, pc: number): void {
  if (insn.op > BPF_END) reject(pc, `unknown opcode ${hex(insn.opcode)}`);
  checkWrittenReg(pc, 'destination', insn.dst);
  if (insn.source === BPF_X && insn.op !== BPF_END) checkReg(pc, 'source', insn.src);
  switch (insn.op) {
    case BPF_NEG:
      if (insn.source !== BPF_K)
        reject(pc, `unknown opcode ${hex(insn.opcode)} (neg takes no source)`);
      break;
    case BPF_END:
      if (insn.cls === BPF_ALU64 && insn.source !== BPF_K)
        reject(pc, `unknown opcode ${hex(insn.opcode)}`);
      if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64)
        reject(pc, `invalid endian immediate ${insn.imm}`);
      break;
    case BPF_DIV:
    case BPF_MOD:
      if (insn.off !== 0 && insn.off !== 1)
        reject(pc, `invalid offset ${insn.off} for div/mod (0 or 1)`);
      break;
    case BPF_MOV: {
      // RFC 9669 §4.1: MOVSX sign-extends 8, 16 or (ALU64 only) 32 bits from a register.
      const ok =
        insn.off === 0 ||
        (insn.source === BPF_X &&
          (insn.off === 8 || insn.off === 16 || (insn.off === 32 && insn.cls === BPF_ALU64)));
      if (!ok) reject(pc, `invalid offset ${insn.off} for mov (movsx takes 8, 16 or 32)`);
      break;
    }
  }
}

function checkJump(
  program: readonly BpfInsn[],
  tails: Uint8Array,
  insn: BpfInsn,
  pc: number,
): void {
  const op = insn.op;
  if (op > BPF_JSLE) reject(pc, `unknown opcode ${hex(insn.opcode)}`);
  if (insn.cls === BPF_JMP32 && (op === BPF_CALL || op === BPF_EXIT))
    reject(pc, `unknown opcode ${hex(insn.opcode)}`);
  if ((op === BPF_EXIT || op === BPF_JA) && insn.source !== BPF_K) {
    reject(pc, `unknown opcode ${hex(insn.opcode)}`);
  }
  if (op === BPF_EXIT) return;
  if (op === BPF_JA) {
    checkedTarget(program, tails, pc, insn.cls === BPF_JMP32 ? insn.imm : insn.off);
    return;
  }
  if (op === BPF_CALL) {
    if (insn.source === BPF_X) {
      checkReg(pc, 'call', callxRegister(insn));
    } else if (insn.src === BPF_PSEUDO_CALL) {
      checkedTarget(program, tails, pc, insn.imm, 'call');
    } else if (insn.src !== 0) {
      reject(pc, `invalid call source ${insn.src} (0 = helper, 1 = local function)`);
    }
    return;
  }
  checkReg(pc, 'destination', insn.dst);
  if (insn.source === BPF_X) checkReg(pc, 'source', insn.src);
  checkedTarget(program, tails, pc, insn.off);
}

/**
 * The register of `call %rN` (BPF_CALL | BPF_X). Encoders disagree on the
 * field (the kernel's and ubpf's use dst, LLVM's `callx` uses imm), so a
 * non-zero imm names it, else dst.
 */
export function callxRegister(insn: BpfInsn): number {
  return insn.imm !== 0 ? insn.imm : insn.dst;
}

function checkLoad(
  program: readonly BpfInsn[],
  tails: Uint8Array,
  insn: BpfInsn,
  pc: number,
): void {
  if (insn.mode === BPF_ABS || insn.mode === BPF_IND) {
    checkLegacyPacketLoad(insn, pc);
    return;
  }
  if (insn.opcode !== BPF_LDDW) reject(pc, `unknown opcode ${hex(insn.opcode)}`);
  checkWrittenReg(pc, 'destination', insn.dst);
  // RFC 9669 §5.4 Table 7: src 0 is a plain immediate, 1–6 the map, variable and code forms.
  if (insn.src > BPF_PSEUDO_MAP_IDX_VALUE)
    reject(pc, `invalid source register for lddw: src ${insn.src} is not 0..6`);
  const next = program[pc + 1];
  if (next?.opcode !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) {
    reject(pc, 'incomplete lddw: the second slot must have opcode, registers and offset 0');
  }
  if (insn.src === BPF_PSEUDO_FUNC) checkedTarget(program, tails, pc, insn.imm, 'call');
}

/**
 * RFC 9669 §5.5: the legacy packet loads have dst and offset 0, and src
 * 0 for ABS, as the kernel's `check_ld_abs` ("BPF_LD_[ABS|IND] uses
 * reserved fields") demands; all four sizes are accepted (ubpf's DW
 * forms included).
 */
function checkLegacyPacketLoad(insn: BpfInsn, pc: number): void {
  if (insn.dst !== 0 || insn.off !== 0 || (insn.mode === BPF_ABS && insn.src !== 0)) {
    reject(
      pc,
      `${insn.mode === BPF_ABS ? 'ldabs' : 'ldind'} uses reserved fields: dst r${insn.dst}, offset ${insn.off}${insn.mode === BPF_ABS ? `, src r${insn.src}` : ''} must be 0`,
    );
  }
  checkReg(pc, 'source', insn.src);
}

const ATOMIC_IMMS = new Set([
  BPF_ADD,
  BPF_OR,
  BPF_AND,
  BPF_XOR,
  BPF_ADD | BPF_FETCH,
  BPF_OR | BPF_FETCH,
  BPF_AND | BPF_FETCH,
  BPF_XOR | BPF_FETCH,
  BPF_XCHG,
  BPF_CMPXCHG,
]);

function checkStx(insn: BpfInsn, pc: number): void {
  if (insn.cls !== BPF_STX) reject(pc, `unknown opcode ${hex(insn.opcode)}`);
  checkReg(pc, 'destination', insn.dst);
  checkReg(pc, 'source', insn.src);
  if (insn.mode === BPF_MEM) return;
  if (insn.mode !== BPF_ATOMIC || (insn.size !== BPF_W && insn.size !== BPF_DW)) {
    reject(pc, `unknown opcode ${hex(insn.opcode)}`);
  }
  if (!ATOMIC_IMMS.has(insn.imm)) reject(pc, `unknown atomic operation ${hex(insn.imm)}`);
  if (insn.imm & BPF_FETCH && insn.imm !== BPF_CMPXCHG) checkWrittenReg(pc, 'source', insn.src);
}
