import { createPrng, type ExecmemInfo, execmemInfoComplete, findRegion } from '@execmem/core';
import {
  RISCV_BPF_JIT_REGION_SIZE,
  RISCV_KERNEL_LINK_ADDR,
  riscvSv39KernelLayout,
} from './mm/layout';

const PAGE_SIZE = 4096n;
const SZ_2G = 2n << 30n;

/** `c.ebreak` (`0x9002`): every 2-byte parcel of the fill traps, whatever the entry offset. */
export const RISCV_TRAP_FILL_RVC = Uint8Array.of(0x02, 0x90);
/** `ebreak` (`0x00100073`) in memory order, for harts without the C extension. */
export const RISCV_TRAP_FILL = Uint8Array.of(0x73, 0x00, 0x10, 0x00);
/** The BPF JIT fills holes with zeros: an all-zero parcel is an illegal instruction. */
export const RISCV_BPF_FILL = Uint8Array.of(0x00);

/** Options of {@link execmemArchSetup}. */
export interface RiscvExecmemOptions {
  /** Size of the kernel image in bytes (default 24 MiB). */
  readonly kernelSize?: number;
  /** KASLR slides the image, and the module region with it, by up to 64 MiB (default true). */
  readonly kaslr?: boolean;
  /** The harts implement C (compressed instructions): trap with `c.ebreak` (default true). */
  readonly compressed?: boolean;
}

/**
 * riscv `execmem_arch_setup()` (arch/riscv/mm/init.c): module text (the
 * default) in `MODULES_VADDR..MODULES_END`, the 2 GiB below the end of the
 * kernel image (`PFN_ALIGN(_end) - SZ_2G` to `PFN_ALIGN(_start)`),
 * `PAGE_KERNEL`, alignment 1; kprobes anywhere in vmalloc,
 * `PAGE_KERNEL_READ_EXEC`; BPF in `BPF_JIT_REGION`, the 128 MiB just
 * below `MODULES_END`, page aligned, holes zero-filled. No ROX cache.
 * The image starts at `KERNEL_LINK_ADDR`, slid with KASLR by up to
 * 64 MiB in pages drawn from `seed`.
 */
export function execmemArchSetup(seed: number, options: RiscvExecmemOptions = {}): ExecmemInfo {
  const { kernelSize = 24 << 20, kaslr = true, compressed = true } = options;
  const slide = kaslr ? BigInt(createPrng(seed).below(16384)) * PAGE_SIZE : 0n;
  const kernelStart = RISCV_KERNEL_LINK_ADDR + slide;
  const vmalloc = findRegion(riscvSv39KernelLayout, 'vmalloc');
  const kernelEnd = kernelStart + BigInt(kernelSize);
  const modulesVaddr = kernelEnd - SZ_2G;
  const modulesEnd = kernelStart;
  return execmemInfoComplete({
    ranges: {
      moduleText: {
        start: modulesVaddr,
        end: modulesEnd - 1n,
        prot: 'kernel',
        alignment: 1,
        flags: { kasanShadow: false, roxCache: false },
      },
      kprobes: {
        start: vmalloc.start,
        end: vmalloc.end - 1n,
        prot: 'kernelRox',
        alignment: 1,
        flags: { kasanShadow: false, roxCache: false },
      },
      bpf: {
        start: modulesEnd - RISCV_BPF_JIT_REGION_SIZE,
        end: modulesEnd - 1n,
        prot: 'kernel',
        alignment: Number(PAGE_SIZE),
        flags: { kasanShadow: false, roxCache: false },
        fill: RISCV_BPF_FILL,
      },
    },
    trapFill: compressed ? RISCV_TRAP_FILL_RVC : RISCV_TRAP_FILL,
    vmallocStart: vmalloc.start,
    vmallocEnd: vmalloc.end - 1n,
    reserved: [{ start: kernelStart, end: kernelEnd - 1n }],
    directMapBase: findRegion(riscvSv39KernelLayout, 'directMap').start,
  });
}
