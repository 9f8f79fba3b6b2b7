import { encodeI, encodeU } from './fields';

/**
 * The instruction sequence GNU as emits for `li rd, value` when the value
 * does not fit ADDI's 12 bits (binutils `tc-riscv.c`, `load_const`): a
 * signed 32-bit value is LUI + ADDIW; a wider one loads its upper part
 * recursively, shifts it left past its trailing zeros with SLLI and adds
 * the low 12 bits with ADDI. Each instruction is compressed afterwards by
 * the caller, as GNU as assembles each one separately.
 */

const LUI = 0x37;
const ADDIW = 0x1b;
const ADDI = 0x13;
const SLLI = 0x1013;

const fits32 = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;

/** Appends to `out` the 32-bit words loading the 64-bit `value` into `rd`. */
export function loadConstant(rd: number, value: bigint, out: number[]): void {
  const lower = ((value & 0xfffn) ^ 0x800n) - 0x800n;
  let upper = BigInt.asIntN(64, value - lower);
  if (!fits32(value)) {
    let shift = 12n;
    while (((upper >> shift) & 1n) === 0n) shift++;
    upper >>= shift;
    loadConstant(rd, upper, out);
    out.push(encodeI(SLLI, rd, rd, Number(shift)));
    if (lower !== 0n) out.push(encodeI(ADDI, rd, rd, Number(lower)));
    return;
  }
  let hiReg = 0;
  if (upper !== 0n) {
    out.push(encodeU(LUI, rd, Number((upper >> 12n) & 0xfffffn)));
    hiReg = rd;
  }
  if (lower !== 0n || hiReg === 0) out.push(encodeI(ADDIW, rd, hiReg, Number(lower)));
}
