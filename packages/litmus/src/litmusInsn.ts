/**
 * The small instruction vocabulary the checker executes. Each arch's
 * litmus front end translates its herd instruction lines into these
 * operations; the checker runs them symbolically and turns every memory
 * access, barrier, cache operation and exception into an event.
 *
 * @module
 */

import type { LitmusValue } from './litmusValue';

/** A register (arch-defined index) or an immediate value (a number, or a location for a fixed address). */
export type LitmusOperand =
  | { readonly reg: number; readonly bits: 32 | 64 }
  | { readonly imm: LitmusValue };

/**
 * Branch conditions on the flags a compare sets (Arm ARM C1.2.4 names),
 * plus the bit tests of TBZ/TBNZ: `tz` (`a & b` is zero) and `tnz`.
 */
export type LitmusCond =
  | 'eq'
  | 'ne'
  | 'lt'
  | 'ge'
  | 'gt'
  | 'le'
  | 'lo'
  | 'hs'
  | 'hi'
  | 'ls'
  | 'tz'
  | 'tnz';

/** Two-operand arithmetic the front ends need. */
export type LitmusAluOp = 'add' | 'sub' | 'and' | 'or' | 'xor';

/**
 * Barrier and synchronization events, named as the models name them:
 * AArch64 `DMB.SY`/`DMB.ST`/`DMB.LD`/`DSB.*`/`ISB`; RISC-V `fence.<pred>.<succ>`,
 * `fence.tso`; x86 `MFENCE`/`LFENCE`/`SFENCE` and `SERIALIZE` (CPUID, SERIALIZE, IRET…).
 */
export type LitmusFence = string;

/** Cache and fetch maintenance: AArch64 `DC.CVAU`, `IC.IVAU`, `IC.IALLU`, `IC.IALLUIS`; RISC-V `fence.i`. */
export type LitmusCacheOp = 'DC.CVAU' | 'IC.IVAU' | 'IC.IALLU' | 'IC.IALLUIS' | 'fence.i';

/** Memory ordering flavour of an access. */
export type LitmusOrdering = 'plain' | 'acquire' | 'acquirePc' | 'release' | 'acqrel';

/** One decoded litmus instruction. Branch targets are code addresses (see `litmusValue`). */
export type LitmusInsn =
  | { readonly op: 'nop' }
  | {
      readonly op: 'load';
      readonly dst: number;
      readonly bits: 32 | 64;
      readonly base: LitmusOperand;
      /** Added to the base (`[X1,X2]`), the usual way to make an address dependency. */
      readonly index?: LitmusOperand;
      readonly ordering: LitmusOrdering;
      /** The loaded value is sign-extended to 64 bits (RISC-V `lw`); otherwise zero-extended. */
      readonly signed?: boolean;
    }
  | {
      readonly op: 'store';
      readonly src: LitmusOperand;
      readonly base: LitmusOperand;
      readonly index?: LitmusOperand;
      readonly ordering: LitmusOrdering;
    }
  | {
      readonly op: 'swap';
      readonly dst: number;
      readonly src: LitmusOperand;
      readonly base: LitmusOperand;
      readonly index?: LitmusOperand;
      readonly bits: 32 | 64;
      readonly ordering: LitmusOrdering;
    }
  | {
      readonly op: 'mov';
      readonly dst: number;
      readonly bits: 32 | 64;
      readonly src: LitmusOperand;
    }
  | {
      readonly op: 'alu';
      readonly alu: LitmusAluOp;
      readonly dst: number;
      readonly bits: 32 | 64;
      readonly a: LitmusOperand;
      readonly b: LitmusOperand;
    }
  | { readonly op: 'cmp'; readonly a: LitmusOperand; readonly b: LitmusOperand }
  | { readonly op: 'cset'; readonly dst: number; readonly cond: LitmusCond }
  | { readonly op: 'jump'; readonly target: string; readonly link?: number }
  | { readonly op: 'branchFlags'; readonly target: string; readonly cond: LitmusCond }
  | {
      readonly op: 'branchCompare';
      readonly target: string;
      readonly cond: LitmusCond;
      readonly a: LitmusOperand;
      readonly b: LitmusOperand;
    }
  | { readonly op: 'jumpReg'; readonly reg: number; readonly link?: number }
  | { readonly op: 'fence'; readonly fence: LitmusFence }
  | { readonly op: 'cacheOp'; readonly cacheOp: LitmusCacheOp; readonly base?: LitmusOperand }
  | { readonly op: 'setReturn'; readonly src: number }
  | { readonly op: 'exceptionReturn' }
  /**
   * An exception: an undefined instruction or breakpoint resumes at itself
   * (`same`), a system call or x86 INT3 trap after itself (`next`).
   */
  | { readonly op: 'fault'; readonly resume: 'same' | 'next' };
