import {
  reg8Names as r8,
  reg16Names as r16,
  reg32Names as r32,
  reg64Names as r64,
} from '../registers';
import type { Random } from './random';

/** Size of each program's data area: a 256-byte data window, then its stack. */
export const AREA_SIZE = 512;
/** Where the programs' data areas start (the ELF's `.data`). */
export const DATA_BASE = 0x10000000;
/** Where RSP starts inside a data area. */
export const STACK_START = 400;

const names: Record<number, readonly string[]> = { 1: r8, 2: r16, 4: r32, 8: r64 };
const sfx: Record<number, string> = { 1: 'b', 2: 'w', 4: 'l', 8: 'q' };
const conds = [
  'o',
  'no',
  'b',
  'ae',
  'e',
  'ne',
  'be',
  'a',
  's',
  'ns',
  'p',
  'np',
  'l',
  'ge',
  'le',
  'g',
];
const values = [
  0n,
  1n,
  -1n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0x8000n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  -0x8000000000000000n,
  0x7fffffffffffffffn,
];

/** R15 is the data base, R14 a fixed index 0..7, RSP the stack: never destinations. */
const reserved = new Set([4, 14, 15]);

function hex(v: bigint): string {
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

class ProgramWriter {
  readonly lines: string[] = [];
  depth = 0;
  labels = 0;
  /** Inside a called function, stores relative to RSP would hit the return address. */
  inFunction = false;
  /** Registers the current block must not write (loop counters). */
  readonly locked = new Set<number>();

  constructor(
    readonly g: Random,
    readonly id: number,
  ) {}

  value(): bigint {
    const g = this.g;
    if (g.chance(0.5)) return g.pick(values);
    return BigInt.asIntN(
      64,
      (BigInt(g.int(2 ** 31)) << 33n) ^ BigInt(g.int(2 ** 31)) ^ (BigInt(g.int(8)) << 61n),
    );
  }

  dst(size: number): string {
    const g = this.g;
    for (;;) {
      const r = g.int(16);
      if (!reserved.has(r) && !this.locked.has(r)) return `%${names[size][r]}`;
    }
  }

  src(size: number): string {
    return `%${names[size][this.g.int(16)]}`;
  }

  mem(size: number): string {
    const g = this.g;
    switch (g.int(4)) {
      case 0:
        return `${g.int(193)}(%r15,%r14,${g.pick([1, 2, 4, 8])})`;
      case 1:
        if (this.inFunction) return `${g.int(256 - size + 1)}(%r15)`;
        return `${g.int(57) & ~(size - 1)}(%rsp)`;
      default:
        return `${g.int(256 - size + 1)}(%r15)`;
    }
  }

  imm(size: number): string {
    const g = this.g;
    const bits = BigInt(size === 8 ? 32 : size * 8);
    const v = g.chance(0.5)
      ? g.pick([0n, 1n, -1n, 127n, -128n, (1n << (bits - 1n)) - 1n, -(1n << (bits - 1n))])
      : BigInt(g.int(2 ** Number(bits - 1n))) * (g.chance(0.5) ? -1n : 1n);
    return `$${hex(v)}`;
  }

  emit(...lines: string[]): void {
    this.lines.push(...lines);
  }

  /** One straight-line instruction (or a short fixed sequence such as a division set-up). */
  straight(allowStack: boolean): void {
    const g = this.g;
    const s = g.pick([1, 2, 4, 8]);
    const rm = (): string => (g.chance(0.6) ? this.dst(s) : this.mem(s));
    switch (g.int(24)) {
      case 0:
        this.emit(`mov ${g.chance(0.5) ? this.src(s) : this.mem(s)},${this.dst(s)}`);
        break;
      case 1:
        this.emit(
          g.chance(0.5)
            ? `mov ${this.src(s)},${this.mem(s)}`
            : `mov${sfx[s]} ${this.imm(s)},${this.mem(s)}`,
        );
        break;
      case 2:
        this.emit(
          s === 8 && g.chance(0.5)
            ? `movabs $${hex(this.value())},${this.dst(8)}`
            : `mov ${this.imm(s)},${this.dst(s)}`,
        );
        break;
      case 3: {
        const [name, from, to] = g.pick([
          ['movzbw', 1, 2],
          ['movzbl', 1, 4],
          ['movzbq', 1, 8],
          ['movzwl', 2, 4],
          ['movzwq', 2, 8],
          ['movsbw', 1, 2],
          ['movsbl', 1, 4],
          ['movsbq', 1, 8],
          ['movswl', 2, 4],
          ['movswq', 2, 8],
          ['movslq', 4, 8],
        ] as const);
        this.emit(`${name} ${g.chance(0.5) ? this.src(from) : this.mem(from)},${this.dst(to)}`);
        break;
      }
      case 4:
        this.emit(
          `lea ${g.chance(0.5) ? this.mem(8) : `${g.int(4000) - 2000}(%${g.pick(r64)},%${g.pick(r64.filter((r) => r !== 'rsp'))},${g.pick([1, 2, 4, 8])})`},${this.dst(g.pick([2, 4, 8]))}`,
        );
        break;
      case 5:
      case 6:
      case 7: {
        const op = g.pick(['add', 'or', 'and', 'sub', 'xor', 'cmp', 'test']);
        const form = g.int(4);
        if (form === 0) this.emit(`${op} ${this.src(s)},${rm()}`);
        else if (form === 1) this.emit(`${op} ${this.mem(s)},${this.dst(s)}`);
        else if (form === 2) this.emit(`${op} ${this.imm(s)},${this.dst(s)}`);
        else this.emit(`${op}${sfx[s]} ${this.imm(s)},${this.mem(s)}`);
        break;
      }
      case 8: {
        const op = g.pick(['inc', 'dec', 'neg', 'not']);
        this.emit(g.chance(0.5) ? `${op} ${this.dst(s)}` : `${op}${sfx[s]} ${this.mem(s)}`);
        break;
      }
      case 9:
      case 10: {
        const op = g.pick(['shl', 'shr', 'sar', 'rol', 'ror', 'sal']);
        const count = g.pick(['', '$1', `$${g.int(64)}`, '%cl', '%cl']);
        const target = g.chance(0.7) ? this.dst(s) : this.mem(s);
        this.emit(
          `${op}${target.startsWith('%') ? '' : sfx[s]} ${count ? `${count},` : ''}${target}`,
        );
        break;
      }
      case 11: {
        const t = g.pick([2, 4, 8]);
        const form = g.int(4);
        if (form === 0)
          this.emit(`imul ${g.chance(0.5) ? this.src(t) : this.mem(t)},${this.dst(t)}`);
        else if (form === 1)
          this.emit(
            `imul ${this.imm(t)},${g.chance(0.5) ? this.src(t) : this.mem(t)},${this.dst(t)}`,
          );
        else if (!this.locked.has(0) && !this.locked.has(2))
          this.emit(
            `${g.pick(['mul', 'imul'])}${g.chance(0.5) ? ` ${this.src(s)}` : `${sfx[s]} ${this.mem(s)}`}`,
          );
        break;
      }
      case 12:
        if (!this.locked.has(0) && !this.locked.has(2) && !this.locked.has(1)) this.division(s);
        break;
      case 13:
        if (!this.locked.has(0) && !this.locked.has(2))
          this.emit(g.pick(['cqto', 'cltd', 'cwtd', 'cltq', 'cwtl', 'cbtw']));
        break;
      case 14:
        this.emit(`bswap ${this.dst(g.pick([4, 8]))}`);
        break;
      case 15: {
        const op = g.pick(['xchg', 'xadd', 'cmpxchg']);
        if (op === 'cmpxchg' && this.locked.has(0)) break;
        // qemu 7.2 does not write a 32-bit register destination back when CMPXCHG fails, so its
        // upper half survives; the SDM writes it (zero-extending), as the executor does.
        const second = g.chance(0.5) && !(op === 'cmpxchg' && s === 4) ? this.dst(s) : this.mem(s);
        const lock = second.startsWith('%') || g.chance(0.5) ? '' : 'lock ';
        this.emit(`${lock}${op} ${this.dst(s)},${second}`);
        break;
      }
      case 16:
        this.emit(
          g.chance(0.5)
            ? `lock ${g.pick(['add', 'or', 'and', 'sub', 'xor'])} ${this.src(s)},${this.mem(s)}`
            : `lock ${g.pick(['inc', 'dec', 'neg', 'not'])}${sfx[s]} ${this.mem(s)}`,
        );
        break;
      case 17:
        this.emit(
          g.pick([
            'nop',
            'nopl 0x0(%rax,%rax,1)',
            'nopw 0x0(%rax,%rax,1)',
            'xchg %ax,%ax',
            'pause',
            'mfence',
            'lfence',
            'sfence',
            'nopl (%rax)',
          ]),
        );
        break;
      case 18:
      case 19:
        if (!allowStack) break;
        if (this.depth > 0 && g.chance(0.5)) {
          this.depth--;
          this.emit(g.chance(0.7) ? `pop ${this.dst(8)}` : `popq ${this.mem(8)}`);
        } else if (this.depth < 8) {
          this.depth++;
          this.emit(g.pick([`push ${this.src(8)}`, `push ${this.imm(8)}`, `pushq ${this.mem(8)}`]));
        }
        break;
      case 20:
        if (!this.locked.has(1)) this.emit(`mov ${this.imm(1)},%cl`);
        break;
      case 21: {
        // Makes the flags visible in a register: skip a NOT when the condition holds.
        const skip = this.label();
        this.emit(`j${g.pick(conds)} ${skip}`, `not ${this.dst(8)}`, `${skip}:`);
        break;
      }
      default:
        this.emit(`${g.pick(['cmp', 'sub', 'add', 'test'])} ${this.src(s)},${this.dst(s)}`);
    }
  }

  /** DIV/IDIV with operands that cannot fault: the dividend extended from rAX, a divisor other than 0 and -1. */
  division(s: number): void {
    const g = this.g;
    const signed = g.chance(0.5);
    let d = this.value() & ((1n << BigInt(s * 8)) - 1n);
    if (d === 0n || d === (1n << BigInt(s * 8)) - 1n) d = 3n;
    const divisor = names[s][1];
    this.emit(`mov $${hex(BigInt.asIntN(s * 8, d))},%${divisor}`);
    if (s === 1) this.emit(signed ? 'cbtw' : 'movzbw %al,%ax');
    else if (signed) this.emit(s === 8 ? 'cqto' : s === 4 ? 'cltd' : 'cwtd');
    else this.emit('xor %edx,%edx');
    if (g.chance(0.5)) {
      this.emit(`${signed ? 'idiv' : 'div'} %${divisor}`);
    } else {
      this.emit(`mov %${divisor},0(%r15)`);
      this.emit(`${signed ? 'idiv' : 'div'}${sfx[s]} 0(%r15)`);
    }
  }

  block(n: number, allowStack: boolean): void {
    for (let i = 0; i < n; i++) this.straight(allowStack);
  }

  label(): string {
    return `.Lp${this.id}_${this.labels++}`;
  }

  /** A body: straight-line code with forward branches, counted loops and calls. */
  body(): void {
    const g = this.g;
    const parts = 3 + g.int(4);
    for (let p = 0; p < parts; p++) {
      switch (g.int(6)) {
        case 0: {
          const skip = this.label();
          this.emit(`j${g.pick(conds)} ${skip}`);
          this.block(1 + g.int(g.chance(0.2) ? 40 : 4), false);
          this.emit(`${skip}:`);
          break;
        }
        case 1: {
          const top = this.label();
          this.locked.add(13);
          this.emit(`mov $${1 + g.int(5)},%r13d`);
          this.emit(`${top}:`);
          this.block(1 + g.int(5), false);
          this.emit('dec %r13');
          this.emit(`jnz ${top}`);
          this.locked.delete(13);
          break;
        }
        case 2: {
          const fn = this.label();
          const over = this.label();
          this.emit(`jmp ${over}`);
          this.emit(`${fn}:`);
          this.inFunction = true;
          this.block(1 + g.int(4), false);
          this.inFunction = false;
          this.emit('ret');
          this.emit(`${over}:`);
          if (g.chance(0.5)) {
            this.emit(`call ${fn}`);
          } else {
            const r = this.dst(8);
            this.emit(`lea ${fn}(%rip),${r}`);
            this.emit(`call *${r}`);
          }
          break;
        }
        case 3: {
          const target = this.label();
          const r = this.dst(8);
          this.emit(`lea ${target}(%rip),${r}`);
          this.emit(`jmp *${r}`);
          this.block(1 + g.int(3), false);
          this.emit(`${target}:`);
          break;
        }
        default:
          this.block(2 + g.int(8), true);
      }
    }
  }
}

/** A generated program: its body text and initial data-window bytes. */
export interface ExecutionProgram {
  readonly body: string[];
  readonly data: Uint8Array;
}

/** Generates program `id`: set-up of every register from its own data area, then a random body. */
export function executionProgram(g: Random, id: number): ExecutionProgram {
  const w = new ProgramWriter(g, id);
  const base = DATA_BASE + id * AREA_SIZE;
  // Defines every status flag (AF as qemu leaves it: 0).
  w.emit('xor %eax,%eax');
  for (let r = 0; r < 16; r++) {
    if (r === 4) w.emit(`mov $${hex(BigInt(base + STACK_START))},%rsp`);
    else if (r === 14) w.emit(`mov $${g.int(8)},%r14d`);
    else if (r === 15) w.emit(`mov $${hex(BigInt(base))},%r15`);
    else w.emit(`movabs $${hex(w.value())},%${r64[r]}`);
  }
  w.body();
  const data = new Uint8Array(AREA_SIZE);
  for (let i = 0; i < AREA_SIZE; i++) data[i] = g.int(256);
  return { body: w.lines, data };
}
