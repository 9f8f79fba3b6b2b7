/**
 * DMB/DSB options (Arm ARM C6.2.81, C6.2.83) and the barrier codes the
 * executor passes to `MemoryPort.fence`: the 4-bit CRm option field, plus
 * {@link FENCE_DSB} for a DSB.
 *
 * @module
 */

/** Set in a fence code when the barrier is a DSB (completes maintenance) rather than a DMB. */
export const FENCE_DSB = 0x10;

/** The CRm option values of DMB and DSB. */
export const BarrierOption = {
  OSHLD: 1,
  OSHST: 2,
  OSH: 3,
  NSHLD: 5,
  NSHST: 6,
  NSH: 7,
  ISHLD: 9,
  ISHST: 10,
  ISH: 11,
  LD: 13,
  ST: 14,
  SY: 15,
} as const;
/** See the constant of the same name. */
export type BarrierOption = (typeof BarrierOption)[keyof typeof BarrierOption];

/** The fence code of `DMB option`. */
export function dmbCode(option: number): number {
  return option & 15;
}

/** The fence code of `DSB option`. */
export function dsbCode(option: number): number {
  return FENCE_DSB | (option & 15);
}

const nameByOption = new Map<number, string>(
  Object.entries(BarrierOption).map(([name, v]) => [v, name.toLowerCase()]),
);

/** The option as objdump prints it: a name, or `#0x0N` for the unnamed values. */
export function barrierOptionText(option: number): string {
  return nameByOption.get(option) ?? `#0x${option.toString(16).padStart(2, '0')}`;
}

/** Parses a barrier option name (case-insensitive); `undefined` when unknown. */
export function parseBarrierOption(text: string): number | undefined {
  const t = text.toUpperCase();
  return Object.hasOwn(BarrierOption, t)
    ? BarrierOption[t as keyof typeof BarrierOption]
    : undefined;
}
