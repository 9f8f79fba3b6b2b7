import type { BpfInsn } from './bpfInsn';

/**
 * What a code generator is told about the place its code will run, like
 * the kernel's `bpf_jit_comp.c` learns from `bpf_jit_binary_pack_alloc()`
 * and the helper table.
 */
export interface BpfJitEnv {
  /**
   * Address the first byte of `code` will be loaded at. Generators use it
   * to decide whether a helper is within direct-branch reach (arm64 BL
   * ±128 MiB, riscv JAL ±1 MiB / AUIPC+JALR ±2 GiB, x86 CALL rel32 ±2 GiB)
   * or must be called through a register.
   */
  readonly loadAddress: bigint;
  /** Helper number → entry address, for `call imm` (BPF_CALL, src 0). */
  readonly helpers: ReadonlyMap<number, bigint>;
  /**
   * Address of a table of 64-bit little-endian helper entry addresses
   * indexed by helper number, for `call %rN` (BPF_CALL | BPF_X), whose
   * target is only known at run time. A value below `helperTableLength`
   * with a non-zero entry calls that helper; a value equal to the address
   * of a function the program took with `code_addr` (`lddw` src 4) calls
   * that function as `call local` would; anything else executes a trap
   * instruction listed in `BpfJitImage.trapOffsets`, which the runner
   * reports as `ENOSYS`, the interpreter's error for an unknown helper.
   */
  readonly helperTable: bigint;
  /** Number of entries at `helperTable`. */
  readonly helperTableLength: number;
  /**
   * The helper number after whose call the program returns at once when
   * r0 is 0 (ubpf's unwind function; the conformance suite's helper 5),
   * so generated code tests r0 after calling it; `undefined` for none.
   */
  readonly unwindHelper?: number;
  /** Bytes of stack per BPF frame (512, `BPF_STACK_SIZE`). */
  readonly stackSize: number;
}

/** The machine code a {@link BpfJitBackend} produced. */
export interface BpfJitImage {
  /** The code, in memory order, to be placed at `env.loadAddress`. */
  readonly code: Uint8Array;
  /** Byte offset in `code` of the function entry (the prologue). */
  readonly entryOffset: number;
  /**
   * Byte offset in `code` where the machine code of each BPF slot begins
   * (one entry per slot plus one for the end), for tracing, patching and
   * mapping faults back to BPF instruction indexes, like the kernel's
   * `addrs[]` / `ctx->offset[]`.
   */
  readonly insnOffsets: Uint32Array;
  /**
   * Byte offsets in `code` of the trap instructions the code executes on
   * purpose, sorted: a `callx` whose register names no helper and no
   * function. Each lies inside the code of its slot (see `insnOffsets`),
   * so a runner maps a stop there back to the instruction.
   */
  readonly trapOffsets: Uint32Array;
}

/**
 * A per-architecture eBPF code generator, the counterpart of the kernel's
 * `arch/<arch>/net/bpf_jit_comp.c`. The program it receives has passed
 * the verifier, so it need not re-check operands.
 *
 * Conventions every backend follows:
 * - The image is a function in the platform's C calling convention:
 *   `u64 prog(void *mem, u64 len)`, so r1 and r2 arrive in the first two
 *   argument registers and r0 is returned in the return-value register.
 * - `registerMap[n]` names the machine register holding BPF register `n`:
 *   r0 the return-value register; r1–r5 argument registers (caller-saved,
 *   so a helper call is a plain C call and clobbers them, as the verifier
 *   assumes); r6–r9 callee-saved registers, saved by the prologue and
 *   restored by the epilogue; r10 a callee-saved register pointing at the
 *   top of a `stackSize`-byte frame, never written by BPF code. The
 *   kernel's mappings (x86: rax, rdi, rsi, rdx, rcx, r8, rbx, r13, r14,
 *   r15, rbp) are the model.
 * - BPF-to-BPF calls (`call local`) get a fresh `stackSize`-byte frame and
 *   preserve r6–r9 for the caller.
 * - Legacy packet loads (RFC 9669 §5.5, `BPF_ABS`/`BPF_IND`) read the
 *   input block the program was called with (the first two arguments,
 *   kept by the outer frame) as the packet, in network byte order, and
 *   end the program with r0 = 0 when the access is outside it.
 * - `lddw` src 4 (`code_addr`) loads the entry address of the function's
 *   prologue; the other pseudo sources (maps, variables) are resolved to
 *   plain immediates before `generate` sees the program.
 * - Division and modulo by zero and shift counts follow RFC 9669 §4.1
 *   (quotient 0, remainder = dividend, counts masked), whatever the
 *   hardware does.
 * - Instructions are produced through the arch package's own assembler or
 *   encoder, so every emitted word is one the arch's decoder accepts.
 */
export interface BpfJitBackend {
  /** The architecture name (`x86_64`, `arm64`, `riscv64`). */
  readonly arch: string;
  /** Machine register name for each BPF register r0–r10 (11 entries). */
  readonly registerMap: readonly string[];
  /**
   * Translates a verified program. Throws `ExecmemError` (`ERANGE` when a
   * helper is out of reach and cannot be called indirectly, `ENOSYS` for
   * an instruction the backend does not implement), naming the
   * instruction index.
   */
  generate(program: readonly BpfInsn[], env: BpfJitEnv): BpfJitImage;
}
