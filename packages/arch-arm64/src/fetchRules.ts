/**
 * AArch64 instruction-fetch rules, derived from `CTR_EL0` and stated as
 * data on top of core's generic instruction views (`staleUntilSyncFetchRules`).
 *
 * @module
 */

import { type FetchRules, fail, staleUntilSyncFetchRules } from '@execmem/core';

/** The `CTR_EL0` fields that govern instruction fetch (Arm ARM D23.2.34). */
export interface CtrEl0 {
  /** IDC, bit 28: data-cache cleaning to the PoU is not required for instruction-to-data coherence. */
  readonly idc: boolean;
  /** DIC, bit 29: instruction-cache invalidation to the PoU is not required for data-to-instruction coherence. */
  readonly dic: boolean;
  /** Smallest instruction-cache line in bytes: `4 << IminLine` (bits 3:0). */
  readonly iminLine: number;
  /** Smallest data-cache line in bytes: `4 << DminLine` (bits 19:16). */
  readonly dminLine: number;
}

/**
 * The reset `CTR_EL0` of a machine unless configured: bit 31 RES1, CWG = ERG = 4,
 * 64-byte lines (DminLine = IminLine = 4), PIPT instruction cache (L1Ip = 3),
 * IDC = DIC = 0 (the strictest configuration, the litmus catalogue's default).
 */
export const ARM64_DEFAULT_CTR_EL0 = 0x8444c004n;

const CTR_IDC = 1n << 28n;
const CTR_DIC = 1n << 29n;
/** Largest line-size field: the architecture's largest cache line is 2 KiB (512 words). */
const MAX_LINE_LOG2_WORDS = 9;

/** Decodes `CTR_EL0`; `EINVAL` naming the value when it is not a 64-bit register value or a line exceeds 2 KiB. */
export function parseCtrEl0(value: bigint): CtrEl0 {
  if (value < 0n || value >= 1n << 64n) {
    fail('EINVAL', `CTR_EL0 value ${value} is not a 64-bit register value`);
  }
  const imin = Number(value & 0xfn);
  const dmin = Number((value >> 16n) & 0xfn);
  if (imin > MAX_LINE_LOG2_WORDS || dmin > MAX_LINE_LOG2_WORDS) {
    fail(
      'EINVAL',
      `CTR_EL0 0x${value.toString(16)}: IminLine ${imin} / DminLine ${dmin} give lines over 2 KiB`,
    );
  }
  return {
    idc: (value & CTR_IDC) !== 0n,
    dic: (value & CTR_DIC) !== 0n,
    iminLine: 4 << imin,
    dminLine: 4 << dmin,
  };
}

/**
 * The `CTR_EL0` value with the given fields on top of {@link ARM64_DEFAULT_CTR_EL0};
 * `EINVAL` naming a line size that is not a power of two from 4 to 2048 bytes.
 */
export function ctrEl0Value(fields: Partial<CtrEl0>): bigint {
  let v = ARM64_DEFAULT_CTR_EL0 & ~(CTR_IDC | CTR_DIC | 0xfn | (0xfn << 16n));
  const log2Words = (name: string, bytes: number): bigint => {
    const n = Math.log2(bytes) - 2;
    if (!Number.isInteger(n) || n < 0 || n > MAX_LINE_LOG2_WORDS) {
      fail('EINVAL', `CTR_EL0 ${name} ${bytes} is not a power of two from 4 to 2048 bytes`);
    }
    return BigInt(n);
  };
  v |= log2Words('iminLine', fields.iminLine ?? 64);
  v |= log2Words('dminLine', fields.dminLine ?? 64) << 16n;
  if (fields.idc) v |= CTR_IDC;
  if (fields.dic) v |= CTR_DIC;
  return v;
}

/**
 * The AArch64 fetch rules for a `CTR_EL0` configuration. One rule per field:
 *
 * - `fetchBlock` 4: an aligned A64 instruction fetch is single-copy
 *   atomic (Arm ARM B2.2.1), nothing larger is.
 * - `staleness`: with DIC = 0 each PE's instruction cache may hold any
 *   write since its last invalidation of the line by IC IVAU / IC IALLU(IS)
 *   (B2.4.4, "Instruction cache maintenance"); with DIC = 1 the caches are
 *   coherent but instructions already fetched survive until the PE's next
 *   context synchronization event (B2.4.4; herd `aarch64.cat`: `ca if DIC`).
 * - `cleanToPou`: with IDC = 0 a write reaches instruction fetch only once
 *   DC CVAU cleaned its line to the PoU (B2.4.4; ESOP 2020 `dcsync`); IDC = 1
 *   drops the requirement.
 * - `ownStoreSyncs` false: a PE's own stores are not seen by its fetches
 *   without the same maintenance (B2.4.4: self-modifying code needs it too).
 * - `exceptionSyncs` true: exception entry and return are context
 *   synchronization events (Arm ARM "Context synchronization event", with
 *   FEAT_ExS SCTLR_ELx.EIS = EOS = 1, their reset and Linux's value).
 * - cache operations: DC CVAU cleans a data line; IC IVAU invalidates the
 *   line in every PE of the inner-shareable domain (broadcast, B2.4.4); IC
 *   IALLU is local; IC IALLUIS is broadcast.
 * - `fetchOrder`: with DIC = 1 a PE's fetches are ordered among
 *   themselves: a fetch is ordered before every write coherence-after what
 *   a po-later fetch read (herd `aarch64.cat`, `IC-ob ⊇ [IF]; po; [IF]; ca`
 *   if DIC), so a later fetch may not return a version older than an
 *   earlier fetch saw, at any location; with DIC = 0 only completed IC
 *   maintenance orders them (core's instruction views apply it).
 * - `maintenanceCompletes` `'atBarrier'`: DC and IC take effect only once a
 *   later DSB of the issuing PE completes them (D7.5.10; B2.3.12: a DSB for
 *   reads and writes completes all earlier cache maintenance).
 * - ISB restarts the local fetch stream (B2.3.x, "Instruction Synchronization Barrier").
 */
export function arm64FetchRules(ctr: CtrEl0 | bigint = ARM64_DEFAULT_CTR_EL0): FetchRules {
  const c = typeof ctr === 'bigint' ? parseCtrEl0(ctr) : parseCtrEl0(ctrEl0Value(ctr));
  return staleUntilSyncFetchRules({
    name: `arm64 IDC=${c.idc ? 1 : 0} DIC=${c.dic ? 1 : 0}`,
    fetchBlock: 4,
    icacheLine: c.iminLine,
    dcacheLine: c.dminLine,
    staleness: c.dic ? 'untilContextSync' : 'untilInvalidated',
    cleanToPou: !c.idc,
    ownStoreSyncs: false,
    exceptionSyncs: true,
    maintenanceCompletes: 'atBarrier',
    fetchOrder: c.dic ? 'programOrder' : 'free',
  });
}
