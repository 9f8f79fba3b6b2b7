/**
 * eBPF opcode fields, named as RFC 9669 names them. An opcode byte is
 * `class | source | operation` for arithmetic and jumps (RFC 9669 §3.3)
 * and `class | size | mode` for loads and stores (§5).
 *
 * @module
 */

/** RFC 9669 §3.3: the instruction class, the low 3 bits of the opcode. */
export const BPF_CLASS_MASK = 0x07;
/** Non-standard load operations (only `lddw`, the wide-immediate load). */
export const BPF_LD = 0x00;
/** Load into register. */
export const BPF_LDX = 0x01;
/** Store from immediate. */
export const BPF_ST = 0x02;
/** Store from register. */
export const BPF_STX = 0x03;
/** 32-bit arithmetic. */
export const BPF_ALU = 0x04;
/** 64-bit jumps. */
export const BPF_JMP = 0x05;
/** 32-bit jumps. */
export const BPF_JMP32 = 0x06;
/** 64-bit arithmetic. */
export const BPF_ALU64 = 0x07;

/** RFC 9669 §4: the source bit of arithmetic and jump opcodes. */
export const BPF_SRC_MASK = 0x08;
/** Use the 32-bit `imm` as the source operand. */
export const BPF_K = 0x00;
/** Use the `src` register as the source operand. */
export const BPF_X = 0x08;
/** §4.2: for `BPF_ALU | BPF_END`, convert to little-endian (same bit as `BPF_K`). */
export const BPF_TO_LE = 0x00;
/** §4.2: for `BPF_ALU | BPF_END`, convert to big-endian (same bit as `BPF_X`). */
export const BPF_TO_BE = 0x08;

/** The operation field of arithmetic and jump opcodes, the high 4 bits. */
export const BPF_OP_MASK = 0xf0;
/** §4.1: `dst += src`. */
export const BPF_ADD = 0x00;
/** §4.1: `dst -= src`. */
export const BPF_SUB = 0x10;
/** §4.1: `dst *= src`. */
export const BPF_MUL = 0x20;
/** §4.1: `dst /= src` (unsigned, offset 0) or signed (offset 1); by zero gives 0. */
export const BPF_DIV = 0x30;
/** §4.1: `dst |= src`. */
export const BPF_OR = 0x40;
/** §4.1: `dst &= src`. */
export const BPF_AND = 0x50;
/** §4.1: `dst <<= src` (count masked to the operand width). */
export const BPF_LSH = 0x60;
/** §4.1: `dst >>= src`, logical. */
export const BPF_RSH = 0x70;
/** §4.1: `dst = -dst`. */
export const BPF_NEG = 0x80;
/** §4.1: `dst %= src` (unsigned, offset 0) or signed (offset 1); by zero leaves dst. */
export const BPF_MOD = 0x90;
/** §4.1: `dst ^= src`. */
export const BPF_XOR = 0xa0;
/** §4.1: `dst = src`, or a sign-extending move when offset is 8, 16 or 32. */
export const BPF_MOV = 0xb0;
/** §4.1: `dst >>= src`, arithmetic. */
export const BPF_ARSH = 0xc0;
/** §4.2: byte-order conversion (`ALU`) or unconditional byte swap (`ALU64`). */
export const BPF_END = 0xd0;

/** §4.3: unconditional jump (`JMP`: 16-bit offset; `JMP32`: 32-bit imm). */
export const BPF_JA = 0x00;
/** §4.3: jump if `dst == src`. */
export const BPF_JEQ = 0x10;
/** §4.3: jump if `dst > src`, unsigned. */
export const BPF_JGT = 0x20;
/** §4.3: jump if `dst >= src`, unsigned. */
export const BPF_JGE = 0x30;
/** §4.3: jump if `dst & src` is non-zero. */
export const BPF_JSET = 0x40;
/** §4.3: jump if `dst != src`. */
export const BPF_JNE = 0x50;
/** §4.3: jump if `dst > src`, signed. */
export const BPF_JSGT = 0x60;
/** §4.3: jump if `dst >= src`, signed. */
export const BPF_JSGE = 0x70;
/** §4.3: call a helper (src 0), a local function (src 1) or, with `BPF_X`, the helper numbered in a register. */
export const BPF_CALL = 0x80;
/** §4.3: return from a function (from the program in the outermost frame). */
export const BPF_EXIT = 0x90;
/** §4.3: jump if `dst < src`, unsigned. */
export const BPF_JLT = 0xa0;
/** §4.3: jump if `dst <= src`, unsigned. */
export const BPF_JLE = 0xb0;
/** §4.3: jump if `dst < src`, signed. */
export const BPF_JSLT = 0xc0;
/** §4.3: jump if `dst <= src`, signed. */
export const BPF_JSLE = 0xd0;

/** §5: the size field of load and store opcodes. */
export const BPF_SIZE_MASK = 0x18;
/** Word, 4 bytes. */
export const BPF_W = 0x00;
/** Half word, 2 bytes. */
export const BPF_H = 0x08;
/** Byte. */
export const BPF_B = 0x10;
/** Double word, 8 bytes. */
export const BPF_DW = 0x18;

/** §5: the mode field of load and store opcodes. */
export const BPF_MODE_MASK = 0xe0;
/** §5.4: 64-bit immediate (`lddw`, two slots). */
export const BPF_IMM = 0x00;
/**
 * §5.5: legacy packet access, absolute (`ldabsw imm`: class LD, dst, src
 * and offset 0): r0 = the `size` bytes at offset `imm` of the packet in
 * network byte order. Here the packet is the input block; out of bounds
 * ends the program with r0 = 0, and r1–r5 count as clobbered (Linux
 * `bpf_gen_ld_abs`).
 */
export const BPF_ABS = 0x20;
/** §5.5: legacy packet access, indirect (`ldindw %rN, imm`): as {@link BPF_ABS} at offset `(s32)(src + imm)`. */
export const BPF_IND = 0x40;
/** §5.1: regular load or store. */
export const BPF_MEM = 0x60;
/** §5.2: sign-extending load. */
export const BPF_MEMSX = 0x80;
/** §5.3: atomic operation (the operation is in `imm`). */
export const BPF_ATOMIC = 0xc0;

/** §5.3: atomic modifier, return the old value in `src`. */
export const BPF_FETCH = 0x01;
/** §5.3: atomic exchange (always fetches). */
export const BPF_XCHG = 0xe0 | BPF_FETCH;
/** §5.3: atomic compare-and-exchange with r0 (always fetches, into r0). */
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;

/** §4.3.1: `src` value of a call to a function inside the program (pc-relative `imm`). */
export const BPF_PSEUDO_CALL = 1;

/**
 * §5.4 Table 7: `lddw` with src 1 (the kernel's `BPF_PSEUDO_MAP_FD`):
 * `dst = map_by_fd(imm)`, the map whose file descriptor is `imm`.
 */
export const BPF_PSEUDO_MAP_FD = 1;
/** §5.4: src 2 (`BPF_PSEUDO_MAP_VALUE`): `dst = map_val(map_by_fd(imm)) + next_imm`. */
export const BPF_PSEUDO_MAP_VALUE = 2;
/** §5.4: src 3 (`BPF_PSEUDO_BTF_ID`): `dst = var_addr(imm)`, the platform variable with id `imm`. */
export const BPF_PSEUDO_BTF_ID = 3;
/**
 * §5.4: src 4 (`BPF_PSEUDO_FUNC`): `dst = code_addr(imm)`, the address of
 * the function starting `imm` slots after the next one (as `call local`
 * counts), which `callx` can then call.
 */
export const BPF_PSEUDO_FUNC = 4;
/** §5.4: src 5 (`BPF_PSEUDO_MAP_IDX`): `dst = map_by_idx(imm)`, the map at index `imm` of the program's map array. */
export const BPF_PSEUDO_MAP_IDX = 5;
/** §5.4: src 6 (`BPF_PSEUDO_MAP_IDX_VALUE`): `dst = map_val(map_by_idx(imm)) + next_imm`. */
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

/** The opcode of `lddw` (`BPF_LD | BPF_IMM | BPF_DW`). */
export const BPF_LDDW = BPF_LD | BPF_IMM | BPF_DW;

/** Bytes of one instruction slot. */
export const BPF_INSN_SIZE = 8;
/** Bytes of stack each frame gets (the kernel's `MAX_BPF_STACK`). */
export const BPF_STACK_SIZE = 512;
/** Number of eBPF registers, r0–r10. */
export const BPF_REG_COUNT = 11;
/** The read-only frame pointer register. */
export const BPF_REG_FP = 10;
