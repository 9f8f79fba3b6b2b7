/**
 * The assembler's error: `EINVAL` with the line and column of the bad text.
 *
 * @module
 */
import { fail } from '@execmem/core';

/** Throws the assembler's `EINVAL` naming line and column. */
export function syntaxError(line: number, col: number, message: string): never {
  fail('EINVAL', `line ${line}, column ${col}: ${message}`);
}
