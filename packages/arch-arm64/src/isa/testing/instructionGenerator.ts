/**
 * Generates A64 source lines covering every form of the subset with edge
 * immediates and every register class, for the differential test against
 * GNU `as` and objdump.
 *
 * @module
 */

import { BarrierOption } from '../barriers';
import { conditionNames } from '../conditions';
import { lseNames } from '../loadStore';
import { sysOperations } from '../system';
import { SystemRegister } from '../systemRegisters';
import type { Random } from './random';

const shifts = ['lsl', 'lsr', 'asr'];
const readOnly = new Set([
  'ctr_el0',
  'cntvct_el0',
  'cntpct_el0',
  'dczid_el0',
  'midr_el1',
  'mpidr_el1',
  'revidr_el1',
  'currentel',
  'clidr_el1',
  'ccsidr_el1',
  'id_aa64pfr0_el1',
  'id_aa64isar0_el1',
  'id_aa64mmfr0_el1',
  'id_aa64mmfr1_el1',
]);
/** System registers GNU as accepts only beyond -march=armv8.1-a. */
const laterArch = new Set(['uao']);
const systemRegisterNames = Object.keys(SystemRegister)
  .map((k) => k.toLowerCase())
  .filter((name) => !laterArch.has(name));
const extendsW = ['uxtb', 'uxth', 'uxtw', 'sxtb', 'sxth', 'sxtw'];

/** Generates `count` instruction lines; branch targets use the labels `L0` … `L{labels-1}`. */
export function generateInstructions(rng: Random, count: number, labels: number): string[] {
  const n = () => rng.range(0, 30);
  const x = () => (rng.chance(0.1) ? 'xzr' : `x${n()}`);
  const w = () => (rng.chance(0.1) ? 'wzr' : `w${n()}`);
  const xs = () => (rng.chance(0.15) ? 'sp' : `x${n()}`);
  const ws = () => (rng.chance(0.15) ? 'wsp' : `w${n()}`);
  const r = (wide: boolean) => (wide ? x() : w());
  const rsp = (wide: boolean) => (wide ? xs() : ws());
  const label = () => `L${rng.int(labels)}`;
  const edge = (max: number) => rng.pick([0, 1, max, max - 1, rng.range(0, max)]);
  const cond = () => rng.pick(conditionNames);
  const shiftText = (wide: boolean, ror: boolean) => {
    if (rng.chance(0.3)) return '';
    const type = rng.pick(ror ? [...shifts, 'ror'] : shifts);
    return `, ${type} #${edge(wide ? 63 : 31)}`;
  };
  const bitmask = (wide: boolean): bigint => {
    const width = wide ? 64 : 32;
    const esize = rng.pick([2, 4, 8, 16, 32, 64].filter((e) => e <= width));
    const ones = rng.range(1, esize - 1);
    const rot = rng.int(esize);
    let elem = (1n << BigInt(ones)) - 1n;
    const mask = (1n << BigInt(esize)) - 1n;
    elem = ((elem >> BigInt(rot)) | (elem << BigInt(esize - rot))) & mask;
    let v = 0n;
    for (let i = 0; i < width; i += esize) v |= elem << BigInt(i);
    return v;
  };
  const hex = (v: bigint) => `#0x${v.toString(16)}`;

  const forms: (() => string)[] = [
    () => {
      const wide = rng.chance(0.5);
      const s = rng.chance(0.4);
      const op = rng.pick(['add', 'sub']) + (s ? 's' : '');
      const imm = rng.chance(0.15) ? -rng.range(1, 4095) : edge(4095);
      const lsl = rng.chance(0.25) ? ', lsl #12' : '';
      return `${op} ${s ? r(wide) : rsp(wide)}, ${rsp(wide)}, #${imm}${lsl}`;
    },
    () =>
      `${rng.pick(['cmp', 'cmn'])} ${rsp(rng.chance(0.5))}, #${edge(4095)}${rng.chance(0.2) ? ', lsl #12' : ''}`,
    () => {
      const wide = rng.chance(0.5);
      const kind = rng.int(4);
      const width = wide ? 64 : 32;
      const hw = BigInt(16 * rng.int(width / 16));
      const half = BigInt(rng.pick([0, 1, 0xffff, rng.int(0x10000)]));
      const all = (1n << BigInt(width)) - 1n;
      const v =
        kind === 0
          ? half << hw
          : kind === 1
            ? ~(half << hw) & all
            : kind === 2
              ? bitmask(wide)
              : -BigInt(rng.range(1, 65536));
      return `mov ${kind === 2 ? `${wide ? 'x' : 'w'}${n()}` : r(wide)}, ${kind === 3 ? `#${v}` : hex(v)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      return `mov ${wide ? 'sp' : 'wsp'}, ${hex(bitmask(wide))}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const hw = rng.int(wide ? 4 : 2) * 16;
      return `${rng.pick(['movz', 'movn', 'movk'])} ${r(wide)}, ${hex(BigInt(edge(0xffff)))}${hw || rng.chance(0.3) ? `, lsl #${hw}` : ''}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(['and', 'orr', 'eor', 'ands']);
      return `${op} ${op === 'ands' ? r(wide) : rsp(wide)}, ${r(wide)}, ${hex(bitmask(wide))}`;
    },
    () => {
      const wide = rng.chance(0.5);
      return `tst ${r(wide)}, ${hex(bitmask(wide))}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(['and', 'orr', 'eor', 'ands', 'bic', 'orn', 'eon', 'bics']);
      return `${op} ${r(wide)}, ${r(wide)}, ${r(wide)}${shiftText(wide, true)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(['mov', 'mvn', 'tst']);
      if (op === 'mov') return `mov ${r(wide)}, ${r(wide)}`;
      return `${op} ${r(wide)}, ${r(wide)}${shiftText(wide, true)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      return `mov ${rng.chance(0.5) ? (wide ? 'sp' : 'wsp') : rsp(wide)}, ${wide ? 'sp' : 'wsp'}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(['add', 'sub', 'adds', 'subs']);
      return `${op} ${r(wide)}, ${r(wide)}, ${r(wide)}${shiftText(wide, false)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(['cmp', 'cmn', 'neg', 'negs']);
      return `${op} ${r(wide)}, ${r(wide)}${shiftText(wide, false)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const s = rng.chance(0.4);
      const op = rng.pick(['add', 'sub']) + (s ? 's' : '');
      const ext = rng.pick(wide ? [...extendsW, 'uxtx', 'sxtx'] : extendsW);
      const rm = ext.endsWith('x') ? x() : w();
      const amount = rng.chance(0.4) ? '' : ` #${rng.range(0, 4)}`;
      return `${op} ${s ? r(wide) : rsp(wide)}, ${rsp(wide)}, ${rm}, ${ext}${amount}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const amount = rng.chance(0.5) ? '' : `, lsl #${rng.range(0, 4)}`;
      return rng.chance(0.5)
        ? `add ${wide ? 'sp' : 'wsp'}, ${rsp(wide)}, ${r(wide)}${amount}`
        : `cmp ${wide ? 'sp' : 'wsp'}, ${r(wide)}${amount}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(['lsl', 'lsr', 'asr', 'ror']);
      return `${op} ${r(wide)}, ${r(wide)}, ${rng.chance(0.3) ? r(wide) : `#${edge(wide ? 63 : 31)}`}`;
    },
    () => {
      const wide = rng.chance(0.5);
      return `${rng.pick(['lslv', 'lsrv', 'asrv', 'rorv', 'udiv', 'sdiv', 'mul', 'mneg'])} ${r(wide)}, ${r(wide)}, ${r(wide)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const width = wide ? 64 : 32;
      const lsb = edge(width - 1);
      const bits = rng.range(1, width - lsb);
      const op = rng.pick(['sbfx', 'ubfx', 'bfxil', 'sbfiz', 'ubfiz', 'bfi']);
      return `${op} ${r(wide)}, ${r(wide)}, #${lsb}, #${bits}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const width = wide ? 64 : 32;
      return `${rng.pick(['sbfm', 'ubfm', 'bfm'])} ${r(wide)}, ${r(wide)}, #${edge(width - 1)}, #${edge(width - 1)}`;
    },
    () => {
      const op = rng.pick(['sxtb', 'sxth', 'sxtw', 'uxtb', 'uxth']);
      const wide = op === 'sxtw' || (op.startsWith('s') && rng.chance(0.5));
      return `${op} ${r(wide)}, ${w()}`;
    },
    () => {
      const wide = rng.chance(0.5);
      return `extr ${r(wide)}, ${r(wide)}, ${r(wide)}, #${edge(wide ? 63 : 31)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(
        wide
          ? ['rev', 'rev16', 'rev32', 'rbit', 'clz', 'cls']
          : ['rev', 'rev16', 'rbit', 'clz', 'cls'],
      );
      return `${op} ${r(wide)}, ${r(wide)}`;
    },
    () => {
      const wide = rng.chance(0.5);
      return `${rng.pick(['madd', 'msub'])} ${r(wide)}, ${r(wide)}, ${r(wide)}, ${r(wide)}`;
    },
    () => `${rng.pick(['smulh', 'umulh'])} ${x()}, ${x()}, ${x()}`,
    () => {
      const wide = rng.chance(0.5);
      const op = rng.pick(['adc', 'adcs', 'sbc', 'sbcs', 'ngc', 'ngcs']);
      return `${op} ${r(wide)}, ${r(wide)}${op.startsWith('ngc') ? '' : `, ${r(wide)}`}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const operand = rng.chance(0.5) ? r(wide) : `#${edge(31)}`;
      return `${rng.pick(['ccmp', 'ccmn'])} ${r(wide)}, ${operand}, #${edge(15)}, ${cond()}`;
    },
    () => {
      const op = rng.pick([
        'smaddl',
        'smsubl',
        'umaddl',
        'umsubl',
        'smull',
        'smnegl',
        'umull',
        'umnegl',
      ]);
      return `${op} ${x()}, ${w()}, ${w()}${op.includes('dl') || op.includes('bl') ? `, ${x()}` : ''}`;
    },
    () => {
      const wide = rng.chance(0.5);
      return `${rng.pick(['csel', 'csinc', 'csinv', 'csneg'])} ${r(wide)}, ${r(wide)}, ${r(wide)}, ${cond()}`;
    },
    () => {
      const wide = rng.chance(0.5);
      const c = rng.pick(conditionNames.slice(0, 14));
      if (rng.chance(0.5)) return `${rng.pick(['cset', 'csetm'])} ${r(wide)}, ${c}`;
      return `${rng.pick(['cinc', 'cinv', 'cneg'])} ${r(wide)}, ${r(wide)}, ${c}`;
    },
    () => `${rng.pick(['adr', 'adrp'])} ${x()}, ${label()}`,
    () => {
      const stem = rng.pick([
        'ldr',
        'str',
        'ldrb',
        'strb',
        'ldrh',
        'strh',
        'ldrsb',
        'ldrsh',
        'ldrsw',
      ]);
      const size = stem.endsWith('b')
        ? 0
        : stem.endsWith('h')
          ? 1
          : stem === 'ldrsw'
            ? 2
            : rng.int(2) + 2;
      const wide =
        stem === 'ldrsw' ||
        ((stem === 'ldrsb' || stem === 'ldrsh') && rng.chance(0.5)) ||
        size === 3;
      const scale = 1 << size;
      const rt = r(wide);
      const drawn = xs();
      // Write-back with Rt == Rn is CONSTRAINED UNPREDICTABLE; keep the base distinct.
      const base = drawn.slice(1) === rt.slice(1) ? 'sp' : drawn;
      switch (rng.int(6)) {
        case 0:
          return `${stem} ${rt}, [${base}, #${edge(4095) * scale}]`;
        case 1:
          return `${stem} ${rt}, [${base}${rng.chance(0.5) ? '' : `, #${rng.range(-256, 255)}`}]`;
        case 2:
          return `${stem} ${rt}, [${base}, #${rng.range(-256, 255)}]!`;
        case 3:
          return `${stem} ${rt}, [${base}], #${rng.range(-256, 255)}`;
        case 4: {
          const ext = rng.pick(['lsl', 'uxtw', 'sxtw', 'sxtx', '']);
          const rm = ext === 'uxtw' || ext === 'sxtw' ? w() : x();
          const amt = rng.chance(0.5) ? size : 0;
          if (ext === '') return `${stem} ${rt}, [${base}, ${rm}]`;
          if (ext === 'lsl') return `${stem} ${rt}, [${base}, ${rm}, lsl #${amt}]`;
          return `${stem} ${rt}, [${base}, ${rm}, ${ext}${rng.chance(0.5) ? ` #${amt}` : ''}]`;
        }
        default:
          return `${stem.replace('r', 'ur')} ${rt}, [${base}, #${rng.range(-256, 255)}]`;
      }
    },
    () => {
      const op = rng.pick(['pldl1keep', 'pstl2strm', 'plil3keep', `#${rng.range(0, 31)}`]);
      switch (rng.int(4)) {
        case 0:
          return `prfm ${op}, [${xs()}, #${edge(4095) * 8}]`;
        case 1:
          return `prfum ${op}, [${xs()}, #${rng.range(-256, 255)}]`;
        case 2:
          return `prfm ${op}, [${xs()}, ${x()}${rng.chance(0.5) ? ', lsl #3' : ''}]`;
        default:
          return `prfm ${op}, ${label()}`;
      }
    },
    () => {
      const wide = rng.chance(0.5);
      const a = rng.range(0, 30);
      const b = (a + rng.range(1, 29)) % 31;
      const imm = rng.range(-64, 63) * (wide ? 8 : 4);
      return `${rng.pick(['ldnp', 'stnp'])} ${wide ? 'x' : 'w'}${a}, ${wide ? 'x' : 'w'}${b}, [${xs()}, #${imm}]`;
    },
    () => {
      const op = rng.pick(['ldr w', 'ldr x', 'ldrsw x']);
      return `${op}${n()}, ${label()}`;
    },
    () => {
      const op = rng.pick(['ldp', 'stp', 'ldpsw']);
      const wide = op === 'ldpsw' ? true : rng.chance(0.5);
      const scale = op === 'ldpsw' || !wide ? 4 : 8;
      const a = rng.range(0, 30);
      let b = rng.range(0, 30);
      if (b === a) b = (a + 1) % 31;
      const base = rng.chance(0.5) ? 'sp' : `x${(b + 1) % 31 === a ? (b + 2) % 31 : (b + 1) % 31}`;
      const rt = wide ? `x${a}` : `w${a}`;
      const rt2 = wide ? `x${b}` : `w${b}`;
      const imm = rng.range(-64, 63) * scale;
      switch (rng.int(3)) {
        case 0:
          return `${op} ${rt}, ${rt2}, [${base}, #${imm}]`;
        case 1:
          return `${op} ${rt}, ${rt2}, [${base}, #${imm}]!`;
        default:
          return `${op} ${rt}, ${rt2}, [${base}], #${imm}`;
      }
    },
    () => {
      const suffix = rng.pick(['', 'b', 'h']);
      const wide = suffix === '' && rng.chance(0.5);
      const op = rng.pick(['ldar', 'stlr', 'ldlar', 'stllr']) + suffix;
      return `${op} ${r(wide)}, [${xs()}]`;
    },
    () => {
      const wide = rng.chance(0.5);
      const a = rng.range(0, 30);
      const b = (a + rng.range(1, 29)) % 31;
      const c = rng.chance(0.5) ? 'sp' : `x${(b + 1) % 31 === a ? (b + 2) % 31 : (b + 1) % 31}`;
      if (rng.chance(0.5)) return `${rng.pick(['ldxr', 'ldaxr'])} ${wide ? 'x' : 'w'}${a}, [${c}]`;
      return `${rng.pick(['stxr', 'stlxr'])} w${b}, ${wide ? 'x' : 'w'}${a}, [${c}]`;
    },
    () => {
      const suffix = rng.pick(['', '', 'b', 'h']);
      const order = rng.pick(['', 'a', 'l', 'al']);
      const wide = suffix === '' && rng.chance(0.5);
      const kind = rng.int(4);
      if (kind === 0) return `swp${order}${suffix} ${r(wide)}, ${r(wide)}, [${xs()}]`;
      if (kind === 1) return `cas${order}${suffix} ${r(wide)}, ${r(wide)}, [${xs()}]`;
      const stem = rng.pick(lseNames);
      if (kind === 2 && order !== 'a' && order !== 'al')
        return `st${stem}${order}${suffix} ${r(wide)}, [${xs()}]`;
      return `ld${stem}${order}${suffix} ${r(wide)}, ${r(wide)}, [${xs()}]`;
    },
    () => `${rng.pick(['b', 'bl'])} ${label()}`,
    () => `b.${cond()} ${label()}`,
    () => `${rng.pick(['cbz', 'cbnz'])} ${r(rng.chance(0.5))}, ${label()}`,
    () => {
      const wide = rng.chance(0.5);
      return `${rng.pick(['tbz', 'tbnz'])} ${wide ? `x${n()}` : `w${n()}`}, #${rng.range(wide ? 32 : 0, wide ? 63 : 31)}, ${label()}`;
    },
    () => {
      const op = rng.pick(['br', 'blr', 'ret']);
      return op === 'ret' && rng.chance(0.5) ? 'ret' : `${op} x${n()}`;
    },
    () =>
      rng.pick([
        'nop',
        'isb',
        'eret',
        'ssbb',
        'pssbb',
        'ic iallu',
        'ic ialluis',
        'yield',
        'wfe',
        'wfi',
        'sev',
        'sevl',
      ]),
    () => `hint #${rng.range(0, 127)}`,
    () => {
      const names = Object.keys(BarrierOption).map((k) => k.toLowerCase());
      const option = rng.chance(0.7) ? rng.pick(names) : `#${rng.range(0, 15)}`;
      return `${rng.pick(['dmb', 'dsb'])} ${option}`;
    },
    () => {
      const op = rng.pick(sysOperations);
      return `${op.mnemonic} ${op.name}${op.hasRt ? `, x${n()}` : ''}`;
    },
    () => {
      const name = rng.pick(systemRegisterNames);
      if (readOnly.has(name) || rng.chance(0.5)) return `mrs x${n()}, ${name}`;
      return `msr ${name}, ${x()}`;
    },
    () => `${rng.pick(['svc', 'brk', 'udf'])} #${edge(0xffff)}`,
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(forms[i % forms.length]());
  return out;
}

/** Every instance of the small enumerated forms: system registers, SYS operations, barrier options, hints, conditions. */
export function enumeratedInstructions(): string[] {
  const out: string[] = [];
  for (const name of systemRegisterNames) {
    out.push(`mrs x1, ${name}`);
    if (!readOnly.has(name)) out.push(`msr ${name}, x2`);
  }
  for (const op of sysOperations) out.push(`${op.mnemonic} ${op.name}${op.hasRt ? ', x3' : ''}`);
  for (let option = 0; option < 16; option++)
    out.push(`dmb #${option}`, `dsb #${option}`, `isb #${option}`);
  for (let imm = 0; imm < 128; imm++) out.push(`hint #${imm}`);
  for (const name of ['daifset', 'daifclr'])
    for (let imm = 0; imm < 16; imm++) out.push(`msr ${name}, #${imm}`);
  out.push('msr spsel, #0', 'msr spsel, #1', 'msr pan, #0', 'msr pan, #1');
  for (const cond of conditionNames) out.push(`csinc x0, x1, x2, ${cond}`, `b.${cond} L0`);
  return out;
}
