/**
 * Binary relations over the events of one candidate execution, as bit
 * matrices: the operators of herd's cat language (`|`, `&`, `\`, `;`,
 * `^-1`, `+`, `[S]`) over `Uint32Array` rows.
 *
 * @module
 */

/** A set of events as a bit mask. */
export type EventSet = Uint32Array;

/** A relation over `n` events: row `i` is the set of `j` with `(i, j)`. */
export class Relation {
  readonly words: number;
  readonly bits: Uint32Array;

  constructor(
    readonly n: number,
    bits?: Uint32Array,
  ) {
    this.words = (n + 31) >>> 5;
    this.bits = bits ?? new Uint32Array(n * this.words);
  }

  /** Adds the pair `(i, j)`. */
  add(i: number, j: number): this {
    (this.bits[i * this.words + (j >>> 5)] as number) |= 1 << (j & 31);
    return this;
  }

  /** True when `(i, j)` is in the relation. */
  has(i: number, j: number): boolean {
    return ((this.bits[i * this.words + (j >>> 5)] as number) & (1 << (j & 31))) !== 0;
  }

  /** A copy. */
  clone(): Relation {
    return new Relation(this.n, this.bits.slice());
  }

  /** `this | others…`, in place. */
  unionWith(...others: Relation[]): this {
    for (const o of others)
      for (let k = 0; k < this.bits.length; k++) (this.bits[k] as number) |= o.bits[k] as number;
    return this;
  }

  /** `this & o` (herd `&`). */
  inter(o: Relation): Relation {
    const r = this.clone();
    for (let k = 0; k < r.bits.length; k++) (r.bits[k] as number) &= o.bits[k] as number;
    return r;
  }

  /** `this \ o` (herd `\`). */
  minus(o: Relation): Relation {
    const r = this.clone();
    for (let k = 0; k < r.bits.length; k++) (r.bits[k] as number) &= ~(o.bits[k] as number);
    return r;
  }

  /** `this ; o` (sequential composition). */
  seq(o: Relation): Relation {
    const r = new Relation(this.n);
    const w = this.words;
    const a = this.bits;
    for (let i = 0; i < this.n; i++)
      for (let x = 0; x < w; x++) {
        let word = a[i * w + x] as number;
        while (word !== 0) {
          const low = word & -word;
          const j = (x << 5) + 31 - Math.clz32(low);
          word ^= low;
          for (let k = 0; k < w; k++) (r.bits[i * w + k] as number) |= o.bits[j * w + k] as number;
        }
      }
    return r;
  }

  /** `this^-1`. */
  inverse(): Relation {
    const r = new Relation(this.n);
    for (let i = 0; i < this.n; i++)
      for (let j = 0; j < this.n; j++) if (this.has(i, j)) r.add(j, i);
    return r;
  }

  /** `[dom] ; this ; [ran]`; either set may be omitted. */
  restrict(dom?: EventSet, ran?: EventSet): Relation {
    const r = this.clone();
    const w = this.words;
    for (let i = 0; i < this.n; i++) {
      const keep = !dom || ((dom[i >>> 5] as number) & (1 << (i & 31))) !== 0;
      for (let k = 0; k < w; k++)
        (r.bits[i * w + k] as number) = keep
          ? (r.bits[i * w + k] as number) & (ran ? (ran[k] as number) : -1)
          : 0;
    }
    return r;
  }

  /** `this+` (transitive closure, Warshall). */
  closure(): Relation {
    const r = this.clone();
    const w = this.words;
    for (let k = 0; k < this.n; k++)
      for (let i = 0; i < this.n; i++)
        if (r.has(i, k))
          for (let x = 0; x < w; x++) (r.bits[i * w + x] as number) |= r.bits[k * w + x] as number;
    return r;
  }

  /** True when no event is related to itself. */
  irreflexive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.has(i, i)) return false;
    return true;
  }

  /** True when the relation has no cycle (`acyclic r` = `irreflexive r+`). */
  acyclic(): boolean {
    return this.closure().irreflexive();
  }

  /** True when the relation is empty. */
  isEmpty(): boolean {
    return this.bits.every((b) => b === 0);
  }

  /** The pairs, for debugging output and tests. */
  pairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.n; i++)
      for (let j = 0; j < this.n; j++) if (this.has(i, j)) out.push([i, j]);
    return out;
  }

  /** `[S]` as a relation. */
  static identity(n: number, s: EventSet): Relation {
    const r = new Relation(n);
    for (let i = 0; i < n; i++) if (((s[i >>> 5] as number) & (1 << (i & 31))) !== 0) r.add(i, i);
    return r;
  }

  /** The relation of all `(i, j)` with `pred(i, j)`. */
  static from(n: number, pred: (i: number, j: number) => boolean): Relation {
    const r = new Relation(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (pred(i, j)) r.add(i, j);
    return r;
  }
}

/** The set of events `i < n` with `pred(i)`. */
export function eventSet(n: number, pred: (i: number) => boolean): EventSet {
  const s = new Uint32Array((n + 31) >>> 5);
  for (let i = 0; i < n; i++) if (pred(i)) (s[i >>> 5] as number) |= 1 << (i & 31);
  return s;
}

/** `a | b` on sets. */
export function setUnion(a: EventSet, b: EventSet): EventSet {
  return a.map((x, k) => x | (b[k] as number));
}

/** `~a` on sets of `n` events. */
export function setComplement(n: number, a: EventSet): EventSet {
  return eventSet(n, (i) => ((a[i >>> 5] as number) & (1 << (i & 31))) === 0);
}
