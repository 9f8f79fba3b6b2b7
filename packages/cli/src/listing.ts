/** Bytes as space-separated hex pairs in memory order. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** One listing line: `offset:<TAB>bytes<TAB>text`, the offset in hex as objdump prints it. */
export function formatListingLine(offset: number, bytes: Uint8Array, text: string): string {
  return `${offset.toString(16)}:\t${hexBytes(bytes)}\t${text}`;
}
