import { Counter, fillPattern } from '@execmem/core';
import type { ExecmemPort } from './execmemPort';

/**
 * `execmem_fill_trapping_insns()`: fills `[va, va + size)` with `pattern`
 * (repeated by address) so a stray jump into unused memory traps, and
 * counts the bytes. `textPoke` writes through the text-poke path, for
 * memory whose own mapping is read-only and executable; otherwise a plain
 * store through a writable mapping.
 */
export function fillTrappingInsns(
  port: ExecmemPort,
  va: number,
  size: number,
  pattern: Uint8Array,
  via: 'store' | 'textPoke',
): void {
  const bytes = new Uint8Array(size);
  fillPattern(bytes, va, pattern);
  if (via === 'textPoke') port.textPoke(va, bytes);
  else port.write(va, bytes);
  port.counters.add(Counter.trapBytesWritten, size);
}

/** True when every byte of `bytes`, read from `va`, holds `pattern` repeated by address. */
export function holdsPattern(bytes: Uint8Array, va: number, pattern: Uint8Array): boolean {
  const n = pattern.length;
  // Patterns of 1, 2 or 4 bytes repeat every 32-bit word: compare words.
  if (4 % n === 0) {
    // Skip to the first 4-byte-aligned byte of the buffer for the word view.
    const from = Math.min(bytes.length, (4 - (bytes.byteOffset % 4)) % 4);
    const words = (bytes.length - from) >>> 2;
    if (words > 0) {
      const p = (va + from) % n;
      const word =
        (pattern[p % n] |
          (pattern[(p + 1) % n] << 8) |
          (pattern[(p + 2) % n] << 16) |
          (pattern[(p + 3) % n] << 24)) >>>
        0;
      const view = new Uint32Array(bytes.buffer, bytes.byteOffset + from, words);
      for (let i = 0; i < words; i++) if (view[i] !== word) return false;
      return (
        checkBytes(bytes, va, pattern, 0, from) &&
        checkBytes(bytes, va, pattern, from + words * 4, bytes.length)
      );
    }
  }
  return checkBytes(bytes, va, pattern, 0, bytes.length);
}

function checkBytes(
  bytes: Uint8Array,
  va: number,
  pattern: Uint8Array,
  from: number,
  to: number,
): boolean {
  const n = pattern.length;
  for (let i = from; i < to; i++) if (bytes[i] !== pattern[(va + i) % n]) return false;
  return true;
}
