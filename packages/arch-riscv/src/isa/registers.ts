/**
 * RISC-V integer and floating-point register names (RISC-V psABI, "Integer
 * Register Convention"), indexed by register number.
 */

/** The 32 integer registers by ABI name; index = register number (`zero` is x0). */
export const riscvRegisterNames: readonly string[] = [
  'zero',
  'ra',
  'sp',
  'gp',
  'tp',
  't0',
  't1',
  't2',
  's0',
  's1',
  'a0',
  'a1',
  'a2',
  'a3',
  'a4',
  'a5',
  'a6',
  'a7',
  's2',
  's3',
  's4',
  's5',
  's6',
  's7',
  's8',
  's9',
  's10',
  's11',
  't3',
  't4',
  't5',
  't6',
];

/** The 32 floating-point registers by ABI name (for the F/D loads and stores objdump prints). */
export const riscvFpRegisterNames: readonly string[] = [
  'ft0',
  'ft1',
  'ft2',
  'ft3',
  'ft4',
  'ft5',
  'ft6',
  'ft7',
  'fs0',
  'fs1',
  'fa0',
  'fa1',
  'fa2',
  'fa3',
  'fa4',
  'fa5',
  'fa6',
  'fa7',
  'fs2',
  'fs3',
  'fs4',
  'fs5',
  'fs6',
  'fs7',
  'fs8',
  'fs9',
  'fs10',
  'fs11',
  'ft8',
  'ft9',
  'ft10',
  'ft11',
];

function indexNames(abi: readonly string[], prefix: string): ReadonlyMap<string, number> {
  const map = new Map<string, number>();
  abi.forEach((name, i) => {
    map.set(name, i);
    map.set(`${prefix}${i}`, i);
  });
  return map;
}

const integerByName = indexNames(riscvRegisterNames, 'x');

/** The number of integer register `name` (ABI name, `xN`, or `fp` for s0), or -1. */
export function parseIntegerRegister(name: string): number {
  if (name === 'fp') return 8;
  return integerByName.get(name) ?? -1;
}
