import { fillPattern } from '@execmem/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdsPattern } from './trapFill';

describe('holdsPattern', () => {
  it('agrees with a byte-by-byte reference for every phase, pattern and corruption', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          Uint8Array.of(0xcc),
          Uint8Array.of(0x02, 0x90),
          Uint8Array.of(0, 0x20, 0x20, 0xd4),
          Uint8Array.of(1, 2, 3),
        ),
        fc.nat(1000),
        fc.nat(64),
        fc.nat(3),
        fc.option(fc.nat(63)),
        (pattern, va, length, offset, corrupt) => {
          const backing = new Uint8Array(length + offset);
          const bytes = backing.subarray(offset);
          fillPattern(bytes, va, pattern);
          if (corrupt !== null && corrupt < length) bytes[corrupt] ^= 1;
          const reference = bytes.every((b, i) => b === pattern[(va + i) % pattern.length]);
          expect(holdsPattern(bytes, va, pattern)).toBe(reference);
        },
      ),
    );
  });
});
