/**
 * arm64 text patching through a writable alias (arch/arm64/kernel/patching.c):
 * the target page is mapped read-write at the `FIX_TEXT_POKE0` fixmap slot,
 * written there by one CPU, and unmapped, so kernel text is never writable
 * at its own address.
 *
 * @module
 */

import {
  fail,
  type IpiBatch,
  type Machine,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
  type Translation,
} from '@execmem/core';
import { cachesCleanInvalPou, flushIcacheRange } from './cacheMaintenance';

/** `AARCH64_BREAK_FAULT`: `BRK #0x100`, what freed or unused text is filled with. */
export const AARCH64_BREAK_FAULT = 0xd4202000;

/** `FIXADDR_TOP` = `VMEMMAP_START - SZ_32M` for 48-bit VAs (arch/arm64/include/asm/fixmap.h). */
const FIXADDR_TOP = 0xfffffbfffe000000n;
/**
 * `__fix_to_virt(FIX_TEXT_POKE0)`, taking its index as 1026 (after
 * `FIX_HOLE`, a 4 MiB device-tree window and `FIX_EARLYCON_MEM_BASE`); what
 * matters here is only that it is a fixmap page no other mapping uses.
 */
export const ARM64_FIX_TEXT_POKE0 = FIXADDR_TOP - (1026n << 12n);

const PAGE = BigInt(PAGE_SIZE);

function checkCpu(machine: Machine, cpu: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= machine.cpus.length) {
    fail('EINVAL', `CPU ${cpu} does not exist (CPUs 0..${machine.cpus.length - 1})`);
  }
}

/** `EINVAL` unless `addr` is word aligned: A64 instructions are (Arm ARM B2.2.1). */
function checkAligned(addr: bigint): void {
  if (addr & 3n) fail('EINVAL', `text address 0x${addr.toString(16)} is not 4-byte aligned`);
}

/** The physical page of every page of `[addr, addr + len)`; `EFAULT` naming the first unmapped one. */
function targetPages(machine: Machine, addr: bigint, len: number): Translation[] {
  const pages: Translation[] = [];
  for (let va = addr - (addr % PAGE); va < addr + BigInt(len); va += PAGE) {
    const t = machine.kernel.translate(va);
    if (!t) fail('EFAULT', `text address 0x${va.toString(16)} is not mapped`);
    pages.push(t);
  }
  return pages;
}

/**
 * `__text_poke()` without its cache maintenance: writes `bytes` at `addr`
 * as CPU `cpu`, one page at a time through `FIX_TEXT_POKE0` (`patch_map()`,
 * then `patch_unmap()` with its TLB flush). Everything is checked before
 * anything is written.
 */
export function aarch64TextWrite(
  machine: Machine,
  cpu: number,
  addr: bigint,
  bytes: Uint8Array,
): void {
  checkCpu(machine, cpu);
  checkAligned(addr);
  const pages = targetPages(machine, addr, bytes.length);
  let done = 0;
  for (const t of pages) {
    const pa = t.pa - (t.pa % PAGE);
    // The alias is not executable, but the frame is text: other CPUs may hold its old versions.
    if (t.prot & PROT_EXEC) machine.views.track(Number(pa), PAGE_SIZE);
    const offset = (addr + BigInt(done)) % PAGE;
    const size = Math.min(PAGE_SIZE - Number(offset), bytes.length - done);
    machine.kernel.map(ARM64_FIX_TEXT_POKE0, pa, PAGE, PROT_READ | PROT_WRITE | PROT_GLOBAL);
    try {
      machine.poke(cpu, ARM64_FIX_TEXT_POKE0 + offset, bytes.subarray(done, done + size));
    } finally {
      machine.kernel.unmap(ARM64_FIX_TEXT_POKE0, PAGE);
    }
    done += size;
  }
}

/** The little-endian bytes of instruction `insn` repeated to `len` bytes; `EINVAL` for a bad word or length. */
function repeatInsn(insn: number, len: number): Uint8Array {
  if (!Number.isInteger(insn) || insn < 0 || insn > 0xffffffff) {
    fail('EINVAL', `instruction word ${insn} is not a 32-bit value`);
  }
  if (!Number.isInteger(len) || len < 0 || len % 4 !== 0) {
    fail('EINVAL', `length ${len} is not a multiple of the 4-byte instruction size`);
  }
  const out = new Uint8Array(len);
  new DataView(out.buffer).setUint32(0, insn, true);
  for (let i = 4; i < len; i += 4) out.copyWithin(i, 0, 4);
  return out;
}

/**
 * `aarch64_insn_patch_text_nosync(addr, insn)`: writes one instruction
 * through the alias, then `caches_clean_inval_pou()` over it on the same
 * CPU. Other CPUs see it after their next context synchronization.
 */
export function aarch64InsnPatchTextNosync(
  machine: Machine,
  cpu: number,
  addr: bigint,
  insn: number,
): void {
  aarch64TextWrite(machine, cpu, addr, repeatInsn(insn, 4));
  cachesCleanInvalPou(machine, cpu, addr, addr + 4n);
}

/**
 * `aarch64_insn_copy(dst, src, len)` (the BPF pack writer): copies `src`
 * through the alias, then `flush_icache_range()`, which ends by kicking
 * every other CPU; step the machine until the returned batch is done.
 */
export function aarch64InsnCopy(
  machine: Machine,
  cpu: number,
  dst: bigint,
  src: Uint8Array,
): IpiBatch {
  aarch64TextWrite(machine, cpu, dst, src);
  return flushIcacheRange(machine, cpu, dst, dst + BigInt(src.length));
}

/**
 * `aarch64_insn_set(dst, insn, len)`: fills `len` bytes with `insn`
 * (`bpf_arch_text_invalidate()` passes {@link AARCH64_BREAK_FAULT}), then
 * `flush_icache_range()` like {@link aarch64InsnCopy}.
 */
export function aarch64InsnSet(
  machine: Machine,
  cpu: number,
  dst: bigint,
  insn: number,
  len: number,
): IpiBatch {
  const bytes = repeatInsn(insn, len);
  aarch64TextWrite(machine, cpu, dst, bytes);
  return flushIcacheRange(machine, cpu, dst, dst + BigInt(len));
}
