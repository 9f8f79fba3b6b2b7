import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_B,
  BPF_CALL,
  BPF_CLASS_MASK,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_EXIT,
  BPF_FETCH,
  BPF_H,
  BPF_IMM,
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
  BPF_JSLT,
  BPF_LD,
  BPF_LDX,
  BPF_LSH,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MODE_MASK,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OP_MASK,
  BPF_OR,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_RSH,
  BPF_SIZE_MASK,
  BPF_ST,
  BPF_STACK_SIZE,
  BPF_SUB,
  BPF_TO_BE,
  BPF_W,
  BPF_X,
  BPF_XCHG,
  BPF_XOR,
  type BpfInsn,
  bpfCodeAddressTargets,
  fail,
  word64,
} from '@execmem/core';
import { callxRegister, checkBpfEncoding } from './bpfEncodingCheck';
import { type BpfHelperTable, conformanceHelpers, failUnknownCallx } from './bpfHelpers';
import { type BpfLoadEnv, bpfDataArea, resolveBpfPseudoLoads } from './bpfLoadEnv';

// Bound once, so the hot loop calls them directly rather than through the namespace object.
const {
  add64,
  bswap32,
  bswap64,
  copy64,
  divs64,
  divu64,
  eq64,
  isZero64,
  lts64,
  ltu64,
  mul64,
  neg64,
  rems64,
  remu64,
  sar64,
  set64,
  setInt,
  setNumber,
  sext64,
  shl64,
  shr64,
  sub64,
  toBigint,
} = word64;

/** Options for {@link interpretBpf}. */
export interface BpfInterpretOptions {
  /** Helpers by number; default {@link conformanceHelpers}. */
  readonly helpers?: BpfHelperTable;
  /** Instructions to execute before giving up with `E2BIG`; default 10,000,000. */
  readonly maxSteps?: number;
  /** Maps and variables for `lddw` src 1, 2, 3, 5, 6; default none. */
  readonly env?: BpfLoadEnv;
}

/** Frames of BPF-to-BPF calls, the kernel's `MAX_CALL_FRAMES`. */
export const BPF_MAX_CALL_FRAMES = 8;

/**
 * Where the interpreter places things in the 64-bit address space the
 * program sees: one region with high half `REGION_HI`; the stacks of
 * all frames below `STACK_TOP` (frame k's r10 is
 * `STACK_TOP - 512k`), the input block at `MEM_BASE`, the maps and
 * variables ({@link bpfDataArea}) `DATA_GAP` bytes past the block's end.
 * The address of the function at slot `pc` (`code_addr`) is
 * `CODE_HI:8·pc`, outside all data.
 */
const REGION_HI = 0x1;
const CODE_HI = 0x2;
const STACK_TOP = BPF_STACK_SIZE * BPF_MAX_CALL_FRAMES;
const MEM_BASE = 2 * STACK_TOP;
const DATA_GAP = 0x10000;

/** Register-file words: r0–r10 (22 words), then scratch for immediates and atomics. */
const IMM = 22;
const OLD = 24;
const NEW = 26;
const REG_WORDS = 28;

/**
 * Runs `program` on the RFC 9669 reference semantics and returns r0 at
 * the outermost `exit` (unsigned). On entry r1 is the address of a copy
 * of `mem` (0 when `mem` is empty), r2 its length and r10 the top of a
 * 512-byte frame; `mem` itself is not modified.
 *
 * The program is checked once on entry (see `checkBpfEncoding`) and its
 * map and variable loads resolved against `options.env` (see
 * `resolveBpfPseudoLoads`); then every memory access is bounds-checked
 * against the active stack frames, the input block and the data area.
 * Failures throw `ExecmemError` naming the instruction index: `EINVAL`
 * for a bad encoding, an unknown map or falling off the end, `EFAULT` for
 * an out-of-bounds access, `ENOSYS` for an unknown helper or `callx`
 * target, `E2BIG` for too deep calls or too many steps.
 *
 * Legacy packet loads (RFC 9669 §5.5, `ldabs`/`ldind`) follow the Linux
 * semantics (`bpf_gen_ld_abs` and `bpf_skb_load_helper_*`) with the input
 * block as the packet, the bpf_conformance convention, instead of the
 * socket buffer in r6: the offset is `imm`, or `(s32)(src + imm)` for
 * IND; the `size` bytes there are read big-endian (network order) into
 * r0, zero-extended; a negative offset or one whose bytes pass the block's
 * end ends the whole program at once with r0 = 0. The verifier treats
 * r1–r5 as clobbered afterwards.
 *
 * Executing an instruction allocates nothing: registers are 32-bit halves
 * in a `Uint32Array`, memory a `DataView`.
 */
export function interpretBpf(
  program: readonly BpfInsn[],
  mem: Uint8Array = new Uint8Array(0),
  options: BpfInterpretOptions = {},
): bigint {
  checkBpfEncoding(program);
  const dataBase = align8(MEM_BASE + mem.length + DATA_GAP);
  const data = bpfDataArea(options.env);
  const insns = resolveBpfPseudoLoads(
    program,
    options.env ?? {},
    (BigInt(REGION_HI) << 32n) | BigInt(dataBase),
  );
  const helpers = options.helpers ?? conformanceHelpers;
  const maxSteps = options.maxSteps ?? 10_000_000;
  const n = insns.length;
  const code = new Uint8Array(n);
  const dsts = new Uint8Array(n);
  const srcs = new Uint8Array(n);
  const offs = new Int16Array(n);
  const imms = new Int32Array(n);
  const imm64His = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const insn = insns[i];
    code[i] = insn.opcode;
    dsts[i] = insn.dst;
    srcs[i] = insn.src;
    offs[i] = insn.off;
    imms[i] = insn.imm;
    imm64His[i] = insn.imm64Hi;
  }

  const dataEnd = dataBase + data.bytes.length;
  // Without maps or variables the gap and the data area are not backed.
  const bytes = new Uint8Array(data.bytes.length > 0 ? dataEnd : MEM_BASE + mem.length);
  bytes.set(mem, MEM_BASE);
  if (data.bytes.length > 0) bytes.set(data.bytes, dataBase);
  const view = new DataView(bytes.buffer);
  const memEnd = MEM_BASE + mem.length;
  const codeTargets = new Set(bpfCodeAddressTargets(insns));
  const r = new Uint32Array(REG_WORDS);
  if (mem.length > 0) set64(r, 2, MEM_BASE, REGION_HI);
  setNumber(r, 4, mem.length);
  set64(r, 20, STACK_TOP, REGION_HI);

  // Saved state per call frame: return pc, then r6–r10 as 10 words.
  const returnPcs = new Int32Array(BPF_MAX_CALL_FRAMES);
  const saved = new Uint32Array(BPF_MAX_CALL_FRAMES * 10);
  let depth = 0;

  /** Buffer offset of an access of `size` bytes at `base register + off`, or a fault. */
  const locate = (pc: number, base: number, off: number, size: number, what: string): number => {
    const lo = r[2 * base] + off;
    const hi = (r[2 * base + 1] + (lo < 0 ? -1 : lo >= 0x100000000 ? 1 : 0)) >>> 0;
    const at = lo >>> 0;
    if (hi === REGION_HI) {
      if (at >= STACK_TOP - BPF_STACK_SIZE * (depth + 1) && at + size <= STACK_TOP) return at;
      if (at >= MEM_BASE && at + size <= memEnd) return at;
      if (at >= dataBase && at + size <= dataEnd) return at;
    }
    const address = (BigInt(hi) << 32n) | BigInt(at);
    return fail(
      'EFAULT',
      `instruction ${pc}: out of bounds memory ${what} of ${size} bytes at 0x${address.toString(16)}`,
    );
  };

  let pc = 0;
  for (let steps = 0; ; steps++) {
    if (pc >= n) fail('EINVAL', `instruction ${n - 1}: execution falls off the end of the program`);
    if (steps >= maxSteps)
      fail('E2BIG', `instruction ${pc}: exceeded ${maxSteps} steps (infinite loop?)`);
    const opcode = code[pc];
    const cls = opcode & BPF_CLASS_MASK;
    const op = opcode & BPF_OP_MASK;
    const d = 2 * dsts[pc];
    const imm = imms[pc];
    const off = offs[pc];
    // Second operand: the src register, or imm sign-extended to 64 bits (RFC 9669 §4);
    // in load/store classes bit 3 belongs to the size, and only ST uses imm.
    let b = 2 * srcs[pc];
    if (cls === BPF_ST || (cls >= BPF_ALU && (opcode & BPF_X) === 0)) {
      setInt(r, IMM, imm);
      b = IMM;
    }
    switch (cls) {
      case BPF_ALU64:
        alu64(r, op, d, b, off, imm);
        break;
      case BPF_ALU:
        alu32(r, op, opcode & BPF_X, d, b, off, imm);
        break;
      case BPF_JMP:
      case BPF_JMP32: {
        if (op === BPF_EXIT) {
          if (depth === 0) return toBigint(r, 0);
          depth--;
          pc = returnPcs[depth];
          for (let w = 0; w < 10; w++) r[12 + w] = saved[depth * 10 + w];
          continue;
        }
        if (op === BPF_CALL) {
          let target = pc + 1 + imm;
          if (opcode & BPF_X) {
            // callx: a helper number, or the address of a function taken with code_addr.
            const x = 2 * callxRegister(insns[pc]);
            const helper = r[x + 1] === 0 ? helpers.get(r[x]) : undefined;
            if (helper) {
              if (helper(r)) return toBigint(r, 0);
              break;
            }
            target = r[x] / 8;
            if (r[x + 1] !== CODE_HI || !codeTargets.has(target))
              failUnknownCallx(pc, toBigint(r, x));
          } else if (srcs[pc] !== BPF_PSEUDO_CALL) {
            const helper = helpers.get(imm);
            if (!helper) fail('ENOSYS', `instruction ${pc}: call to unknown helper ${imm}`);
            if (helper(r)) return toBigint(r, 0);
            break;
          }
          if (depth + 1 >= BPF_MAX_CALL_FRAMES)
            fail('E2BIG', `instruction ${pc}: call depth exceeds ${BPF_MAX_CALL_FRAMES} frames`);
          returnPcs[depth] = pc + 1;
          for (let w = 0; w < 10; w++) saved[depth * 10 + w] = r[12 + w];
          depth++;
          set64(r, 20, STACK_TOP - BPF_STACK_SIZE * depth, REGION_HI);
          pc = target;
          continue;
        }
        if (op === BPF_JA) {
          pc += 1 + (cls === BPF_JMP32 ? imm : off);
          continue;
        }
        const taken = cls === BPF_JMP ? jump64(r, op, d, b) : jump32(op, r[d], r[b]);
        pc += taken ? 1 + off : 1;
        continue;
      }
      case BPF_LD: {
        const mode = opcode & BPF_MODE_MASK;
        if (mode === BPF_IMM) {
          if (srcs[pc] === BPF_PSEUDO_FUNC) set64(r, d, 8 * (pc + 1 + imm), CODE_HI);
          else set64(r, d, imm, imm64His[pc]);
          pc += 2;
          continue;
        }
        const size = opcode & BPF_SIZE_MASK;
        const bytes = sizeBytes(size);
        const at = mode === BPF_IND ? (r[b] + imm) | 0 : imm;
        // Outside the packet: the program ends with r0 = 0 (bpf_gen_ld_abs's exit path).
        if (at < 0 || at + bytes > mem.length) return 0n;
        loadNetworkOrder(r, view, MEM_BASE + at, size);
        break;
      }
      case BPF_LDX: {
        const size = opcode & BPF_SIZE_MASK;
        const at = locate(pc, srcs[pc], off, sizeBytes(size), 'load');
        load(r, d, view, at, size, (opcode & BPF_MODE_MASK) === BPF_MEMSX);
        break;
      }
      case BPF_ST: {
        const size = opcode & BPF_SIZE_MASK;
        store(view, locate(pc, dsts[pc], off, sizeBytes(size), 'store'), size, r, IMM);
        break;
      }
      default: {
        const size = opcode & BPF_SIZE_MASK;
        const at = locate(pc, dsts[pc], off, sizeBytes(size), 'store');
        if ((opcode & BPF_MODE_MASK) === BPF_ATOMIC) atomic(r, view, at, size === BPF_W, imm, b);
        else store(view, at, size, r, b);
      }
    }
    pc++;
  }
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/** RFC 9669 §5.5: r0 = the big-endian value of `size` bytes at `at`, zero-extended. */
function loadNetworkOrder(r: Uint32Array, view: DataView, at: number, size: number): void {
  switch (size) {
    case BPF_B:
      set64(r, 0, view.getUint8(at), 0);
      return;
    case BPF_H:
      set64(r, 0, view.getUint16(at), 0);
      return;
    case BPF_W:
      set64(r, 0, view.getUint32(at), 0);
      return;
    default:
      set64(r, 0, view.getUint32(at + 4), view.getUint32(at));
  }
}

function sizeBytes(size: number): number {
  return size === BPF_B ? 1 : size === BPF_H ? 2 : size === BPF_W ? 4 : 8;
}

/** RFC 9669 §4.1 on 64-bit operands; `b` indexes the second operand. */
function alu64(r: Uint32Array, op: number, d: number, b: number, off: number, imm: number): void {
  switch (op) {
    case BPF_ADD:
      add64(r, d, r, d, r, b);
      return;
    case BPF_SUB:
      sub64(r, d, r, d, r, b);
      return;
    case BPF_MUL:
      mul64(r, d, r, d, r, b);
      return;
    case BPF_DIV:
      // Division by zero gives 0; INT64_MIN / -1 wraps to INT64_MIN (divrem64s).
      if (isZero64(r, b)) set64(r, d, 0, 0);
      else if (off === 1) divs64(r, d, r, d, r, b);
      else divu64(r, d, r, d, r, b);
      return;
    case BPF_MOD:
      // Modulo by zero leaves dst unchanged; INT64_MIN % -1 is 0.
      if (isZero64(r, b)) return;
      if (off === 1) rems64(r, d, r, d, r, b);
      else remu64(r, d, r, d, r, b);
      return;
    case BPF_OR:
      r[d] |= r[b];
      r[d + 1] |= r[b + 1];
      return;
    case BPF_AND:
      r[d] &= r[b];
      r[d + 1] &= r[b + 1];
      return;
    case BPF_XOR:
      r[d] ^= r[b];
      r[d + 1] ^= r[b + 1];
      return;
    case BPF_LSH:
      shl64(r, d, r, d, r[b] & 63);
      return;
    case BPF_RSH:
      shr64(r, d, r, d, r[b] & 63);
      return;
    case BPF_ARSH:
      sar64(r, d, r, d, r[b] & 63);
      return;
    case BPF_NEG:
      neg64(r, d, r, d);
      return;
    case BPF_MOV:
      // MOVSX (offset 8/16/32) sign-extends the low bits of src.
      sext64(r, d, r, b, off === 0 ? 64 : off);
      return;
    default:
      // BPF_END in ALU64: unconditional byte swap (RFC 9669 §4.2).
      if (imm === 64) bswap64(r, d, r, d);
      else set64(r, d, imm === 32 ? bswap32(r[d]) : swap16(r[d]), 0);
  }
}

function swap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** RFC 9669 §4.1 on 32-bit operands; the result is zero-extended into dst. */
function alu32(
  r: Uint32Array,
  op: number,
  x: number,
  d: number,
  b: number,
  off: number,
  imm: number,
): void {
  const a = r[d];
  const v = r[b];
  let result: number;
  switch (op) {
    case BPF_ADD:
      result = a + v;
      break;
    case BPF_SUB:
      result = a - v;
      break;
    case BPF_MUL:
      result = Math.imul(a, v);
      break;
    case BPF_DIV:
      if (v === 0) result = 0;
      // INT32_MIN / -1 overflows to INT32_MIN, which the |0 gives back.
      else result = off === 1 ? Math.trunc((a | 0) / (v | 0)) | 0 : Math.floor(a / v);
      break;
    case BPF_MOD:
      if (v === 0) result = a;
      else result = off === 1 ? ((a | 0) % (v | 0)) | 0 : a % v;
      break;
    case BPF_OR:
      result = a | v;
      break;
    case BPF_AND:
      result = a & v;
      break;
    case BPF_XOR:
      result = a ^ v;
      break;
    case BPF_LSH:
      result = a << (v & 31);
      break;
    case BPF_RSH:
      result = a >>> (v & 31);
      break;
    case BPF_ARSH:
      result = (a | 0) >> (v & 31);
      break;
    case BPF_NEG:
      result = -a;
      break;
    case BPF_MOV:
      result = off === 8 ? (v << 24) >> 24 : off === 16 ? (v << 16) >> 16 : v;
      break;
    default:
      // BPF_END: to big-endian swaps; to little-endian (the host order) only truncates.
      if (imm === 64) {
        if (x === BPF_TO_BE) bswap64(r, d, r, d);
        return;
      }
      if (x === BPF_TO_BE) result = imm === 32 ? bswap32(a) : swap16(a);
      else result = imm === 32 ? a : a & 0xffff;
  }
  r[d] = result;
  r[d + 1] = 0;
}

function jump64(r: Uint32Array, op: number, d: number, b: number): boolean {
  switch (op) {
    case BPF_JEQ:
      return eq64(r, d, r, b);
    case BPF_JNE:
      return !eq64(r, d, r, b);
    case BPF_JGT:
      return ltu64(r, b, r, d);
    case BPF_JGE:
      return !ltu64(r, d, r, b);
    case BPF_JLT:
      return ltu64(r, d, r, b);
    case BPF_JLE:
      return !ltu64(r, b, r, d);
    case BPF_JSET:
      return (r[d] & r[b]) !== 0 || (r[d + 1] & r[b + 1]) !== 0;
    case BPF_JSGT:
      return lts64(r, b, r, d);
    case BPF_JSGE:
      return !lts64(r, d, r, b);
    case BPF_JSLT:
      return lts64(r, d, r, b);
    default:
      return !lts64(r, b, r, d);
  }
}

function jump32(op: number, a: number, v: number): boolean {
  switch (op) {
    case BPF_JEQ:
      return a === v;
    case BPF_JNE:
      return a !== v;
    case BPF_JGT:
      return a > v;
    case BPF_JGE:
      return a >= v;
    case BPF_JLT:
      return a < v;
    case BPF_JLE:
      return a <= v;
    case BPF_JSET:
      return (a & v) !== 0;
    case BPF_JSGT:
      return (a | 0) > (v | 0);
    case BPF_JSGE:
      return (a | 0) >= (v | 0);
    case BPF_JSLT:
      return (a | 0) < (v | 0);
    default:
      return (a | 0) <= (v | 0);
  }
}

/** LDX: zero-extending, or sign-extending for MEMSX (RFC 9669 §5.2). */
function load(
  r: Uint32Array,
  d: number,
  view: DataView,
  at: number,
  size: number,
  signed: boolean,
): void {
  let lo: number;
  switch (size) {
    case BPF_B:
      lo = signed ? view.getInt8(at) : view.getUint8(at);
      break;
    case BPF_H:
      lo = signed ? view.getInt16(at, true) : view.getUint16(at, true);
      break;
    case BPF_W:
      lo = signed ? view.getInt32(at, true) : view.getUint32(at, true);
      break;
    default:
      set64(r, d, view.getUint32(at, true), view.getUint32(at + 4, true));
      return;
  }
  if (signed) setInt(r, d, lo);
  else set64(r, d, lo, 0);
}

function store(view: DataView, at: number, size: number, r: Uint32Array, s: number): void {
  switch (size) {
    case BPF_B:
      view.setUint8(at, r[s] & 0xff);
      return;
    case BPF_H:
      view.setUint16(at, r[s] & 0xffff, true);
      return;
    case BPF_W:
      view.setUint32(at, r[s], true);
      return;
    default:
      view.setUint32(at, r[s], true);
      view.setUint32(at + 4, r[s + 1], true);
  }
}

/**
 * RFC 9669 §5.3 atomics. `s` indexes the src register; FETCH forms put
 * the old value (zero-extended for 32-bit) in src, CMPXCHG in r0.
 */
function atomic(
  r: Uint32Array,
  view: DataView,
  at: number,
  is32: boolean,
  imm: number,
  s: number,
): void {
  set64(r, OLD, view.getUint32(at, true), is32 ? 0 : view.getUint32(at + 4, true));
  switch (imm & ~BPF_FETCH) {
    case BPF_ADD:
      add64(r, NEW, r, OLD, r, s);
      break;
    case BPF_OR:
      set64(r, NEW, r[OLD] | r[s], r[OLD + 1] | r[s + 1]);
      break;
    case BPF_AND:
      set64(r, NEW, r[OLD] & r[s], r[OLD + 1] & r[s + 1]);
      break;
    case BPF_XOR:
      set64(r, NEW, r[OLD] ^ r[s], r[OLD + 1] ^ r[s + 1]);
      break;
    case BPF_XCHG & ~BPF_FETCH:
      copy64(r, NEW, r, s);
      break;
    default: {
      // CMPXCHG: store src only when memory equals r0 (its low half for 32-bit).
      const equal = r[OLD] === r[0] && (is32 || r[OLD + 1] === r[1]);
      copy64(r, NEW, r, equal ? s : OLD);
    }
  }
  view.setUint32(at, r[NEW], true);
  if (!is32) view.setUint32(at + 4, r[NEW + 1], true);
  if (imm === BPF_CMPXCHG) copy64(r, 0, r, OLD);
  else if (imm & BPF_FETCH) copy64(r, s, r, OLD);
}
