import { createPrng, type ExecmemInfo, execmemInfoComplete } from '@execmem/core';
import { ARM64_KIMAGE_VADDR, ARM64_PAGE_OFFSET, ARM64_VMALLOC_END } from './mm/layout';

// The image sits at KIMAGE_VADDR, the bottom of vmalloc space, with the
// 2 GiB module region right below it (Documentation/arch/arm64/memory.rst).
const KIMAGE_VADDR = ARM64_KIMAGE_VADDR;
const VMALLOC_START = ARM64_KIMAGE_VADDR;
const VMALLOC_END = ARM64_VMALLOC_END - 1n;
const PAGE_SIZE = 4096n;
const SZ_128M = 128n << 20n;
const SZ_2G = 2n << 30n;

/** `AARCH64_BREAK_FAULT`: `BRK #0x100` (`0xd4202000`) in memory order. */
export const ARM64_TRAP_FILL = Uint8Array.of(0x00, 0x20, 0x20, 0xd4);

/** Options of {@link execmemArchSetup}. */
export interface Arm64ExecmemOptions {
  /** KASLR randomizes the module windows around the image (default true). */
  readonly kaslr?: boolean;
  /** Size of the kernel image in bytes (default 36 MiB, a defconfig image). */
  readonly kernelSize?: number;
}

/**
 * arm64 `execmem_arch_setup()` (arch/arm64/mm/init.c, v6.10+): module text
 * (the default) in a 128 MiB window that contains the kernel image, so
 * every module reaches it with a direct branch, falling back to a 2 GiB
 * window containing both (module PLTs needed); with KASLR each window's
 * place is drawn from `seed` (`random_bounding_box()`), without it they
 * end at the image's end. Kprobes (`PAGE_KERNEL_ROX`) and BPF anywhere in
 * vmalloc; alignment 1; no ROX cache; traps are `BRK #0x100`.
 */
export function execmemArchSetup(seed: number, options: Arm64ExecmemOptions = {}): ExecmemInfo {
  const { kaslr = true, kernelSize = 36 << 20 } = options;
  const kernelStart = KIMAGE_VADDR;
  const kernelEnd = KIMAGE_VADDR + BigInt(kernelSize);
  const prng = createPrng(seed);
  /** `random_bounding_box()`: a `size` window placed at random around `[start, end)`. */
  const boundingBox = (size: bigint, start: bigint, end: bigint): bigint => {
    const maxPgoff = (size - (end - start)) / PAGE_SIZE;
    return start - BigInt(prng.below(Number(maxPgoff) + 1)) * PAGE_SIZE;
  };
  let direct: bigint;
  let plt: bigint;
  if (kaslr) {
    direct = boundingBox(SZ_128M, kernelStart, kernelEnd);
    plt = boundingBox(SZ_2G, direct, direct + SZ_128M);
  } else {
    direct = kernelEnd - SZ_128M;
    plt = kernelEnd - SZ_2G;
  }
  // The kernel keeps `end` as base + size; ranges here are inclusive.
  const vmalloc = {
    start: VMALLOC_START,
    end: VMALLOC_END,
    alignment: 1,
    flags: { kasanShadow: false, roxCache: false },
  };
  return execmemInfoComplete({
    ranges: {
      moduleText: {
        start: direct,
        end: direct + SZ_128M - 1n,
        fallbackStart: plt,
        fallbackEnd: plt + SZ_2G - 1n,
        prot: 'kernel',
        alignment: 1,
        flags: { kasanShadow: false, roxCache: false },
      },
      kprobes: { ...vmalloc, prot: 'kernelRox' },
      bpf: { ...vmalloc, prot: 'kernel' },
    },
    trapFill: ARM64_TRAP_FILL,
    vmallocStart: VMALLOC_START,
    vmallocEnd: VMALLOC_END,
    reserved: [{ start: kernelStart, end: kernelEnd - 1n }],
    directMapBase: ARM64_PAGE_OFFSET,
  });
}
