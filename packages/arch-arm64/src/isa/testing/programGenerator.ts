/**
 * Generates self-contained A64 test programs for the differential
 * execution test against qemu-aarch64: each sets every register and the
 * flags, runs a random straight-line or branchy body (forward branches,
 * counted loops, BR) using only the unprivileged deterministic subset,
 * then writes its data window, registers, SP, NZCV and stack window to
 * stdout with the `write` system call. Memory accesses stay inside the
 * window addressed by x28 (x27 is the write-back pointer, x26 the index,
 * x25 the loop counter).
 *
 * @module
 */
import { conditionNames } from '../conditions';
import { lseNames } from '../loadStore';
import type { Random } from './random';

/** Bytes each program's dump writes: data window, register dump, stack. */
export const DUMP_BYTES = 2048;
/** Offset of the register dump (x0..x30, sp, nzcv) in the dump. */
export const REGISTER_DUMP_OFFSET = 512;

const hex = (v: bigint) => `#0x${v.toString(16)}`;

function bitmask(rng: Random, wide: boolean): bigint {
  const width = wide ? 64 : 32;
  const esize = rng.pick([2, 4, 8, 16, 32, 64].filter((e) => e <= width));
  const ones = rng.range(1, esize - 1);
  const rot = rng.int(esize);
  const mask = (1n << BigInt(esize)) - 1n;
  let elem = (1n << BigInt(ones)) - 1n;
  elem = ((elem >> BigInt(rot)) | (elem << BigInt(esize - rot))) & mask;
  let v = 0n;
  for (let i = 0; i < width; i += esize) v |= elem << BigInt(i);
  return v;
}

function random64(rng: Random): bigint {
  const special = [
    0n,
    1n,
    0x7fffffffffffffffn,
    0x8000000000000000n,
    0xffffffffffffffffn,
    0xffffffffn,
    0x80000000n,
  ];
  if (rng.chance(0.3)) return rng.pick(special);
  return (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
}

/** One body instruction (possibly a few lines) that writes only x0..x24 and the window. */
function simple(rng: Random): string[] {
  const wide = rng.chance(0.6);
  const p = wide ? 'x' : 'w';
  const dst = () => `${p}${rng.range(0, 24)}`;
  const src = () => (rng.chance(0.05) ? `${p}zr` : `${p}${rng.range(0, 28)}`);
  const width = wide ? 64 : 32;
  const shiftText = (ror: boolean) =>
    rng.chance(0.4)
      ? ''
      : `, ${rng.pick(ror ? ['lsl', 'lsr', 'asr', 'ror'] : ['lsl', 'lsr', 'asr'])} #${rng.range(0, width - 1)}`;
  const cond = () => rng.pick(conditionNames.slice(0, 14));
  switch (rng.int(23)) {
    case 0:
      return [
        `${rng.pick(['add', 'sub', 'adds', 'subs'])} ${dst()}, ${p}${rng.range(0, 28)}, #${rng.range(0, 4095)}${rng.chance(0.2) ? ', lsl #12' : ''}`,
      ];
    case 1:
      return [
        `${rng.pick(['add', 'sub', 'adds', 'subs'])} ${dst()}, ${src()}, ${src()}${shiftText(false)}`,
      ];
    case 2: {
      const ext = rng.pick(['uxtb', 'uxth', 'uxtw', 'sxtb', 'sxth', 'sxtw']);
      return [
        `${rng.pick(['add', 'sub', 'adds', 'subs'])} ${dst()}, ${p}${rng.range(0, 28)}, w${rng.range(0, 28)}, ${ext} #${rng.range(0, 4)}`,
      ];
    }
    case 3:
      return [
        rng.chance(0.5)
          ? `${rng.pick(['cmp', 'cmn'])} ${p}${rng.range(0, 28)}, #${rng.range(0, 4095)}`
          : `${rng.pick(['cmp', 'cmn', 'tst'])} ${src()}, ${src()}${shiftText(false)}`,
      ];
    case 4:
      return [
        `${rng.pick(['and', 'orr', 'eor', 'ands', 'bic', 'orn', 'eon', 'bics'])} ${dst()}, ${src()}, ${src()}${shiftText(true)}`,
      ];
    case 5:
      return [
        `${rng.pick(['and', 'orr', 'eor', 'ands'])} ${dst()}, ${src()}, ${hex(bitmask(rng, wide))}`,
      ];
    case 6: {
      const kind = rng.int(4);
      if (kind === 0) return [`mov ${dst()}, ${hex(bitmask(rng, wide))}`];
      if (kind === 1) return [`mov ${dst()}, #${rng.range(-65536, 65535)}`];
      if (kind === 2)
        return [`movk ${dst()}, #${rng.range(0, 0xffff)}, lsl #${16 * rng.int(width / 16)}`];
      return [`${rng.pick(['mvn', 'neg', 'negs'])} ${dst()}, ${src()}${shiftText(false)}`];
    }
    case 7:
      return [
        `${rng.pick(['lsl', 'lsr', 'asr', 'ror'])} ${dst()}, ${src()}, ${rng.chance(0.4) ? src() : `#${rng.range(0, width - 1)}`}`,
      ];
    case 8: {
      const lsb = rng.range(0, width - 1);
      return [
        `${rng.pick(['sbfx', 'ubfx', 'bfxil', 'sbfiz', 'ubfiz', 'bfi'])} ${dst()}, ${src()}, #${lsb}, #${rng.range(1, width - lsb)}`,
      ];
    }
    case 9: {
      const op = rng.pick(['sxtb', 'sxth', 'sxtw', 'uxtb', 'uxth']);
      const d =
        op === 'sxtw' || (op.startsWith('s') && wide)
          ? `x${rng.range(0, 24)}`
          : `w${rng.range(0, 24)}`;
      return [`${op} ${d}, w${rng.range(0, 28)}`];
    }
    case 10:
      return [`extr ${dst()}, ${src()}, ${src()}, #${rng.range(0, width - 1)}`];
    case 11:
      return [
        `${rng.pick(wide ? ['rev', 'rev16', 'rev32', 'rbit', 'clz', 'cls'] : ['rev', 'rev16', 'rbit', 'clz', 'cls'])} ${dst()}, ${src()}`,
      ];
    case 12:
      if (rng.chance(0.3))
        return [`${rng.pick(['adc', 'adcs', 'sbc', 'sbcs'])} ${dst()}, ${src()}, ${src()}`];
      if (rng.chance(0.3)) {
        const operand = rng.chance(0.5) ? src() : `#${rng.range(0, 31)}`;
        return [
          `${rng.pick(['ccmp', 'ccmn'])} ${src()}, ${operand}, #${rng.range(0, 15)}, ${rng.pick(conditionNames)}`,
        ];
      }
      return [`${rng.pick(['mul', 'mneg', 'udiv', 'sdiv'])} ${dst()}, ${src()}, ${src()}`];
    case 13:
      if (wide && rng.chance(0.5))
        return [`${rng.pick(['smulh', 'umulh'])} ${dst()}, ${src()}, ${src()}`];
      if (wide && rng.chance(0.5)) {
        const wn = () => `w${rng.range(0, 28)}`;
        const op = rng.pick(['smaddl', 'smsubl', 'umaddl', 'umsubl']);
        return [`${op} ${dst()}, ${wn()}, ${wn()}, ${src()}`];
      }
      return [`${rng.pick(['madd', 'msub'])} ${dst()}, ${src()}, ${src()}, ${src()}`];
    case 14:
      if (rng.chance(0.5))
        return [
          `${rng.pick(['csel', 'csinc', 'csinv', 'csneg'])} ${dst()}, ${src()}, ${src()}, ${rng.pick(conditionNames)}`,
        ];
      if (rng.chance(0.5)) return [`${rng.pick(['cset', 'csetm'])} ${dst()}, ${cond()}`];
      return [`${rng.pick(['cinc', 'cinv', 'cneg'])} ${dst()}, ${src()}, ${cond()}`];
    case 15:
    case 16:
      return memory(rng);
    case 17:
      return atomicAccess(rng);
    case 18:
      return [
        rng.pick([
          'nop',
          'dmb ish',
          'dsb sy',
          'isb',
          'dmb ishld',
          'dsb ishst',
          'yield',
          'hint #34',
          'sev',
          'prfm pldl1keep, [x28, #8]',
        ]),
      ];
    case 19:
      return [
        rng.chance(0.5) ? `mrs x${rng.range(0, 24)}, nzcv` : `msr nzcv, x${rng.range(0, 28)}`,
      ];
    case 20:
      return [`${rng.pick(['adr', 'adrp'])} x${rng.range(0, 24)}, P0`];
    case 21: {
      const a = rng.range(0, 24);
      const b = (a + rng.range(1, 23)) % 25;
      return [
        rng.pick([
          `str x${a}, [sp, #-16]!`,
          `ldr x${a}, [sp], #16`,
          `stp x${a}, x${b}, [sp, #-16]!`,
          `ldp x${a}, x${b}, [sp], #16`,
          `ldr x${a}, [sp, #${rng.range(0, 31) * 8}]`,
          `add x${a}, sp, #${rng.range(0, 64)}`,
          `sub sp, sp, #${rng.range(1, 4) * 16}`,
        ]),
      ];
    }
    default: {
      const a = rng.range(0, 24);
      let b = rng.range(0, 24);
      if (a === b) b = (b + 1) % 25;
      const off = rng.range(-32, 30) * 8;
      const op = rng.pick(['ldp', 'stp', 'ldpsw', 'ldnp', 'stnp']);
      if (op === 'ldpsw') return [`ldpsw x${a}, x${b}, [x28, #${off}]`];
      return [`${op} ${p}${a}, ${p}${b}, [x28, #${wide ? off : off / 2}]`];
    }
  }
}

/** A load or store into the window in one of the addressing modes. */
function memory(rng: Random): string[] {
  const stem = rng.pick(['ldr', 'str', 'ldrb', 'strb', 'ldrh', 'strh', 'ldrsb', 'ldrsh', 'ldrsw']);
  const size = stem.endsWith('b')
    ? 0
    : stem.endsWith('h')
      ? 1
      : stem === 'ldrsw'
        ? 2
        : rng.range(2, 3);
  const wide =
    stem === 'ldrsw' || size === 3 || ((stem === 'ldrsb' || stem === 'ldrsh') && rng.chance(0.5));
  const rt = `${wide ? 'x' : 'w'}${rng.range(0, 24)}`;
  switch (rng.int(4)) {
    case 0:
      return [
        `${stem} ${rt}, [x28, #${rng.chance(0.5) ? rng.range(-256, 248) : rng.range(0, 255 >> size) << size}]`,
      ];
    case 1: {
      const k = rng.range(-16, 15);
      const s = rng.chance(0.5) ? size : 0;
      const form = rng.pick(['lsl', 'sxtw', 'uxtw']);
      if (form === 'uxtw')
        return [`mov w26, #${Math.abs(k)}`, `${stem} ${rt}, [x28, w26, uxtw #${s}]`];
      if (form === 'sxtw') return [`mov w26, #${k}`, `${stem} ${rt}, [x28, w26, sxtw #${s}]`];
      return [`mov x26, #${k}`, `${stem} ${rt}, [x28, x26, lsl #${s}]`];
    }
    default: {
      const imm = rng.range(-128, 120);
      const form = rng.chance(0.5) ? `[x27, #${imm}]!` : `[x27], #${imm}`;
      return [`add x27, x28, #${rng.range(0, 64)}`, `${stem} ${rt}, ${form}`];
    }
  }
}

/** Ordered, exclusive and LSE accesses at an aligned window address. */
function atomicAccess(rng: Random): string[] {
  const suffix = rng.pick(['', '', 'b', 'h']);
  const wide = suffix === '' && rng.chance(0.5);
  const p = wide ? 'x' : 'w';
  const set = [`add x27, x28, #${rng.range(0, 16) * 8}`];
  const a = rng.range(0, 24);
  const b = (a + rng.range(1, 23)) % 25;
  switch (rng.int(5)) {
    case 0:
      return [...set, `${rng.pick(['ldar', 'stlr'])}${suffix} ${p}${a}, [x27]`];
    case 1:
      if (suffix) return [...set, `ldar${suffix} w${a}, [x27]`];
      return [
        ...set,
        `${rng.pick(['ldxr', 'ldaxr'])} ${p}${a}, [x27]`,
        `${rng.pick(['stxr', 'stlxr'])} w${b}, ${p}${a}, [x27]`,
      ];
    case 2: {
      const order = rng.pick(['', 'a', 'l', 'al']);
      return [
        ...set,
        `ld${rng.pick(lseNames)}${order}${suffix} ${p}${rng.range(0, 28)}, ${p}${a}, [x27]`,
      ];
    }
    case 3:
      return [
        ...set,
        `swp${rng.pick(['', 'a', 'l', 'al'])}${suffix} ${p}${rng.range(0, 28)}, ${p}${a}, [x27]`,
      ];
    default:
      return [
        ...set,
        `cas${rng.pick(['', 'a', 'l', 'al'])}${suffix} ${p}${a}, ${p}${rng.range(0, 28)}, [x27]`,
      ];
  }
}

/** The body: simple instructions, forward branches, counted loops and BR jumps. */
function body(rng: Random, length: number): string[] {
  const out: string[] = [];
  while (out.length < length) {
    const kind = rng.int(10);
    if (kind === 0) {
      const wide = rng.chance(0.5);
      const r = `${wide ? 'x' : 'w'}${rng.range(0, 28)}`;
      out.push(
        rng.pick([
          `b.${rng.pick(conditionNames)} 1f`,
          `cbz ${r}, 1f`,
          `cbnz ${r}, 1f`,
          `tbz ${r}, #${rng.range(0, wide ? 63 : 31)}, 1f`,
          `tbnz ${r}, #${rng.range(0, wide ? 63 : 31)}, 1f`,
          'b 1f',
        ]),
      );
      for (let i = rng.range(1, 3); i > 0; i--) out.push(...simple(rng));
      out.push('1:');
    } else if (kind === 1) {
      out.push(`mov x25, #${rng.range(1, 5)}`, '2:');
      for (let i = rng.range(1, 4); i > 0; i--) out.push(...simple(rng));
      out.push('subs x25, x25, #1', 'b.ne 2b');
    } else if (kind === 2) {
      out.push('adr x24, 3f', 'br x24', ...simple(rng), '3:');
    } else {
      out.push(...simple(rng));
    }
  }
  return out;
}

/** One program: register and flag set-up, body, dump. `index` names its entry label `P{index}`. */
function program(rng: Random, index: number): string[] {
  const out = [
    `P${index}:`,
    `mov x28, #0x${DATA_ADDRESS.toString(16)}`,
    'add x28, x28, #256',
    'add x9, x28, #1792',
    'mov sp, x9',
  ];
  for (let r = 0; r <= 30; r++) {
    if (r === 28) continue;
    const v = random64(rng);
    out.push(`movz x${r}, #${Number(v & 0xffffn)}`);
    for (let hw = 1; hw < 4; hw++)
      out.push(`movk x${r}, #${Number((v >> BigInt(16 * hw)) & 0xffffn)}, lsl #${16 * hw}`);
  }
  out.push(`msr nzcv, x${rng.range(0, 27)}`);
  out.push(...body(rng, rng.range(8, 40)));
  for (let r = 0; r <= 30; r++)
    out.push(`str x${r}, [x28, #${REGISTER_DUMP_OFFSET - 256 + 8 * r}]`);
  out.push('mov x0, sp', `str x0, [x28, #${REGISTER_DUMP_OFFSET - 256 + 8 * 31}]`);
  out.push('mrs x0, nzcv', `str x0, [x28, #${REGISTER_DUMP_OFFSET - 256 + 8 * 32}]`);
  out.push('mov x0, #1', 'sub x1, x28, #256', `mov x2, #${DUMP_BYTES}`, 'mov x8, #64', 'svc #0');
  return out;
}

/** Address of the data window and stack (the linker's `-Tdata`); twice the dump so stack pops stay mapped. */
export const DATA_ADDRESS = 0x500000;
/** Size of the data area. */
export const DATA_BYTES = 2 * DUMP_BYTES;

/** The code of a whole test: `_start`, `count` programs run in sequence, `exit(0)`. */
export function generatePrograms(rng: Random, count: number): string {
  const lines = ['.text', '.globl _start', '_start:'];
  for (let i = 0; i < count; i++) lines.push(...program(rng, i));
  lines.push('mov x0, #0', 'mov x8, #93', 'svc #0');
  return `${lines.join('\n')}\n`;
}
