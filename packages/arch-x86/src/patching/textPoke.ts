/**
 * x86 `text_poke()` (arch/x86/kernel/alternative.c): code is written
 * through a temporary writable mapping at `poking_addr` in the private
 * `text_poke_mm`, never through its own read-only executable mapping.
 *
 * @module
 */

import {
  type AddressSpace,
  Counter,
  createAddressSpace,
  createPrng,
  createWalkResult,
  fail,
  findRegion,
  type IsaState,
  type Machine,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
} from '@execmem/core';
import type { TextPokeLoc } from './smpTextPokeBatch';

const PAGE = BigInt(PAGE_SIZE);
const PMD_MASK = ~((2n << 20n) - 1n);

/** The private address space text poking maps target pages in, as `poking_init()` sets it up. */
export interface TextPokeMm<I = unknown, S extends IsaState = IsaState> {
  readonly machine: Machine<I, S>;
  /** `text_poke_mm`: an address space only the poking CPU ever switches to. */
  readonly mm: AddressSpace;
  /** `poking_addr`: where the (one or two) target pages are mapped. */
  readonly pokingAddr: bigint;
  /** `text_poke_array`: the sites of the int3 batch in progress, which the int3 handler reads. */
  textPokeArray: readonly TextPokeLoc[];
}

/** Options of {@link pokingInit}. */
export interface PokingInitOptions {
  /** KASLR seed of `poking_addr`; without one it is `TASK_UNMAPPED_BASE` (as with `nokaslr`). */
  readonly seed?: number;
}

/**
 * `poking_init()`: creates `text_poke_mm` in the machine's physical memory
 * (its page tables are charged to the machine's counters) and chooses
 * `poking_addr` = `TASK_UNMAPPED_BASE` plus, with a seed, a random page
 * offset in the user half, moved up a page when the second page would
 * start a new PMD (so both pages share one page table).
 */
export function pokingInit<I, S extends IsaState>(
  machine: Machine<I, S>,
  options: PokingInitOptions = {},
): TextPokeMm<I, S> {
  const region = findRegion(machine.arch.layout, 'textPoke');
  let pokingAddr = region.start;
  if (options.seed !== undefined) {
    // kaslr_get_random_long("Poking") & PAGE_MASK, modulo the user half less three pages.
    const prng = createPrng(options.seed);
    const random = (BigInt(prng.next()) << 32n) | BigInt(prng.next());
    pokingAddr += (random & -PAGE) % (region.end - region.start - 3n * PAGE);
  }
  if (((pokingAddr + PAGE) & ~PMD_MASK) === 0n) pokingAddr += PAGE;
  const mm = createAddressSpace({
    memory: machine.memory,
    format: machine.arch.pageTableFormat,
    counters: machine.counters,
    name: 'text_poke_mm',
  });
  return { machine, mm, pokingAddr, textPokeArray: [] };
}

/** `EINVAL` unless `cpu` is one of the machine's CPUs. */
export function checkCpu(machine: Machine, cpu: number): void {
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= machine.cpus.length) {
    fail('EINVAL', `CPU ${cpu} does not exist (CPUs 0..${machine.cpus.length - 1})`);
  }
}

/** The physical page of every page of `[addr, addr + len)`; `EFAULT` naming the first unmapped one. */
export function targetPages(machine: Machine, addr: bigint, len: number): bigint[] {
  const pages: bigint[] = [];
  for (let va = addr - (addr % PAGE); va < addr + BigInt(len); va += PAGE) {
    const t = machine.kernel.translate(va);
    if (!t) fail('EFAULT', `text address 0x${(va < addr ? addr : va).toString(16)} is not mapped`);
    pages.push(t.pa - (t.pa % PAGE));
  }
  return pages;
}

/**
 * `sync_core()` on `cpu`: a serializing instruction. It drains the store
 * buffer and discards everything already fetched (SDM vol. 3A,
 * "Serializing Instructions").
 */
export function syncCore(machine: Machine, cpu: number): void {
  machine.storage.flush(cpu);
  machine.cpus[cpu].contextSync();
}

/**
 * Writes `bytes` at `va` of `mm` as `cpu`'s stores reaching memory, one
 * store per naturally aligned 8-byte piece, as `memcpy` moves them.
 */
function writeThrough(
  machine: Machine,
  cpu: number,
  mm: AddressSpace,
  va: bigint,
  bytes: Uint8Array,
): void {
  const walk = createWalkResult();
  const start = mm.toEngine(va);
  for (let i = 0; i < bytes.length; ) {
    if (!mm.walk(start + i, walk))
      fail('EFAULT', `poking address 0x${(va + BigInt(i)).toString(16)} is not mapped`);
    const pa = walk.pa;
    const size = Math.min(8 - (pa % 8), bytes.length - i);
    let lo = 0;
    let hi = 0;
    for (let k = size - 1; k >= 0; k--) {
      if (k >= 4) hi = ((hi << 8) | bytes[i + k]) >>> 0;
      else lo = ((lo << 8) | bytes[i + k]) >>> 0;
    }
    machine.storage.commit(cpu, pa, size, lo, hi);
    i += size;
  }
}

/**
 * `__text_poke()` with `memcpy` as the writer: maps the page(s) of
 * `[addr, addr + bytes.length)` read-write, not global, at `poking_addr`
 * in `text_poke_mm`, switches `cpu` to it (a CR3 write, serializing),
 * writes, clears the PTEs, switches back (serializing again) and flushes
 * the two entries from the local TLB. At most two pages; everything is
 * checked before anything is written: `EINVAL` for a bad CPU, an empty
 * patch or one spanning more than two pages, `EFAULT` for an unmapped page.
 */
export function textPoke<I, S extends IsaState>(
  tp: TextPokeMm<I, S>,
  cpu: number,
  addr: bigint,
  bytes: Uint8Array,
): void {
  const { machine, mm, pokingAddr } = tp;
  checkCpu(machine, cpu);
  const at = `0x${BigInt.asUintN(64, addr).toString(16)}`;
  if (bytes.length === 0) fail('EINVAL', `empty text poke at ${at}`);
  const offset = addr % PAGE;
  if (offset + BigInt(bytes.length) > 2n * PAGE) {
    fail('EINVAL', `text poke of ${bytes.length} bytes at ${at} spans more than two pages`);
  }
  const pages = targetPages(machine, addr, bytes.length);
  pages.forEach((pa, i) => {
    mm.map(pokingAddr + BigInt(i) * PAGE, pa, PAGE, PROT_READ | PROT_WRITE);
  });
  try {
    syncCore(machine, cpu);
    writeThrough(machine, cpu, mm, pokingAddr + offset, bytes);
  } finally {
    mm.unmap(pokingAddr, BigInt(pages.length) * PAGE);
    syncCore(machine, cpu);
  }
  // flush_tlb_mm_range(text_poke_mm): the mm was only ever live on this CPU.
  machine.counters.add(Counter.tlbFlushesLocal);
  machine.counters.add(Counter.textPokes);
}

/** Splits `[addr, addr + len)` into the pieces of at most two pages `text_poke_copy_locked()` pokes. */
function chunks(
  addr: bigint,
  len: number,
  write: (at: bigint, from: number, size: number) => void,
): void {
  for (let done = 0; done < len; ) {
    const at = addr + BigInt(done);
    const size = Math.min(Number(2n * PAGE - (at % PAGE)), len - done);
    write(at, done, size);
    done += size;
  }
}

/**
 * `text_poke_copy(addr, opcode, len)`: copies `src` to text at `addr` in
 * pokes of at most two pages. Not safe against concurrent execution of
 * the bytes (the caller owns them, as the BPF pack allocator does). The
 * whole range is checked before the first poke.
 */
export function textPokeCopy<I, S extends IsaState>(
  tp: TextPokeMm<I, S>,
  cpu: number,
  addr: bigint,
  src: Uint8Array,
): void {
  checkCpu(tp.machine, cpu);
  if (src.length === 0)
    fail('EINVAL', `empty text poke at 0x${BigInt.asUintN(64, addr).toString(16)}`);
  targetPages(tp.machine, addr, src.length);
  chunks(addr, src.length, (at, from, size) => {
    textPoke(tp, cpu, at, src.subarray(from, from + size));
  });
}

/**
 * `text_poke_set(addr, c, len)`: fills `len` bytes of text at `addr` with
 * byte `c` (freed BPF programs get INT3, `0xcc`) in pokes of at most two
 * pages. `EINVAL` for a fill byte outside 0..255 or a length below 1.
 */
export function textPokeSet<I, S extends IsaState>(
  tp: TextPokeMm<I, S>,
  cpu: number,
  addr: bigint,
  c: number,
  len: number,
): void {
  if (!Number.isInteger(c) || c < 0 || c > 255) fail('EINVAL', `fill byte ${c} is not in 0..255`);
  if (!Number.isInteger(len) || len < 1)
    fail('EINVAL', `fill length ${len} is not a positive integer`);
  textPokeCopy(tp, cpu, addr, new Uint8Array(len).fill(c));
}
