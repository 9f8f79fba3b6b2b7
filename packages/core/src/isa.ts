/**
 * The instruction-set contract every arch package implements: an assembler
 * for the GNU syntax, a disassembler that prints what objdump prints, a
 * decoder and an executor. The executor never touches memory itself: every
 * load, store, barrier, cache-maintenance operation and exception goes
 * through a {@link MemoryPort}, so the same instruction semantics run on a
 * plain one-CPU machine, under the relaxed storage model and inside the
 * exhaustive explorer.
 *
 * Register values are 64-bit and kept as two 32-bit halves in a
 * `Uint32Array` (register `r`: low half at `2r`, high half at `2r + 1`) so
 * that executing an instruction allocates nothing; see `word64`.
 */

/** Options for {@link Isa.assemble}. */
export interface AssembleOptions {
  /** Address of the first byte (for PC-relative forms and labels); default 0. */
  readonly origin?: bigint;
  /** RISC-V only: emit compressed (RVC) forms where GNU `as -march=rv64gc` would; default true. */
  readonly compressed?: boolean;
}

/** One assembled instruction or data directive. */
export interface AssembledLine {
  /** Offset of the first byte from the origin. */
  readonly offset: number;
  /** The bytes in memory order. */
  readonly bytes: Uint8Array;
  /** 1-based source line it came from. */
  readonly line: number;
}

/** The result of {@link Isa.assemble}. */
export interface Assembly {
  /** The whole image, in memory order. */
  readonly bytes: Uint8Array;
  /** One entry per instruction or data item, in order. */
  readonly lines: readonly AssembledLine[];
  /** Label name to offset. */
  readonly labels: ReadonlyMap<string, number>;
}

/** One disassembled instruction. */
export interface DisassembledInsn {
  /** Offset from the start of the byte stream. */
  readonly offset: number;
  /** The instruction's bytes in memory order. */
  readonly bytes: Uint8Array;
  /**
   * The text objdump prints for these bytes, with runs of white space
   * collapsed to one space and objdump's comments (`# …`, `// …`,
   * `<symbol>`) dropped.
   */
  readonly text: string;
}

/** Options for {@link Isa.disassemble}. */
export interface DisassembleOptions {
  /** Address of the first byte, for printing branch targets; default 0. */
  readonly origin?: bigint;
}

/** Kinds of data access, for the storage model's ordering rules. */
export const AccessKind = {
  Plain: 0,
  /** Load-acquire (LDAR, `.aq`, any x86 load is already acquire under TSO). */
  Acquire: 1,
  /** Store-release (STLR, `.rl`). */
  Release: 2,
  /** Load/store-exclusive and LR/SC. */
  Exclusive: 3,
  /** Acquire + exclusive (LDAXR, `lr.aq`). */
  AcquireExclusive: 4,
  /** Release + exclusive (STLXR, `sc.rl`). */
  ReleaseExclusive: 5,
  /** Sequentially consistent (`.aqrl`, x86 locked instructions, AL forms). */
  SeqCst: 6,
} as const;
/** See the constant of the same name. */
export type AccessKind = (typeof AccessKind)[keyof typeof AccessKind];

/** Read-modify-write operations a single atomic instruction performs. */
export const AtomicOp = {
  Add: 0,
  And: 1,
  Or: 2,
  Xor: 3,
  /** Bit clear: `mem & ~operand` (LDCLR). */
  Clear: 4,
  Swap: 5,
  /** Compare-and-swap: expected in `operand`, new value in `operand2`. */
  CompareSwap: 6,
  MinSigned: 7,
  MaxSigned: 8,
  MinUnsigned: 9,
  MaxUnsigned: 10,
} as const;
/** See the constant of the same name. */
export type AtomicOp = (typeof AtomicOp)[keyof typeof AtomicOp];

/** Cache-maintenance and fetch-synchronization operations. */
export const CacheOp = {
  /** AArch64 DC CVAU: clean data cache line to the point of unification. */
  DcCvau: 0,
  /** AArch64 IC IVAU: invalidate instruction cache line, all PEs (broadcast). */
  IcIvau: 1,
  /** AArch64 IC IALLU: invalidate the local instruction cache. */
  IcIallu: 2,
  /** AArch64 IC IALLUIS: invalidate all instruction caches in the inner-shareable domain. */
  IcIalluis: 3,
  /** RISC-V FENCE.I: order this hart's earlier stores before its later fetches. */
  FenceI: 4,
} as const;
/** See the constant of the same name. */
export type CacheOp = (typeof CacheOp)[keyof typeof CacheOp];

/** Why an instruction stopped the normal flow of execution. */
export const ExceptionCause = {
  /** The arch's breakpoint/trap instruction: INT3, BRK, EBREAK/C.EBREAK. */
  Breakpoint: 0,
  /** Undefined or reserved encoding (UD2, UDF, illegal instruction). */
  Undefined: 1,
  /** System call (SVC, ECALL, SYSCALL). */
  SystemCall: 2,
  /** Division fault (x86 #DE). */
  DivideError: 3,
  /** General protection / privilege / misaligned branch target. */
  Protection: 4,
  /** HLT / WFI: the CPU stops until an interrupt. */
  Halt: 5,
} as const;
/** See the constant of the same name. */
export type ExceptionCause = (typeof ExceptionCause)[keyof typeof ExceptionCause];

/**
 * Everything an executing instruction may do besides reading and writing
 * its own registers. The engine implements it; the arch's executor calls
 * it. Values move through `Uint32Array` pairs (low half at `index`, high
 * at `index + 1`) so nothing is allocated per instruction. Addresses are
 * engine virtual addresses (see `address.ts`). A method that faults
 * records the fault and returns `false`; the executor then returns
 * without further side effects.
 */
export interface MemoryPort {
  /** Loads `size` bytes (zero-extended) into `out[index..index+1]`. */
  load(va: number, size: 1 | 2 | 4 | 8, out: Uint32Array, index: number, kind: AccessKind): boolean;
  /** Stores the low `size` bytes of `src[index..index+1]`. */
  store(
    va: number,
    size: 1 | 2 | 4 | 8,
    src: Uint32Array,
    index: number,
    kind: AccessKind,
  ): boolean;
  /**
   * Store-conditional (STXR, SC): stores if the local exclusive monitor or
   * reservation still covers `va`; returns 1 when it failed, 0 on success,
   * -1 on a fault.
   */
  storeConditional(
    va: number,
    size: 4 | 8,
    src: Uint32Array,
    index: number,
    kind: AccessKind,
  ): number;
  /**
   * Atomic read-modify-write: the old value goes to `out[outIndex..]`,
   * the operand(s) come from `src[srcIndex..]` (and `src2[src2Index..]`
   * for the new value of a compare-and-swap).
   */
  atomic(
    op: AtomicOp,
    va: number,
    size: 1 | 2 | 4 | 8,
    src: Uint32Array,
    srcIndex: number,
    out: Uint32Array,
    outIndex: number,
    kind: AccessKind,
    src2?: Uint32Array,
    src2Index?: number,
  ): boolean;
  /**
   * A memory barrier. `kind` is the arch's own barrier code (for example
   * the AArch64 DMB/DSB option field plus a DSB flag, the RISC-V fence
   * pred/succ bits, or x86 MFENCE); the arch's rules interpret it.
   */
  fence(kind: number): void;
  /** A cache-maintenance or fetch-synchronization operation on the line containing `va`. */
  cacheOp(op: CacheOp, va: number): boolean;
  /**
   * A context-synchronization / serializing event on this CPU: ISB,
   * CPUID, SERIALIZE, IRET; discards already fetched instructions.
   */
  contextSync(): void;
  /** TLB maintenance: the arch's own operation code and address (TLBI, SFENCE.VMA, INVLPG). */
  tlbOp(op: number, va: number): void;
  /** Raises an exception at the current instruction; the executor returns right after. */
  exception(cause: ExceptionCause, detail: number): void;
  /** Returns from an exception (ERET, IRET, SRET): the engine restores the saved state. */
  exceptionReturn(): void;
  /** Reads a system register / CSR into `out[index..]`; `false` when it does not exist here. */
  readSystemRegister(id: number, out: Uint32Array, index: number): boolean;
  /** Writes a system register / CSR from `src[index..]`; `false` when it does not exist or is read-only. */
  writeSystemRegister(id: number, src: Uint32Array, index: number): boolean;
}

/**
 * Slots of the array {@link Isa.registerUse} fills: the data flow of one
 * instruction, which the storage model needs to honour address and control
 * dependencies under relaxed load ordering (Arm ARM B2.3.2 "Dependency
 * definitions", RVWMO rules 9-13). Masks are over register indexes in
 * `registerNames`; a hard-wired zero register is never in a mask.
 */
export const RegisterUse = {
  /** Bit mask of the registers the instruction reads, for any purpose. */
  Sources: 0,
  /** Bit mask of the registers that form the address of its loads and stores (a subset of the sources). */
  Address: 1,
  /** Bit mask of the registers it writes. */
  Destinations: 2,
  /** Bit mask of the destinations that receive a value loaded from memory (a subset of the destinations). */
  Loaded: 3,
  /** {@link RegisterUseFlag} bits. */
  Flags: 4,
  /** Length of the array {@link Isa.registerUse} fills. */
  Length: 5,
} as const;

/** Bits of the {@link RegisterUse.Flags} slot. */
export const RegisterUseFlag = {
  /** Reads the condition flags (NZCV, RFLAGS). */
  ReadsFlags: 1,
  /** Writes the condition flags. */
  WritesFlags: 2,
  /** A conditional or register-indirect branch: which instruction runs next depends on its sources (and flags). */
  Branch: 4,
} as const;

/**
 * The architectural register state of one CPU that the executor reads and
 * writes directly. Arch packages may extend it (flags, monitors, CSRs).
 */
export interface IsaState {
  /** General registers, two 32-bit halves each (see the module comment). */
  readonly regs: Uint32Array;
  /** Program counter of the instruction being executed, as an engine address; the executor sets `nextPc`. */
  pc: number;
  /** Where execution continues; preset to `pc + length` before `execute` is called. */
  nextPc: number;
}

/** The result of {@link Isa.decode}: an instruction and how many bytes it took. */
export interface Decoded<I> {
  readonly insn: I;
  readonly length: number;
}

/**
 * An instruction set: assembler, disassembler, decoder and executor for
 * one arch. `I` is the arch's decoded-instruction type, `S` its CPU state.
 */
export interface Isa<I = unknown, S extends IsaState = IsaState> {
  /** The general registers' names in encoding order, as `execmem run` prints them. */
  readonly registerNames: readonly string[];
  /** Index of the stack pointer in `registerNames`. */
  readonly stackPointer: number;
  /** Smallest and largest instruction length in bytes, and the required alignment of an instruction address. */
  readonly minLength: number;
  readonly maxLength: number;
  readonly alignment: number;
  /** Assembles GNU-syntax source; throws `ExecmemError('EINVAL')` naming line and column on bad input. */
  assemble(source: string, options?: AssembleOptions): Assembly;
  /** Disassembles a byte stream in memory order; undecodable bytes print as objdump prints them (`(bad)`, `.inst`, `.insn`, …). */
  disassemble(bytes: Uint8Array, options?: DisassembleOptions): DisassembledInsn[];
  /**
   * Decodes one instruction from `bytes[offset..offset+available)`.
   * Returns `null` when the bytes are not a complete valid instruction
   * (the engine raises an undefined-instruction exception).
   */
  decode(bytes: Uint8Array, offset: number, available: number): Decoded<I> | null;
  /** Creates a zeroed CPU state. */
  createState(): S;
  /**
   * Fills `out[0..RegisterUse.Length)` with the data flow of `insn` (see
   * {@link RegisterUse}), allocating nothing. Optional: an arch whose
   * storage model never reorders loads (x86-TSO) needs no dependency
   * tracking; without it a relaxed storage model keeps this arch's loads
   * in program order.
   */
  registerUse?(insn: I, out: Uint32Array): void;
  /** Executes one decoded instruction. */
  execute(insn: I, state: S, port: MemoryPort): void;
}
