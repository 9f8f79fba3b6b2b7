/**
 * The value computation of an atomic read-modify-write instruction, shared
 * by every memory that implements `MemoryPort.atomic`.
 *
 * @module
 */

import { AtomicOp } from './isa';
import * as w from './word64';

/**
 * Computes the new value of an atomic RMW in place: `t[0..1]` holds the
 * old value and `t[2..3]` the operand (zero-extended to `bits`); on
 * return `t[2..3]` holds the value to store. Returns false when nothing
 * is stored (a failed compare-and-swap). `src2[src2Index..]` is the new
 * value of a compare-and-swap.
 */
export function atomicRmw(
  op: AtomicOp,
  bits: number,
  t: Uint32Array,
  src2: Uint32Array | undefined,
  src2Index: number,
): boolean {
  switch (op) {
    case AtomicOp.Add:
      w.add64(t, 2, t, 0, t, 2);
      break;
    case AtomicOp.And:
      t[2] &= t[0];
      t[3] &= t[1];
      break;
    case AtomicOp.Or:
      t[2] |= t[0];
      t[3] |= t[1];
      break;
    case AtomicOp.Xor:
      t[2] ^= t[0];
      t[3] ^= t[1];
      break;
    case AtomicOp.Clear:
      t[2] = t[0] & ~t[2];
      t[3] = t[1] & ~t[3];
      break;
    case AtomicOp.Swap:
      break;
    case AtomicOp.CompareSwap:
      if (!w.eq64(t, 0, t, 2)) return false;
      w.copy64(t, 2, src2!, src2Index);
      break;
    case AtomicOp.MinSigned:
    case AtomicOp.MaxSigned: {
      w.sext64(t, 0, t, 0, bits);
      w.sext64(t, 2, t, 2, bits);
      const less = w.lts64(t, 0, t, 2);
      if ((op === AtomicOp.MinSigned) === less) w.copy64(t, 2, t, 0);
      break;
    }
    case AtomicOp.MinUnsigned:
    case AtomicOp.MaxUnsigned: {
      const less = w.ltu64(t, 0, t, 2);
      if ((op === AtomicOp.MinUnsigned) === less) w.copy64(t, 2, t, 0);
      break;
    }
  }
  w.zext64(t, 2, t, 2, bits);
  return true;
}
