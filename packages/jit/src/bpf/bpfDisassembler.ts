import {
  BPF_ABS,
  BPF_ALU,
  BPF_ALU64,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_DIV,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_LDDW,
  BPF_LDX,
  BPF_MEM,
  BPF_MEMSX,
  BPF_MOD,
  BPF_MOV,
  BPF_NEG,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_ST,
  BPF_STX,
  BPF_TO_BE,
  BPF_W,
  BPF_X,
  type BpfInsn,
  bpfCodeAddressTargets,
  bpfIsLegacyPacketLoad,
  fail,
} from '@execmem/core';
import { callxRegister } from './bpfEncodingCheck';
import { ALU_OPS, ATOMIC_FETCH_OPS, ATOMIC_OPS, JMP_OPS, nameOf, SIZES } from './bpfMnemonics';

/**
 * Prints a program in the bpf_conformance assembler syntax, one line per
 * instruction (`lddw` covers its two slots), so that {@link assembleBpf}
 * gives the same instructions back. Jumps print as `+N`/`-N`; targets of
 * `call local` and `code_addr` get `fnN:` labels (N = slot index) because
 * those forms print a name. The `lddw` pseudo sources print as RFC 9669
 * §5.4 pseudocode (`map_val(map_by_fd(3)) + 8`), the legacy packet loads
 * as `ldabsw 4` / `ldindw %r1, 4`. Throws `EINVAL` naming the slot of an
 * opcode it does not know.
 */
export function disassembleBpf(program: readonly BpfInsn[]): string {
  const callTargets = new Set<number>(bpfCodeAddressTargets(program));
  program.forEach((insn, pc) => {
    if (isLocalCall(insn)) callTargets.add(pc + 1 + insn.imm);
  });
  const lines: string[] = [];
  for (let pc = 0; pc < program.length; pc++) {
    if (callTargets.has(pc)) lines.push(`fn${pc}:`);
    const insn = program[pc];
    lines.push(formatBpfInsn(insn, pc));
    if (insn.opcode === BPF_LDDW) pc++;
  }
  return `${lines.join('\n')}\n`;
}

function isLocalCall(insn: BpfInsn): boolean {
  return insn.opcode === (BPF_JMP | BPF_CALL) && insn.src === BPF_PSEUDO_CALL;
}

const reg = (n: number): string => `%r${n}`;
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const mem = (r: number, off: number): string => `[%r${r}${off < 0 ? off : `+${off}`}]`;
const hex64 = (insn: BpfInsn): string =>
  `0x${((BigInt(insn.imm64Hi) << 32n) | BigInt(insn.imm >>> 0)).toString(16)}`;

/** Prints one instruction at slot `pc` (the slot locates `call local` targets) in assembler syntax. */
export function formatBpfInsn(insn: BpfInsn, pc: number): string {
  const bad = (): never =>
    fail(
      'EINVAL',
      `instruction ${pc}: unknown opcode 0x${insn.opcode.toString(16).padStart(2, '0')}`,
    );
  switch (insn.cls) {
    case BPF_ALU:
    case BPF_ALU64:
      return formatAlu(insn) ?? bad();
    case BPF_JMP:
    case BPF_JMP32:
      return formatJump(insn, pc) ?? bad();
    case BPF_LDX: {
      const size = nameOf(SIZES, insn.size)!;
      if (insn.mode === BPF_MEM) return `ldx${size} ${reg(insn.dst)}, ${mem(insn.src, insn.off)}`;
      if (insn.mode === BPF_MEMSX && insn.size !== BPF_DW) {
        return `ldxs${size} ${reg(insn.dst)}, ${mem(insn.src, insn.off)}`;
      }
      return bad();
    }
    case BPF_ST:
      if (insn.mode !== BPF_MEM) return bad();
      return `st${nameOf(SIZES, insn.size)} ${mem(insn.dst, insn.off)}, ${insn.imm}`;
    case BPF_STX:
      if (insn.mode === BPF_MEM)
        return `stx${nameOf(SIZES, insn.size)} ${mem(insn.dst, insn.off)}, ${reg(insn.src)}`;
      return formatAtomic(insn) ?? bad();
    default:
      if (insn.opcode === BPF_LDDW) return `lddw ${reg(insn.dst)}, ${formatLddwSource(insn, pc)}`;
      if (bpfIsLegacyPacketLoad(insn)) {
        const size = nameOf(SIZES, insn.size)!;
        if (insn.mode === BPF_ABS) return `ldabs${size} ${insn.imm}`;
        return `ldind${size} ${reg(insn.src)}, ${insn.imm}`;
      }
      return bad();
  }
}

/** The second operand of `lddw`: the immediate, or the RFC 9669 §5.4 pseudocode of src 1–6. */
function formatLddwSource(insn: BpfInsn, pc: number): string {
  switch (insn.src) {
    case 0:
      return hex64(insn);
    case BPF_PSEUDO_MAP_FD:
      return `map_by_fd(${insn.imm})`;
    case BPF_PSEUDO_MAP_VALUE:
      return `map_val(map_by_fd(${insn.imm})) + ${insn.imm64Hi}`;
    case BPF_PSEUDO_BTF_ID:
      return `var_addr(${insn.imm})`;
    case BPF_PSEUDO_FUNC:
      return `code_addr(fn${pc + 1 + insn.imm})`;
    case BPF_PSEUDO_MAP_IDX:
      return `map_by_idx(${insn.imm})`;
    case BPF_PSEUDO_MAP_IDX_VALUE:
      return `map_val(map_by_idx(${insn.imm})) + ${insn.imm64Hi}`;
    default:
      return fail('EINVAL', `instruction ${pc}: invalid source register for lddw: src ${insn.src}`);
  }
}

function formatAlu(insn: BpfInsn): string | undefined {
  const suffix = insn.cls === BPF_ALU ? '32' : '';
  if (insn.op === BPF_END) {
    if (insn.cls === BPF_ALU64) return `bswap${insn.imm} ${reg(insn.dst)}`;
    return `${insn.source === BPF_TO_BE ? 'be' : 'le'}${insn.imm} ${reg(insn.dst)}`;
  }
  if (insn.op === BPF_MOV && insn.off !== 0)
    return `movsx${insn.off}${insn.cls === BPF_ALU ? 32 : 64} ${reg(insn.dst)}, ${reg(insn.src)}`;
  let name = nameOf(ALU_OPS, insn.op);
  if (name === undefined) return undefined;
  if ((insn.op === BPF_DIV || insn.op === BPF_MOD) && insn.off === 1) name = `s${name}`;
  if (insn.op === BPF_NEG) return `${name}${suffix} ${reg(insn.dst)}`;
  const source = insn.source === BPF_X ? reg(insn.src) : `${insn.imm}`;
  return `${name}${suffix} ${reg(insn.dst)}, ${source}`;
}

function formatJump(insn: BpfInsn, pc: number): string | undefined {
  const suffix = insn.cls === BPF_JMP32 ? '32' : '';
  if (insn.op === BPF_EXIT) return 'exit';
  if (insn.op === BPF_CALL) {
    if (insn.source === BPF_X) return `call ${reg(callxRegister(insn))}`;
    if (insn.src === BPF_PSEUDO_CALL) return `call local fn${pc + 1 + insn.imm}`;
    return `call ${insn.imm}`;
  }
  const name = nameOf(JMP_OPS, insn.op);
  if (name === undefined) return undefined;
  if (insn.op === BPF_JA)
    return `${name}${suffix} ${signed(insn.cls === BPF_JMP32 ? insn.imm : insn.off)}`;
  const source = insn.source === BPF_X ? reg(insn.src) : `${insn.imm}`;
  return `${name}${suffix} ${reg(insn.dst)}, ${source}, ${signed(insn.off)}`;
}

function formatAtomic(insn: BpfInsn): string | undefined {
  if (insn.mode !== BPF_ATOMIC || (insn.size !== BPF_W && insn.size !== BPF_DW)) return undefined;
  const suffix = insn.size === BPF_W ? '32' : '';
  const always = nameOf(ATOMIC_FETCH_OPS, insn.imm);
  const plain = nameOf(ATOMIC_OPS, insn.imm & ~BPF_FETCH);
  const name =
    always ?? (plain === undefined ? undefined : `${insn.imm & BPF_FETCH ? 'fetch ' : ''}${plain}`);
  if (name === undefined) return undefined;
  return `lock ${name}${suffix} ${mem(insn.dst, insn.off)}, ${reg(insn.src)}`;
}
