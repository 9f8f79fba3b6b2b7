/**
 * A 64-bit state fingerprint for the explorer's visited set: two
 * independent 32-bit lanes of MurmurHash3-style mixing over a stream of
 * 32-bit words. Exact strings would cost hundreds of bytes per state; at
 * 64 bits the chance that two of a million states collide (and one is
 * wrongly pruned) is about 3·10⁻⁸.
 *
 * @module
 */

/** An incremental hasher of 32-bit words; reuse one per system to avoid allocation. */
export interface StateHasher {
  /** Starts a new fingerprint. */
  reset(): void;
  /** Mixes in one value; integers up to 2^53 and negative numbers are taken exactly. */
  add(value: number): void;
  /** Mixes in `words[from..to)`. */
  addWords(words: Uint32Array | Uint8Array, from?: number, to?: number): void;
  /** The fingerprint of everything added since `reset`, as 16 hex digits. */
  digest(): string;
}

/** Creates a {@link StateHasher}. */
export function createStateHasher(): StateHasher {
  let h1 = 0;
  let h2 = 0;
  let count = 0;
  function mix(k: number): void {
    let a = Math.imul(k, 0xcc9e2d51);
    a = Math.imul((a << 15) | (a >>> 17), 0x1b873593);
    h1 ^= a;
    h1 = Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64;
    let b = Math.imul(k ^ 0x5bd1e995, 0x85ebca6b);
    b = Math.imul((b << 13) | (b >>> 19), 0xc2b2ae35);
    h2 ^= b;
    h2 = Math.imul((h2 << 17) | (h2 >>> 15), 9) + 0x52dce729;
    count++;
  }
  function fmix(h: number): number {
    h ^= count;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }
  return {
    reset() {
      h1 = 0x9747b28c;
      h2 = 0x1b873593;
      count = 0;
    },
    add(value) {
      mix(value | 0);
      // The high part keeps integers beyond 32 bits and negatives distinct.
      mix(Math.floor(value / 2 ** 32) | 0);
    },
    addWords(words, from = 0, to = words.length) {
      mix(to - from);
      for (let i = from; i < to; i++) mix(words[i]);
    },
    digest() {
      return fmix(h1).toString(16).padStart(8, '0') + fmix(h2).toString(16).padStart(8, '0');
    },
  };
}

/**
 * Mixes every field of a plain state object into `h`, in key order:
 * numbers, booleans, bigints, typed arrays and nested plain objects
 * (functions are skipped; keys in `skip` too). The default way to
 * fingerprint an arch's CPU state, whatever fields the arch added.
 */
export function addObject(
  h: StateHasher,
  value: object,
  skip: ReadonlySet<string> = new Set(),
  depth = 0,
): void {
  for (const key of Object.keys(value).sort()) {
    if (skip.has(key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number') h.add(v);
    else if (typeof v === 'boolean') h.add(v ? 1 : 0);
    else if (typeof v === 'bigint') {
      h.add(Number(BigInt.asUintN(32, v)));
      h.add(Number(BigInt.asUintN(32, v >> 32n)));
    } else if (v instanceof Uint32Array || v instanceof Uint8Array) h.addWords(v);
    else if (ArrayBuffer.isView(v))
      h.addWords(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else if (v !== null && typeof v === 'object' && depth < 4) addObject(h, v, skip, depth + 1);
  }
}
