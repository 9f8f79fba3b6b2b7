import {
  fail,
  type IsaState,
  type Machine,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
} from '@execmem/core';
import { FixTextPoke, fixToVirt } from './fixmap';

const PAGE_SIZE = 4096n;

/** Physical address of the page holding `addr` in the machine's kernel space; `EFAULT` when unmapped. */
function textPage<I, S extends IsaState>(machine: Machine<I, S>, addr: bigint): bigint {
  const t = machine.kernel.translate(addr);
  if (!t) fail('EFAULT', `text address 0x${BigInt.asUintN(64, addr).toString(16)} is not mapped`);
  return t.pa - (t.pa % PAGE_SIZE);
}

/**
 * `__patch_insn_write()`: maps the page(s) of `[addr, addr + bytes.length)`
 * writable at FIX_TEXT_POKE0 (and POKE1 when crossing a page), writes
 * through that alias as CPU `cpu`'s stores, and unmaps the alias. At most
 * two pages, as in the kernel.
 */
function writeThroughAlias<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
  addr: bigint,
  bytes: Uint8Array,
): void {
  const offset = addr % PAGE_SIZE;
  const across = offset + BigInt(bytes.length) > PAGE_SIZE;
  const pages = across
    ? [textPage(machine, addr), textPage(machine, addr + PAGE_SIZE)]
    : [textPage(machine, addr)];
  const poke0 = fixToVirt(machine.arch.layout, FixTextPoke.Poke0);
  const slots = [poke0, fixToVirt(machine.arch.layout, FixTextPoke.Poke1)];
  const prot = PROT_READ | PROT_WRITE | PROT_GLOBAL;
  pages.forEach((pa, i) => {
    machine.kernel.map(slots[i], pa, PAGE_SIZE, prot);
  });
  try {
    machine.poke(cpu, poke0 + offset, bytes);
  } finally {
    pages.forEach((_, i) => {
      machine.kernel.unmap(slots[i], PAGE_SIZE);
    });
  }
}

/**
 * Checks that every page of `[addr, addr + length)` is mapped (`EFAULT`
 * naming the first unmapped address) and that the patch is not empty
 * (`EINVAL`); returns `addr` as an unsigned 64-bit address.
 */
export function checkText<I, S extends IsaState>(
  machine: Machine<I, S>,
  addr: bigint,
  length: number,
): bigint {
  const start = BigInt.asUintN(64, addr);
  if (length <= 0) fail('EINVAL', `empty patch at 0x${start.toString(16)}`);
  const end = start + BigInt(length);
  for (let page = start - (start % PAGE_SIZE); page < end; page += PAGE_SIZE) {
    textPage(machine, page);
  }
  return start;
}

/**
 * `patch_insn_write()` (arch/riscv/kernel/patch.c): writes `bytes` at text
 * address `addr` through the fixmap alias, in chunks that span at most two
 * pages, without any cache maintenance. Errors as {@link checkText}, before
 * anything is written.
 */
export function patchInsnWrite<I, S extends IsaState>(
  machine: Machine<I, S>,
  cpu: number,
  addr: bigint,
  bytes: Uint8Array,
): void {
  const start = checkText(machine, addr, bytes.length);
  for (let done = 0; done < bytes.length; ) {
    const at = start + BigInt(done);
    const size = Math.min(Number(2n * PAGE_SIZE - (at % PAGE_SIZE)), bytes.length - done);
    writeThroughAlias(machine, cpu, at, bytes.subarray(done, done + size));
    done += size;
  }
}
