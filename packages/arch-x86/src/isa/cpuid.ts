/**
 * The fixed CPUID table the executor answers from (SDM vol. 2, CPUID). It
 * describes a GenuineIntel family-6 CPU with the features the modelled
 * kernel paths look at: CLFLUSH, SSE2 (MFENCE/LFENCE/SFENCE), INVPCID,
 * SERIALIZE. Leaves outside the table read as zeros.
 *
 * @module
 */

/** One CPUID leaf: `[eax, ebx, ecx, edx]`. */
export type CpuidLeaf = readonly [number, number, number, number];

/** Leaf (and leaf 7 sub-leaf 0) values by EAX input. */
export const cpuidLeaves: ReadonlyMap<number, CpuidLeaf> = new Map<number, CpuidLeaf>([
  // Highest basic leaf 7; vendor "GenuineIntel" in EBX, EDX, ECX.
  [0, [7, 0x756e6547, 0x6c65746e, 0x49656e69]],
  // Family 6 model 0x8f stepping 8; CLFLUSH line size 8 * 8 = 64 bytes;
  // EDX: FPU, TSC, CX8, APIC, CMOV, CLFSH, SSE, SSE2; ECX: SSE3, CX16, POPCNT.
  [1, [0x000806f8, 0x00000800, 0x00802201, 0x068883a1]],
  // Leaf 7 sub-leaf 0: EBX INVPCID (bit 10); EDX SERIALIZE (bit 14).
  [7, [0, 0x00000400, 0, 0x00004000]],
]);

const zero: CpuidLeaf = [0, 0, 0, 0];

/** The values CPUID returns for leaf `eax` (sub-leaf `ecx` only matters for leaf 7, where only sub-leaf 0 is populated). */
export function cpuidLeaf(eax: number, ecx: number): CpuidLeaf {
  if (eax === 7 && ecx !== 0) return zero;
  return cpuidLeaves.get(eax) ?? zero;
}
