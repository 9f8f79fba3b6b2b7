/**
 * 64-bit integer arithmetic on values held as two 32-bit halves in a
 * `Uint32Array` (low half at `i`, high half at `i + 1`), so that an
 * executor can run an instruction without allocating. Every function
 * reads all of its inputs before writing its output, so the destination
 * may alias an input.
 *
 * @module
 */

const TWO32 = 4294967296;

/** Scratch words for the wide multiply and divide (module-private, reused). */
const scratch = new Uint32Array(8);

/** Sets `d[di..]` to the 64-bit value with halves `lo`, `hi`. */
export function set64(d: Uint32Array, di: number, lo: number, hi: number): void {
  d[di] = lo;
  d[di + 1] = hi;
}

/** Copies `a[ai..]` to `d[di..]`. */
export function copy64(d: Uint32Array, di: number, a: Uint32Array, ai: number): void {
  d[di] = a[ai];
  d[di + 1] = a[ai + 1];
}

/** Sets `d[di..]` to a signed 32-bit (or smaller) integer, sign-extended to 64 bits. */
export function setInt(d: Uint32Array, di: number, value: number): void {
  d[di] = value;
  d[di + 1] = value < 0 ? 0xffffffff : 0;
}

/**
 * Sets `d[di..]` to a safe integer (|value| < 2^53), two's complement.
 * Used for addresses and counters, never with fractions.
 */
export function setNumber(d: Uint32Array, di: number, value: number): void {
  const lo = value % TWO32;
  d[di] = lo;
  d[di + 1] = Math.floor(value / TWO32);
}

/** `d = a + b`; returns the carry out of bit 63 (0 or 1). */
export function add64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): number {
  const alo = a[ai];
  const ahi = a[ai + 1];
  const blo = b[bi];
  const bhi = b[bi + 1];
  const lo = alo + blo;
  const c = lo >= TWO32 ? 1 : 0;
  const hi = ahi + bhi + c;
  d[di] = lo;
  d[di + 1] = hi;
  return hi >= TWO32 ? 1 : 0;
}

/** `d = a - b`; returns the borrow out of bit 63 (1 when a < b unsigned). */
export function sub64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): number {
  const alo = a[ai];
  const ahi = a[ai + 1];
  const blo = b[bi];
  const bhi = b[bi + 1];
  const lo = alo - blo;
  const br = lo < 0 ? 1 : 0;
  const hi = ahi - bhi - br;
  d[di] = lo;
  d[di + 1] = hi;
  return hi < 0 ? 1 : 0;
}

/** `d = -a` (two's complement). */
export function neg64(d: Uint32Array, di: number, a: Uint32Array, ai: number): void {
  const lo = a[ai];
  const hi = a[ai + 1];
  d[di] = -lo;
  d[di + 1] = lo === 0 ? -hi : ~hi;
}

/**
 * Full 64×64 → 128-bit unsigned product of `a` and `b` into
 * `scratch[0..3]` (little-endian 32-bit words), by 16-bit limbs so every
 * partial product is exact in a double.
 */
function mulWide(a: Uint32Array, ai: number, b: Uint32Array, bi: number): void {
  const a0 = a[ai] & 0xffff;
  const a1 = a[ai] >>> 16;
  const a2 = a[ai + 1] & 0xffff;
  const a3 = a[ai + 1] >>> 16;
  const b0 = b[bi] & 0xffff;
  const b1 = b[bi] >>> 16;
  const b2 = b[bi + 1] & 0xffff;
  const b3 = b[bi + 1] >>> 16;
  // Column sums of 16-bit limb products; each column < 2^35, carries propagate exactly.
  let c = a0 * b0;
  const r0 = c % 65536;
  c = Math.floor(c / 65536) + a0 * b1 + a1 * b0;
  const r1 = c % 65536;
  c = Math.floor(c / 65536) + a0 * b2 + a1 * b1 + a2 * b0;
  const r2 = c % 65536;
  c = Math.floor(c / 65536) + a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  const r3 = c % 65536;
  c = Math.floor(c / 65536) + a1 * b3 + a2 * b2 + a3 * b1;
  const r4 = c % 65536;
  c = Math.floor(c / 65536) + a2 * b3 + a3 * b2;
  const r5 = c % 65536;
  c = Math.floor(c / 65536) + a3 * b3;
  const r6 = c % 65536;
  const r7 = Math.floor(c / 65536) % 65536;
  scratch[0] = r0 | (r1 << 16);
  scratch[1] = r2 | (r3 << 16);
  scratch[2] = r4 | (r5 << 16);
  scratch[3] = r6 | (r7 << 16);
}

/** `d = low 64 bits of a * b` (the same for signed and unsigned operands). */
export function mul64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  const alo = a[ai];
  const blo = b[bi];
  // The cross terms only reach the high word, where Math.imul's wrap-around is exact.
  const cross = Math.imul(alo, b[bi + 1]) + Math.imul(a[ai + 1], blo);
  const a0 = alo & 0xffff;
  const a1 = alo >>> 16;
  const b0 = blo & 0xffff;
  const b1 = blo >>> 16;
  const mid = a1 * b0 + a0 * b1; // < 2^33, exact
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^49, exact
  d[di] = low;
  d[di + 1] = a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / 4294967296) + cross;
}

/** `d = high 64 bits of the unsigned 128-bit product a * b`. */
export function mulhu64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  mulWide(a, ai, b, bi);
  d[di] = scratch[2];
  d[di + 1] = scratch[3];
}

/** Subtracts `x` from the high 64 bits held in `scratch[2..3]`. */
function subHigh(x: Uint32Array, xi: number): void {
  const lo = scratch[2] - x[xi];
  const br = lo < 0 ? 1 : 0;
  scratch[2] = lo;
  scratch[3] = scratch[3] - x[xi + 1] - br;
}

/** `d = high 64 bits of the signed 128-bit product a * b`. */
export function mulhs64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  const aNeg = a[ai + 1] >>> 31;
  const bNeg = b[bi + 1] >>> 31;
  const blo = b[bi];
  const bhi = b[bi + 1];
  const alo = a[ai];
  const ahi = a[ai + 1];
  mulWide(a, ai, b, bi);
  // signed(a)*signed(b) = ua*ub - 2^64*(aNeg*ub + bNeg*ua)
  scratch[4] = blo;
  scratch[5] = bhi;
  scratch[6] = alo;
  scratch[7] = ahi;
  if (aNeg) subHigh(scratch, 4);
  if (bNeg) subHigh(scratch, 6);
  d[di] = scratch[2];
  d[di + 1] = scratch[3];
}

/** `d = high 64 bits of signed(a) * unsigned(b)` (RISC-V MULHSU). */
export function mulhsu64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  const aNeg = a[ai + 1] >>> 31;
  const blo = b[bi];
  const bhi = b[bi + 1];
  mulWide(a, ai, b, bi);
  scratch[4] = blo;
  scratch[5] = bhi;
  if (aNeg) subHigh(scratch, 4);
  d[di] = scratch[2];
  d[di + 1] = scratch[3];
}

/**
 * Unsigned division of `a` by non-zero `b`: quotient into `q[qi..]` and
 * remainder into `r[ri..]` (either may be `null`). Division by zero is
 * the caller's to define (every arch defines it differently).
 */
export function divrem64u(
  q: Uint32Array | null,
  qi: number,
  r: Uint32Array | null,
  ri: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  const alo = a[ai];
  const ahi = a[ai + 1];
  const blo = b[bi];
  const bhi = b[bi + 1];
  let qlo: number;
  let qhi: number;
  let rlo: number;
  let rhi: number;
  if (ahi === 0 && bhi === 0) {
    qlo = Math.floor(alo / blo);
    qhi = 0;
    rlo = alo - qlo * blo;
    rhi = 0;
  } else if (bhi === 0 && blo <= 0x1fffff) {
    // Short division by a divisor under 2^21: each step stays below 2^53.
    const q1 = Math.floor(ahi / blo);
    const r1 = ahi - q1 * blo;
    const t = r1 * TWO32 + alo;
    const q0 = Math.floor(t / blo);
    qlo = q0;
    qhi = q1;
    rlo = t - q0 * blo;
    rhi = 0;
  } else {
    // Restoring long division, one bit at a time.
    qlo = 0;
    qhi = 0;
    rlo = 0;
    rhi = 0;
    for (let bit = 63; bit >= 0; bit--) {
      rhi = ((rhi << 1) | (rlo >>> 31)) >>> 0;
      rlo = ((rlo << 1) | ((bit >= 32 ? ahi >>> (bit - 32) : alo >>> bit) & 1)) >>> 0;
      if (rhi > bhi || (rhi === bhi && rlo >= blo)) {
        const lo = rlo - blo;
        rhi = (rhi - bhi - (lo < 0 ? 1 : 0)) >>> 0;
        rlo = lo >>> 0;
        if (bit >= 32) qhi |= 1 << (bit - 32);
        else qlo |= 1 << bit;
      }
    }
  }
  if (q) {
    q[qi] = qlo;
    q[qi + 1] = qhi;
  }
  if (r) {
    r[ri] = rlo;
    r[ri + 1] = rhi;
  }
}

/**
 * Signed (truncating) division of `a` by non-zero `b`: quotient and
 * remainder (remainder has the dividend's sign). INT64_MIN / -1 wraps to
 * INT64_MIN with remainder 0; callers that trap on it check first.
 */
export function divrem64s(
  q: Uint32Array | null,
  qi: number,
  r: Uint32Array | null,
  ri: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  const aNeg = a[ai + 1] >>> 31;
  const bNeg = b[bi + 1] >>> 31;
  if (aNeg) neg64(scratch, 4, a, ai);
  else copy64(scratch, 4, a, ai);
  if (bNeg) neg64(scratch, 6, b, bi);
  else copy64(scratch, 6, b, bi);
  divrem64u(scratch, 0, scratch, 2, scratch, 4, scratch, 6);
  if (q) {
    if (aNeg !== bNeg) neg64(q, qi, scratch, 0);
    else copy64(q, qi, scratch, 0);
  }
  if (r) {
    if (aNeg) neg64(r, ri, scratch, 2);
    else copy64(r, ri, scratch, 2);
  }
}

/** `d = a / b` unsigned; `b` must be non-zero. */
export function divu64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  divrem64u(d, di, null, 0, a, ai, b, bi);
}

/** `d = a % b` unsigned; `b` must be non-zero. */
export function remu64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  divrem64u(null, 0, d, di, a, ai, b, bi);
}

/** `d = a / b` signed, truncating; `b` must be non-zero. */
export function divs64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  divrem64s(d, di, null, 0, a, ai, b, bi);
}

/** `d = a % b` signed (sign of the dividend); `b` must be non-zero. */
export function rems64(
  d: Uint32Array,
  di: number,
  a: Uint32Array,
  ai: number,
  b: Uint32Array,
  bi: number,
): void {
  divrem64s(null, 0, d, di, a, ai, b, bi);
}

/** `d = a << n` for `n` in 0..63 (callers mask the count as their arch does). */
export function shl64(d: Uint32Array, di: number, a: Uint32Array, ai: number, n: number): void {
  const lo = a[ai];
  const hi = a[ai + 1];
  if (n === 0) {
    d[di] = lo;
    d[di + 1] = hi;
  } else if (n < 32) {
    d[di] = lo << n;
    d[di + 1] = (hi << n) | (lo >>> (32 - n));
  } else {
    d[di] = 0;
    d[di + 1] = lo << (n - 32);
  }
}

/** `d = a >>> n` (logical) for `n` in 0..63. */
export function shr64(d: Uint32Array, di: number, a: Uint32Array, ai: number, n: number): void {
  const lo = a[ai];
  const hi = a[ai + 1];
  if (n === 0) {
    d[di] = lo;
    d[di + 1] = hi;
  } else if (n < 32) {
    d[di] = (lo >>> n) | (hi << (32 - n));
    d[di + 1] = hi >>> n;
  } else {
    d[di] = hi >>> (n - 32);
    d[di + 1] = 0;
  }
}

/** `d = a >> n` (arithmetic) for `n` in 0..63. */
export function sar64(d: Uint32Array, di: number, a: Uint32Array, ai: number, n: number): void {
  const lo = a[ai];
  const hi = a[ai + 1] | 0;
  if (n === 0) {
    d[di] = lo;
    d[di + 1] = hi;
  } else if (n < 32) {
    d[di] = (lo >>> n) | (hi << (32 - n));
    d[di + 1] = hi >> n;
  } else {
    d[di] = hi >> (n - 32);
    d[di + 1] = hi >> 31;
  }
}

/** `d = a` rotated left by `n` (0..63). */
export function rol64(d: Uint32Array, di: number, a: Uint32Array, ai: number, n: number): void {
  const lo = a[ai];
  const hi = a[ai + 1];
  const m = n & 63;
  if (m === 0) {
    d[di] = lo;
    d[di + 1] = hi;
    return;
  }
  const x = m >= 32 ? hi : lo;
  const y = m >= 32 ? lo : hi;
  const k = m & 31;
  if (k === 0) {
    d[di] = x;
    d[di + 1] = y;
  } else {
    d[di] = (x << k) | (y >>> (32 - k));
    d[di + 1] = (y << k) | (x >>> (32 - k));
  }
}

/** `d = a` rotated right by `n` (0..63). */
export function ror64(d: Uint32Array, di: number, a: Uint32Array, ai: number, n: number): void {
  rol64(d, di, a, ai, (64 - (n & 63)) & 63);
}

/** `d = a` with its low `bits` bits (1..64) sign-extended to 64 bits. */
export function sext64(d: Uint32Array, di: number, a: Uint32Array, ai: number, bits: number): void {
  const lo = a[ai];
  const hi = a[ai + 1];
  if (bits >= 64) {
    d[di] = lo;
    d[di + 1] = hi;
  } else if (bits > 32) {
    const s = 64 - bits;
    d[di] = lo;
    d[di + 1] = ((hi << s) | 0) >> s;
  } else {
    const s = 32 - bits;
    const v = ((lo << s) | 0) >> s;
    d[di] = v;
    d[di + 1] = v >> 31;
  }
}

/** `d = a` with everything above its low `bits` bits (1..64) cleared. */
export function zext64(d: Uint32Array, di: number, a: Uint32Array, ai: number, bits: number): void {
  const lo = a[ai];
  const hi = a[ai + 1];
  if (bits >= 64) {
    d[di] = lo;
    d[di + 1] = hi;
  } else if (bits > 32) {
    d[di] = lo;
    d[di + 1] = hi & (0xffffffff >>> (64 - bits));
  } else {
    d[di] = bits === 32 ? lo : lo & (0xffffffff >>> (32 - bits));
    d[di + 1] = 0;
  }
}

/** Unsigned `a < b`. */
export function ltu64(a: Uint32Array, ai: number, b: Uint32Array, bi: number): boolean {
  const ahi = a[ai + 1];
  const bhi = b[bi + 1];
  return ahi !== bhi ? ahi < bhi : a[ai] < b[bi];
}

/** Signed `a < b`. */
export function lts64(a: Uint32Array, ai: number, b: Uint32Array, bi: number): boolean {
  const ahi = a[ai + 1] | 0;
  const bhi = b[bi + 1] | 0;
  return ahi !== bhi ? ahi < bhi : a[ai] < b[bi];
}

/** `a == b`. */
export function eq64(a: Uint32Array, ai: number, b: Uint32Array, bi: number): boolean {
  return a[ai] === b[bi] && a[ai + 1] === b[bi + 1];
}

/** `a == 0`. */
export function isZero64(a: Uint32Array, ai: number): boolean {
  return a[ai] === 0 && a[ai + 1] === 0;
}

/** Reverses the bytes of a 32-bit value. */
export function bswap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** `d = a` with its 8 bytes reversed. */
export function bswap64(d: Uint32Array, di: number, a: Uint32Array, ai: number): void {
  const lo = a[ai];
  const hi = a[ai + 1];
  d[di] = bswap32(hi);
  d[di + 1] = bswap32(lo);
}

/** Reads `a[ai..]` as an unsigned `bigint` (for tests, dumps and public APIs; not for hot paths). */
export function toBigint(a: Uint32Array, ai: number): bigint {
  return (BigInt(a[ai + 1]) << 32n) | BigInt(a[ai]);
}

/** Writes `value` (taken modulo 2^64) to `d[di..]` (not for hot paths). */
export function fromBigint(d: Uint32Array, di: number, value: bigint): void {
  const v = BigInt.asUintN(64, value);
  d[di] = Number(v & 0xffffffffn);
  d[di + 1] = Number(v >> 32n);
}
