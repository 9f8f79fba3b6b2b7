import { fail } from './errors';

/**
 * What an executable-memory allocation is for, as `enum execmem_type` in
 * include/linux/execmem.h (`EXECMEM_DEFAULT` is `moduleText`).
 */
export type ExecmemType = 'moduleText' | 'kprobes' | 'ftrace' | 'bpf' | 'moduleData';

/** Every {@link ExecmemType}, in the kernel's enum order (the default first). */
export const EXECMEM_TYPES: readonly ExecmemType[] = [
  'moduleText',
  'kprobes',
  'ftrace',
  'bpf',
  'moduleData',
];

/**
 * The kernel protections an execmem range may ask for (`pgprot_t`):
 * `kernel` = `PAGE_KERNEL` (read/write, no exec), `kernelExec` =
 * `PAGE_KERNEL_EXEC` (read/write/exec: only the no-arch-info default),
 * `kernelRox` = `PAGE_KERNEL_ROX` (riscv's `PAGE_KERNEL_READ_EXEC`).
 */
export type ExecmemPgprot = 'kernel' | 'kernelExec' | 'kernelRox';

/** Range flags (`EXECMEM_KASAN_SHADOW`, `EXECMEM_ROX_CACHE`). */
export interface ExecmemRangeFlags {
  /** Allocations need KASAN shadow (recorded for fidelity; the model has no KASAN). */
  readonly kasanShadow: boolean;
  /** Allocations come from the ROX large-page cache. */
  readonly roxCache: boolean;
}

/**
 * One type's placement rule, as `struct execmem_range`: canonical 64-bit
 * addresses, `end` and `fallbackEnd` inclusive.
 */
export interface ExecmemRange {
  /** First address of the preferred window. */
  readonly start: bigint;
  /** Last address of the preferred window (inclusive). */
  readonly end: bigint;
  /** First address of the window tried once when the preferred one is full. */
  readonly fallbackStart?: bigint;
  /** Last address of the fallback window (inclusive). */
  readonly fallbackEnd?: bigint;
  /** Protection of the mapping handed out. */
  readonly prot: ExecmemPgprot;
  /** Alignment of the returned address in bytes (a power of two; vmalloc results are page aligned whatever it says). */
  readonly alignment: number;
  /** Range flags. */
  readonly flags: ExecmemRangeFlags;
  /**
   * Bytes to fill unused memory of this type with, repeated by address
   * (byte at `va` = `fill[va % fill.length]`); overrides
   * {@link ExecmemInfo.trapFill} (riscv's BPF JIT fills holes with zeros).
   */
  readonly fill?: Uint8Array;
}

/**
 * An arch's answer to `execmem_arch_setup()`: a range for every type, the
 * trapping instruction pattern (`execmem_fill_trapping_insns()`), and the
 * vmalloc space that unrestricted allocations use.
 */
export interface ExecmemInfo {
  /** A range for every type (see {@link execmemInfoComplete} for the defaulting rules). */
  readonly ranges: Readonly<Record<ExecmemType, ExecmemRange>>;
  /**
   * The trapping instruction in memory order, repeated by address: byte
   * at `va` = `trapFill[va % trapFill.length]`, so a pattern of length `n`
   * puts whole instructions at `n`-aligned addresses.
   */
  readonly trapFill: Uint8Array;
  /** First address of vmalloc space (`VMALLOC_START`). */
  readonly vmallocStart: bigint;
  /** Last address of vmalloc space (inclusive). */
  readonly vmallocEnd: bigint;
  /** Address windows already in use that no allocation may overlap (the kernel image, in `vmlist` from boot). */
  readonly reserved: readonly ExecmemWindow[];
  /** Where the direct map starts (`PAGE_OFFSET`), whose aliases of executable frames the allocators protect. */
  readonly directMapBase?: bigint;
}

/** An address window `[start, end]`, `end` inclusive. */
export interface ExecmemWindow {
  /** First address. */
  readonly start: bigint;
  /** Last address (inclusive). */
  readonly end: bigint;
}

/** What an arch passes to {@link execmemInfoComplete}: ranges it leaves out are filled in. */
export interface ExecmemInfoSetup {
  /** The ranges the arch sets; `moduleText` is the default every missing type inherits. */
  readonly ranges?: Partial<Record<ExecmemType, ExecmemRange>>;
  /** See {@link ExecmemInfo.trapFill}. */
  readonly trapFill: Uint8Array;
  /** See {@link ExecmemInfo.vmallocStart}. */
  readonly vmallocStart: bigint;
  /** See {@link ExecmemInfo.vmallocEnd}. */
  readonly vmallocEnd: bigint;
  /** See {@link ExecmemInfo.reserved}; default none. */
  readonly reserved?: readonly ExecmemWindow[];
  /** See {@link ExecmemInfo.directMapBase}. */
  readonly directMapBase?: bigint;
}

const NO_FLAGS: ExecmemRangeFlags = { kasanShadow: false, roxCache: false };
const U64 = (1n << 64n) - 1n;

/**
 * Applies the kernel's defaulting rules (mm/execmem.c): with no default
 * range the default is the whole vmalloc space, `PAGE_KERNEL_EXEC`,
 * alignment 1 (`default_execmem_info`); every type left empty inherits the
 * default range (`execmem_init_missing()`), except that module data gets
 * non-exec `PAGE_KERNEL`. Module data never inherits the ROX cache: a
 * non-exec range cannot be served from ROX pages. Validates every range:
 * `EINVAL` naming the type and the bad value.
 */
export function execmemInfoComplete(setup: ExecmemInfoSetup): ExecmemInfo {
  const given = setup.ranges ?? {};
  if (setup.trapFill.length === 0) fail('EINVAL', 'execmem trap fill pattern is empty');
  checkWindow('vmalloc', 'vmalloc space', setup.vmallocStart, setup.vmallocEnd);
  const fallbackDefault: ExecmemRange = {
    start: setup.vmallocStart,
    end: setup.vmallocEnd,
    prot: 'kernelExec',
    alignment: 1,
    flags: NO_FLAGS,
  };
  const base = given.moduleText ?? fallbackDefault;
  const ranges = {} as Record<ExecmemType, ExecmemRange>;
  for (const type of EXECMEM_TYPES) {
    const own = given[type];
    const range: ExecmemRange =
      own ??
      (type === 'moduleData'
        ? { ...base, prot: 'kernel', flags: { ...base.flags, roxCache: false }, fill: undefined }
        : base);
    validateRange(type, range);
    ranges[type] = range;
  }
  const reserved = setup.reserved ?? [];
  for (const r of reserved) checkWindow('reserved', 'window', r.start, r.end);
  return {
    reserved,
    directMapBase: setup.directMapBase,
    ranges,
    trapFill: setup.trapFill,
    vmallocStart: setup.vmallocStart,
    vmallocEnd: setup.vmallocEnd,
  };
}

function validateRange(type: ExecmemType, r: ExecmemRange): void {
  checkWindow(type, 'range', r.start, r.end);
  if ((r.fallbackStart === undefined) !== (r.fallbackEnd === undefined)) {
    fail('EINVAL', `execmem ${type}: fallback range needs both fallbackStart and fallbackEnd`);
  }
  if (r.fallbackStart !== undefined && r.fallbackEnd !== undefined) {
    checkWindow(type, 'fallback range', r.fallbackStart, r.fallbackEnd);
  }
  if (
    !Number.isSafeInteger(r.alignment) ||
    r.alignment < 1 ||
    (r.alignment & (r.alignment - 1)) !== 0
  ) {
    fail('EINVAL', `execmem ${type}: alignment ${r.alignment} is not a power of two`);
  }
  if (r.fill !== undefined && r.fill.length === 0) {
    fail('EINVAL', `execmem ${type}: fill pattern is empty`);
  }
  if (r.flags.roxCache && r.prot !== 'kernelRox') {
    fail('EINVAL', `execmem ${type}: the ROX cache needs prot kernelRox, not ${r.prot}`);
  }
}

function checkWindow(type: string, what: string, start: bigint, end: bigint): void {
  if (start < 0n || end > U64 || start > end) {
    fail(
      'EINVAL',
      `execmem ${type}: ${what} 0x${start.toString(16)}..0x${end.toString(16)} is empty or not 64-bit`,
    );
  }
}

/** The fill pattern of `type`: its range's own, else the arch's trapping instruction. */
export function execmemFillPattern(info: ExecmemInfo, type: ExecmemType): Uint8Array {
  return info.ranges[type].fill ?? info.trapFill;
}

/**
 * Writes `pattern` repeated by address into `dst`, whose first byte sits
 * at engine address `va` (byte at `a` = `pattern[a % pattern.length]`).
 */
export function fillPattern(dst: Uint8Array, va: number, pattern: Uint8Array): void {
  const n = pattern.length;
  if (n === 1) {
    dst.fill(pattern[0]);
    return;
  }
  const first = Math.min(n, dst.length);
  const phase = va % n;
  for (let i = 0; i < first; i++) dst[i] = pattern[(phase + i) % n];
  // Doubling a prefix whose length is a multiple of n keeps the period.
  for (let filled = first; filled < dst.length; filled *= 2) {
    dst.copyWithin(filled, 0, Math.min(filled, dst.length - filled));
  }
}
