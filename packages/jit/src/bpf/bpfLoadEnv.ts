import {
  BPF_LDDW,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  type BpfInsn,
  fail,
  makeBpfInsn,
} from '@execmem/core';

/**
 * One map a program can name with `lddw` src 1, 2, 5 or 6 (RFC 9669
 * §5.4): a single value area of `valueSize` bytes, like a
 * `BPF_MAP_TYPE_ARRAY` with one entry, whose value the program reads and
 * writes through the `map_val` address.
 */
export interface BpfMapSpec {
  /** The file descriptor `map_by_fd` names it by (src 1 and 2). */
  readonly fd: number;
  /** Bytes of the value area (what `map_val` + offset may address). */
  readonly valueSize: number;
  /** Initial contents of the value area, zero-filled up to `valueSize`; default all zeros. */
  readonly value?: Uint8Array;
}

/**
 * What `lddw` pseudo sources resolve against, the loader's side of RFC
 * 9669 §5.4: `maps` is the program's map array (`map_by_idx(i)` is
 * `maps[i]`, as the kernel's `fd_array`), `variables` the platform
 * variables (`var_addr(id)` is the address of `variables[id]`). Every run
 * starts from these contents.
 */
export interface BpfLoadEnv {
  /** Maps by index; each also has an fd. Default none. */
  readonly maps?: readonly BpfMapSpec[];
  /** Platform variables by id, with their initial bytes. Default none. */
  readonly variables?: readonly Uint8Array[];
}

/** Bytes of the header of a map object: `u32 fd`, `u32 valueSize` (little-endian). */
export const BPF_MAP_HEADER_SIZE = 8;

/**
 * The maps and variables of a {@link BpfLoadEnv} laid out in one data
 * area: per map an 8-byte object (the `map_by_fd` address: fd and value
 * size) followed by its value area (the `map_val` address), then the
 * variables; every item 8-byte aligned. Offsets are from the area's start.
 */
export interface BpfDataArea {
  /** The area's initial contents. */
  readonly bytes: Uint8Array;
  /** Per map index: offset of its object. The value area follows at `+ BPF_MAP_HEADER_SIZE`. */
  readonly mapOffsets: readonly number[];
  /** Per variable id: its offset. */
  readonly variableOffsets: readonly number[];
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Lays out `env` as a {@link BpfDataArea}. Throws `EINVAL` for a map fd
 * that is not a non-negative 32-bit integer or appears twice, a value
 * size that is not a non-negative integer, or initial contents longer
 * than the value area.
 */
export function bpfDataArea(env: BpfLoadEnv = {}): BpfDataArea {
  const maps = env.maps ?? [];
  const variables = env.variables ?? [];
  const fds = new Set<number>();
  const mapOffsets: number[] = [];
  const variableOffsets: number[] = [];
  let size = 0;
  maps.forEach((m, i) => {
    if (!Number.isInteger(m.fd) || m.fd < 0 || m.fd > 0x7fffffff)
      fail('EINVAL', `map ${i}: fd ${m.fd} is not a non-negative 32-bit integer`);
    if (fds.has(m.fd)) fail('EINVAL', `map ${i}: fd ${m.fd} is used by another map`);
    fds.add(m.fd);
    if (!Number.isInteger(m.valueSize) || m.valueSize < 0)
      fail('EINVAL', `map ${i}: value size ${m.valueSize} is not a non-negative integer`);
    if ((m.value?.length ?? 0) > m.valueSize)
      fail('EINVAL', `map ${i}: ${m.value?.length} initial bytes exceed value size ${m.valueSize}`);
    mapOffsets.push(size);
    size = align8(size + BPF_MAP_HEADER_SIZE + m.valueSize);
  });
  for (const v of variables) {
    variableOffsets.push(size);
    size = align8(size + v.length);
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  maps.forEach((m, i) => {
    view.setUint32(mapOffsets[i], m.fd, true);
    view.setUint32(mapOffsets[i] + 4, m.valueSize, true);
    if (m.value) bytes.set(m.value, mapOffsets[i] + BPF_MAP_HEADER_SIZE);
  });
  variables.forEach((v, i) => {
    bytes.set(v, variableOffsets[i]);
  });
  return { bytes, mapOffsets, variableOffsets };
}

const PSEUDO_NAMES = [
  'imm64',
  'map_by_fd',
  'map_val(map_by_fd)',
  'var_addr',
  'code_addr',
  'map_by_idx',
  'map_val(map_by_idx)',
];

/**
 * The data-area offset a pseudo `lddw` at `pc` resolves to, after the
 * kernel verifier's `resolve_pseudo_ldimm64` checks: the map or variable
 * must exist, a `map_val` offset (`next_imm`) must lie inside the value
 * (`map_direct_value_addr`), and the other forms need `next_imm` 0.
 * Throws `EINVAL` naming the instruction and the bad value.
 */
function pseudoOffset(insn: BpfInsn, pc: number, env: BpfLoadEnv, area: BpfDataArea): number {
  const maps = env.maps ?? [];
  const name = PSEUDO_NAMES[insn.src];
  const bad = (what: string): never => fail('EINVAL', `instruction ${pc}: lddw ${name}: ${what}`);
  const isValue = insn.src === BPF_PSEUDO_MAP_VALUE || insn.src === BPF_PSEUDO_MAP_IDX_VALUE;
  if (!isValue && insn.imm64Hi !== 0) bad(`next_imm ${insn.imm64Hi} must be 0`);
  if (insn.src === BPF_PSEUDO_BTF_ID) {
    const at = area.variableOffsets[insn.imm];
    if (at === undefined)
      bad(`unknown variable id ${insn.imm} (${area.variableOffsets.length} variables)`);
    return at;
  }
  let index: number;
  if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE) {
    index = maps.findIndex((m) => m.fd === insn.imm);
    if (index < 0) bad(`unknown map fd ${insn.imm}`);
  } else {
    index = insn.imm;
    if (index < 0 || index >= maps.length)
      bad(`unknown map index ${insn.imm} (${maps.length} maps)`);
  }
  if (!isValue) return area.mapOffsets[index];
  const off = insn.imm64Hi >>> 0;
  if (off >= maps[index].valueSize)
    bad(`offset ${off} is outside the ${maps[index].valueSize}-byte value of map ${index}`);
  return area.mapOffsets[index] + BPF_MAP_HEADER_SIZE + off;
}

/**
 * Checks every pseudo `lddw` of `program` against `env` (see
 * {@link resolveBpfPseudoLoads}) without rewriting it; src 4
 * (`code_addr`) is the encoding check's business. Throws `EINVAL`.
 */
export function checkBpfPseudoLoads(program: readonly BpfInsn[], env: BpfLoadEnv = {}): void {
  resolveBpfPseudoLoads(program, env, 0n);
}

/**
 * Rewrites the map and variable forms of `lddw` (RFC 9669 §5.4 src 1,
 * 2, 3, 5, 6) into plain 64-bit immediates (src 0) holding addresses in
 * the {@link bpfDataArea} of `env` placed at `base`, as the kernel's
 * verifier turns `BPF_PSEUDO_MAP_FD` and its kin into plain loads before
 * a program runs. `map_by_fd`/`map_by_idx` give the map object,
 * `map_val` the value area plus `next_imm`, `var_addr` the variable.
 * `code_addr` (src 4) is left for the executor, which alone knows where
 * functions are. Returns a new program; throws `EINVAL` for an unknown
 * fd, index or variable id or an offset outside the value.
 */
export function resolveBpfPseudoLoads(
  program: readonly BpfInsn[],
  env: BpfLoadEnv,
  base: bigint,
): BpfInsn[] {
  const area = bpfDataArea(env);
  const out = program.slice();
  for (let pc = 0; pc < program.length; pc++) {
    const insn = program[pc];
    if (insn.opcode !== BPF_LDDW) continue;
    pc++;
    if (insn.src === 0 || insn.src === BPF_PSEUDO_FUNC || insn.src > BPF_PSEUDO_MAP_IDX_VALUE)
      continue;
    const address = BigInt.asUintN(64, base + BigInt(pseudoOffset(insn, pc - 1, env, area)));
    out[pc - 1] = makeBpfInsn({
      opcode: BPF_LDDW,
      dst: insn.dst,
      imm: Number(address & 0xffffffffn) | 0,
      imm64Hi: Number(address >> 32n),
    });
    // The second slot carries the high half now.
    out[pc] = makeBpfInsn({ opcode: 0, imm: Number(address >> 32n) | 0 });
  }
  return out;
}
