import {
  reg8Names as r8,
  reg16Names as r16,
  reg32Names as r32,
  reg64Names as r64,
} from '../registers';
import type { Random } from './random';

const legacy8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const bySize: Record<number, readonly string[]> = { 1: r8, 2: r16, 4: r32, 8: r64 };
const suffix: Record<number, string> = { 1: 'b', 2: 'w', 4: 'l', 8: 'q' };
const sizes = [1, 2, 4, 8];
const conditions = [
  'o',
  'no',
  'b',
  'c',
  'nae',
  'ae',
  'nb',
  'nc',
  'e',
  'z',
  'ne',
  'nz',
  'be',
  'na',
  'a',
  'nbe',
  's',
  'ns',
  'p',
  'pe',
  'np',
  'po',
  'l',
  'nge',
  'ge',
  'nl',
  'le',
  'ng',
  'g',
  'nle',
];
const disps = [0, 1, -1, 8, 127, 128, -128, -129, 0x7fffffff, -0x80000000, 0x1234, -0x4321];

function fmt(v: bigint | number): string {
  const b = BigInt(v);
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
}

/** A register of `size` bytes (byte registers from the REX set). */
export function reg(rng: Random, size: number): string {
  return `%${rng.pick(bySize[size])}`;
}

/** A memory operand covering every ModRM/SIB shape. */
export function mem(rng: Random): string {
  const disp = rng.chance(0.5) ? rng.pick(disps) : rng.int(2000) - 1000;
  const d = disp === 0 && rng.chance(0.5) ? '' : fmt(disp);
  switch (rng.int(6)) {
    case 0:
      return `${fmt(rng.chance(0.5) ? rng.int(0x7fffffff) : rng.pick(disps))}`;
    case 1:
      return `${fmt(disp)}(%rip)`;
    case 2:
      return `${d}(,%${rng.pick(r64.filter((r) => r !== 'rsp'))},${rng.pick([1, 2, 4, 8])})`;
    case 3:
      return `${d}(%${rng.pick(r64)},%${rng.pick(r64.filter((r) => r !== 'rsp'))},${rng.pick([1, 2, 4, 8])})`;
    default:
      return `${d}(%${rng.pick(r64)})`;
  }
}

/** An immediate for `size` bytes, biased to the encoding boundaries. */
export function imm(rng: Random, size: number, signed32For64 = true): bigint {
  const bits = BigInt(size * 8);
  const edges = [
    0n,
    1n,
    -1n,
    127n,
    128n,
    -128n,
    -129n,
    255n,
    0x7fffn,
    -0x8000n,
    0xffffn,
    0x7fffffffn,
    -0x80000000n,
  ];
  const cands = edges.filter((e) => {
    const lo = size === 8 && signed32For64 ? -(1n << 31n) : -(1n << (bits - 1n));
    const hi = size === 8 && signed32For64 ? (1n << 31n) - 1n : (1n << bits) - 1n;
    return e >= lo && e <= hi;
  });
  if (rng.chance(0.6)) return rng.pick(cands);
  const span = size === 8 && signed32For64 ? 32 : size * 8;
  const v = BigInt(rng.int(2 ** Math.min(span - 1, 31)));
  return rng.chance(0.5) ? -v : v;
}

function immText(v: bigint): string {
  return `$${fmt(v)}`;
}

/** Generators of one source line each, one per instruction form of the subset. */
const forms: ((rng: Random) => string)[] = [
  (g) => {
    const s = g.pick(sizes);
    return `mov ${reg(g, s)},${reg(g, s)}`;
  },
  (g) => `${g.pick(['mov', 'add', 'xchg', 'test'])} %${g.pick(legacy8)},%${g.pick(legacy8)}`,
  (g) => `${g.pick(['movzbl', 'movsbl'])} %${g.pick(legacy8)},%${g.pick(r32.slice(0, 8))}`,
  (g) => {
    const s = g.pick(sizes);
    return g.chance(0.5) ? `mov ${mem(g)},${reg(g, s)}` : `mov ${reg(g, s)},${mem(g)}`;
  },
  (g) => {
    const s = g.pick(sizes);
    return `mov ${immText(imm(g, s, false))},${reg(g, s)}`;
  },
  (g) => {
    const s = g.pick(sizes);
    return `mov${suffix[s]} ${immText(imm(g, s))},${mem(g)}`;
  },
  (g) =>
    `movabs ${immText(BigInt.asIntN(64, BigInt(g.int(2 ** 30)) << BigInt(g.int(34))))},${reg(g, 8)}`,
  (g) => {
    const s = g.pick(sizes);
    const acc = bySize[s][0];
    const addr = fmt(BigInt(g.int(2 ** 30)) << BigInt(g.int(33)));
    return g.chance(0.5) ? `movabs ${addr},%${acc}` : `movabs %${acc},${addr}`;
  },
  (g) => {
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
    return `${name} ${g.chance(0.5) ? mem(g) : reg(g, from)},${reg(g, to)}`;
  },
  (g) => {
    const name = g.pick(['movzx', 'movsx']);
    const to = g.pick([2, 4, 8]);
    const from = g.pick([1, 2].filter((f) => f < to));
    return `${name} ${reg(g, from)},${reg(g, to)}`;
  },
  (g) => {
    // The operand-inferred spellings: the destination register gives the size.
    const [name, from, to] = g.pick([
      ['movzb', 1, g.pick([2, 4, 8])],
      ['movzw', 2, g.pick([4, 8])],
      ['movsb', 1, g.pick([2, 4, 8])],
      ['movsw', 2, g.pick([4, 8])],
      ['movsl', 4, 8],
      ['movsxd', 4, 8],
      ['movzx', 1, 4],
      ['movsx', 1, 8],
    ] as const);
    return `${name} ${g.chance(0.5) ? mem(g) : reg(g, from)},${reg(g, to)}`;
  },
  (g) => `lea ${mem(g)},${reg(g, g.pick([2, 4, 8]))}`,
  (g) => {
    const p = g.pick(['{disp8}', '{disp32}']);
    return g.chance(0.5) ? `${p} nopl ${mem(g)}` : `${p} mov ${mem(g)},${reg(g, 8)}`;
  },
  (g) => {
    const op = g.pick(['add', 'or', 'and', 'sub', 'xor', 'cmp', 'test']);
    const s = g.pick(sizes);
    switch (g.int(5)) {
      case 0:
        return `${op} ${reg(g, s)},${reg(g, s)}`;
      case 1:
        return `${op} ${reg(g, s)},${mem(g)}`;
      case 2:
        return `${op} ${mem(g)},${reg(g, s)}`;
      case 3:
        return `${op} ${immText(imm(g, s))},${g.chance(0.3) ? `%${bySize[s][0]}` : reg(g, s)}`;
      default:
        return `${op}${suffix[s]} ${immText(imm(g, s))},${mem(g)}`;
    }
  },
  (g) => {
    const op = g.pick(['inc', 'dec', 'neg', 'not', 'mul', 'imul', 'div', 'idiv']);
    const s = g.pick(sizes);
    return g.chance(0.5) ? `${op} ${reg(g, s)}` : `${op}${suffix[s]} ${mem(g)}`;
  },
  (g) => {
    const op = g.pick(['shl', 'sal', 'shr', 'sar', 'rol', 'ror']);
    const s = g.pick(sizes);
    const dst = g.chance(0.5) ? reg(g, s) : mem(g);
    const sfx = dst.startsWith('%') ? '' : suffix[s];
    const count = g.pick(['', '$1', '%cl', `$${g.int(64)}`, '$0xff']);
    return `${op}${sfx} ${count ? `${count},` : ''}${dst}`;
  },
  (g) => {
    const s = g.pick([2, 4, 8]);
    switch (g.int(3)) {
      case 0:
        return `imul ${g.chance(0.5) ? mem(g) : reg(g, s)},${reg(g, s)}`;
      case 1:
        return `imul ${immText(imm(g, s))},${g.chance(0.5) ? mem(g) : reg(g, s)},${reg(g, s)}`;
      default:
        return `imul ${immText(imm(g, s))},${reg(g, s)}`;
    }
  },
  (g) =>
    g.pick([
      'cqto',
      'cltd',
      'cwtd',
      'cltq',
      'cwtl',
      'cbtw',
      'cqo',
      'cdq',
      'cwd',
      'cdqe',
      'cwde',
      'cbw',
    ]),
  (g) => `bswap ${reg(g, g.pick([4, 8]))}`,
  (g) => {
    const op = g.pick(['push', 'pop']);
    switch (g.int(4)) {
      case 0:
        return `${op} ${reg(g, 8)}`;
      case 1:
        return `${op} ${reg(g, 2)}`;
      case 2:
        return `${op}${g.pick(['q', 'w'])} ${mem(g)}`;
      default:
        return `push ${immText(imm(g, 8))}`;
    }
  },
  (g) => `${g.pick(['call', 'jmp'])} *${g.chance(0.5) ? reg(g, 8) : mem(g)}`,
  (g) =>
    g.pick([
      'ret',
      `ret $${g.int(0x10000)}`,
      'int3',
      'ud2',
      'cpuid',
      'serialize',
      'mfence',
      'lfence',
      'sfence',
      'hlt',
      'pause',
      'iretq',
      'nop',
    ]),
  (g) => {
    const s = g.pick([2, 4, 8]);
    return g.chance(0.5) ? `nop${suffix[s]} ${mem(g)}` : `nop ${reg(g, s)}`;
  },
  (g) =>
    g.pick([
      'nopl 0x0(%rax,%rax,1)',
      'nopw 0x0(%rax,%rax,1)',
      'nopl 0x0(%rax)',
      'nopl 0x00000000(%rax)',
      'xchg %ax,%ax',
      '.byte 0x66,0x66,0x90',
      '.byte 0x66,0x66,0x2e,0x0f,0x1f,0x84,0,0,0,0,0',
    ]),
  (g) => {
    const s = g.pick(sizes);
    const op = g.pick(['xchg', 'xadd', 'cmpxchg']);
    if (op === 'xchg' && g.chance(0.4))
      return `xchg ${g.chance(0.5) ? `%${bySize[s][0]}` : reg(g, s)},${reg(g, s)}`;
    return `${g.chance(0.5) ? 'lock ' : ''}${op} ${reg(g, s)},${g.chance(0.7) ? mem(g) : reg(g, s)}`.replace(
      /lock (\S+ %\w+,%\w+)$/,
      '$1',
    );
  },
  (g) => {
    const op = g.pick(['add', 'or', 'and', 'sub', 'xor']);
    const s = g.pick(sizes);
    return g.chance(0.5)
      ? `lock ${op} ${reg(g, s)},${mem(g)}`
      : `lock ${op}${suffix[s]} ${immText(imm(g, s))},${mem(g)}`;
  },
  (g) => `lock ${g.pick(['inc', 'dec', 'neg', 'not'])}${suffix[g.pick(sizes)]} ${mem(g)}`,
];

/**
 * `count` source lines (plus branch targets and alignment directives)
 * covering every form of the subset; labels are `.L` locals so objdump
 * prints no symbol headers.
 */
export function encodingCases(rng: Random, count: number): string[] {
  const lines: string[] = [];
  let labels = 0;
  for (let i = 0; i < count; i++) {
    const k = rng.int(forms.length + 3);
    if (k < forms.length) {
      lines.push(forms[k](rng));
    } else if (k === forms.length) {
      // Branches to labels at varying distances, backward and forward, so relaxation picks both forms.
      const name = rng.pick(['jmp', 'call', ...conditions.map((c) => `j${c}`)]);
      const back = rng.chance(0.5) && labels > 0;
      lines.push(
        `${rng.chance(0.1) ? '{disp32} ' : ''}${name} .L${back ? labels - 1 - rng.int(Math.min(labels, 3)) : labels + rng.int(3)}f`.replace(
          /f$/,
          '',
        ),
      );
    } else if (k === forms.length + 1) {
      lines.push(`.L${labels++}:`);
    } else {
      lines.push(
        rng.pick([
          '.p2align 4',
          '.balign 8',
          '.align 16',
          '.p2align 5,,7',
          '.p2align 3,0xcc',
          '.byte 0x90,0xcc',
        ]),
      );
    }
  }
  for (let l = labels; l < labels + 3; l++) lines.push(`.L${l}:`);
  return lines;
}

/**
 * Random byte windows (prefixes, REX, one- and two-byte opcodes, random
 * operand bytes) cut to the instructions the decoder accepts, concatenated:
 * every redundant-prefix and odd-REX combination objdump has an opinion on.
 */
export function decodableBytes(
  rng: Random,
  count: number,
  decode: (window: Uint8Array) => number,
): Uint8Array {
  const out: number[] = [];
  for (let n = 0; n < count; ) {
    const w: number[] = [];
    for (let k = rng.int(3); k > 0; k--) w.push(rng.pick([0x66, 0xf0, 0xf3, 0x2e, 0x66]));
    if (rng.chance(0.5)) w.push(0x40 + rng.int(16));
    if (rng.chance(0.2)) w.push(0x0f);
    while (w.length < 15) w.push(rng.int(256));
    const length = decode(new Uint8Array(w));
    if (length > 0) {
      out.push(...w.slice(0, length));
      n++;
    }
  }
  return new Uint8Array(out);
}
