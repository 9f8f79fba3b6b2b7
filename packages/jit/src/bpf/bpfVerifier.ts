import {
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_MOV,
  BPF_PSEUDO_CALL,
  BPF_REG_FP,
  BPF_ST,
  BPF_X,
  type BpfInsn,
  bpfCodeAddressTargets,
  bpfIsLegacyPacketLoad,
  fail,
} from '@execmem/core';
import { callxRegister, checkBpfEncoding, lddwTails } from './bpfEncodingCheck';
import { conformanceHelpers } from './bpfHelpers';
import { type BpfLoadEnv, checkBpfPseudoLoads } from './bpfLoadEnv';

/** Options for {@link verifyBpf}. */
export interface BpfVerifyOptions {
  /** Helper numbers `call N` may name; default those of the conformance helpers (5). */
  readonly helpers?: Iterable<number>;
  /** The maps and variables `lddw` src 1, 2, 3, 5 and 6 may name; default none. */
  readonly env?: BpfLoadEnv;
}

const bit = (reg: number): number => 1 << reg;
/** r1–r5: arguments, clobbered by every call (the kernel's caller-saved set). */
const ARGS = 0b111110;
const FP = bit(BPF_REG_FP);
const R0 = bit(0);

/**
 * Checks a program before it runs, as the kernel's verifier does for the
 * rules that do not need value tracking:
 * - every slot is a defined encoding with valid registers (RFC 9669);
 *   no write to r10;
 * - every jump and local call lands inside the program and not in the
 *   second slot of a `lddw`; `ja -1` (a loop on itself) is rejected;
 * - the last instruction is `exit` or `ja`, so execution cannot fall off
 *   the end;
 * - `call N` names a known helper;
 * - a `lddw` map or variable form names a map fd, map index or variable
 *   of `options.env` and a `map_val` offset inside the value; a
 *   `code_addr` lands on an instruction (see `resolveBpfPseudoLoads`);
 * - a legacy packet load (RFC 9669 §5.5) has its reserved fields zero;
 * - no path reads a register before writing it. On entry r1, r2 and r10
 *   are set; a function called with `call local` starts with r1–r5 (as
 *   passed) and r10; after any call r0 is set and r1–r5 are not, while
 *   r6–r9 survive. A legacy packet load sets r0 and, as the kernel's
 *   `check_ld_abs` marks them, leaves r1–r5 unreadable: it may end the
 *   program, or call into the runtime, like a helper. A `callx` may
 *   enter any function whose address the program takes (`code_addr`).
 * Throws `EINVAL` with the instruction index and the rule.
 */
export function verifyBpf(program: readonly BpfInsn[], options: BpfVerifyOptions = {}): void {
  if (program.length === 0) fail('EINVAL', 'program is empty: no exit at end of program');
  checkBpfEncoding(program);
  const helpers = new Set(options.helpers ?? conformanceHelpers.keys());
  const tails = lddwTails(program);
  const lastPc = tails[program.length - 1] ? program.length - 2 : program.length - 1;
  const last = program[lastPc];
  const isJa = last.op === BPF_JA && (last.cls === BPF_JMP || last.cls === BPF_JMP32);
  if (tails[program.length - 1] || !(isJa || last.opcode === (BPF_JMP | BPF_EXIT))) {
    fail(
      'EINVAL',
      `instruction ${lastPc}: no exit at end of program (execution falls off the end)`,
    );
  }
  program.forEach((insn, pc) => {
    if (tails[pc]) return;
    if (insn.op === BPF_JA && (insn.cls === BPF_JMP || insn.cls === BPF_JMP32)) {
      if ((insn.cls === BPF_JMP32 ? insn.imm : insn.off) === -1)
        fail('EINVAL', `instruction ${pc}: infinite loop (ja jumps to itself)`);
    }
    if (insn.opcode === (BPF_JMP | BPF_CALL) && insn.src === 0 && !helpers.has(insn.imm)) {
      fail('EINVAL', `instruction ${pc}: call to unknown helper ${insn.imm}`);
    }
  });
  checkBpfPseudoLoads(program, options.env);
  checkInitialized(program);
}

/**
 * Must-be-initialized register analysis: the set of registers written
 * on every path to each instruction, as a bit mask, iterated to a fixed
 * point with a work list.
 */
function checkInitialized(program: readonly BpfInsn[]): void {
  const state = new Int32Array(program.length).fill(-1);
  const work: number[] = [];
  const flow = (to: number, mask: number): void => {
    const merged = state[to] === -1 ? mask : state[to] & mask;
    if (merged !== state[to]) {
      state[to] = merged;
      work.push(to);
    }
  };
  const codeTargets = bpfCodeAddressTargets(program);
  flow(0, bit(1) | bit(2) | FP);
  while (work.length > 0) {
    const pc = work.pop()!;
    const insn = program[pc];
    const mask = state[pc];
    const need = (reg: number): void => {
      if (!(mask & bit(reg)))
        fail('EINVAL', `instruction ${pc}: invalid read of uninitialized register r${reg}`);
    };
    const { reads, writes } = registerUse(insn);
    for (let reg = 0; reg <= BPF_REG_FP; reg++) if (reads & bit(reg)) need(reg);
    const after = mask | writes;
    if (insn.cls === BPF_LD) {
      if (bpfIsLegacyPacketLoad(insn)) flow(pc + 1, (mask & ~ARGS) | R0);
      else flow(pc + 2, after);
      continue;
    }
    if (insn.cls !== BPF_JMP && insn.cls !== BPF_JMP32) {
      flow(pc + 1, after);
      continue;
    }
    if (insn.op === BPF_EXIT) continue;
    if (insn.op === BPF_CALL) {
      if (insn.source !== BPF_X && insn.src === BPF_PSEUDO_CALL)
        flow(pc + 1 + insn.imm, (mask & ARGS) | FP);
      if (insn.source === BPF_X) for (const t of codeTargets) flow(t, (mask & ARGS) | FP);
      flow(pc + 1, (mask & ~ARGS) | R0);
      continue;
    }
    if (insn.op === BPF_JA) {
      flow(pc + 1 + (insn.cls === BPF_JMP32 ? insn.imm : insn.off), mask);
      continue;
    }
    flow(pc + 1, mask);
    flow(pc + 1 + insn.off, mask);
  }
}

/** Registers an instruction reads and writes, as bit masks (calls are handled by the caller). */
function registerUse(insn: BpfInsn): { reads: number; writes: number } {
  const dst = bit(insn.dst);
  const src = bit(insn.src);
  switch (insn.cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const x = insn.source === BPF_X && insn.op !== BPF_END ? src : 0;
      // MOV overwrites dst without reading it; every other operation reads it.
      return { reads: insn.op === BPF_MOV ? x : dst | x, writes: dst };
    }
    case BPF_JMP:
    case BPF_JMP32:
      if (insn.op === BPF_EXIT) return { reads: R0, writes: 0 };
      if (insn.op === BPF_CALL)
        return { reads: insn.source === BPF_X ? bit(callxRegister(insn)) : 0, writes: 0 };
      if (insn.op === BPF_JA) return { reads: 0, writes: 0 };
      return { reads: dst | (insn.source === BPF_X ? src : 0), writes: 0 };
    case BPF_LD:
      if (!bpfIsLegacyPacketLoad(insn)) return { reads: 0, writes: dst };
      return { reads: insn.mode === BPF_IND ? src : 0, writes: R0 };
    case BPF_LDX:
      return { reads: src, writes: dst };
    case BPF_ST:
      return { reads: dst, writes: 0 };
    default:
      if (insn.mode !== BPF_ATOMIC) return { reads: dst | src, writes: 0 };
      if (insn.imm === BPF_CMPXCHG) return { reads: dst | src | R0, writes: R0 };
      return { reads: dst | src, writes: insn.imm & BPF_FETCH ? src : 0 };
  }
}
