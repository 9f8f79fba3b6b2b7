import { spawnSync } from 'node:child_process';
import { encodeBpfProgram } from '@execmem/core';
import { hasHostTool } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';

const hexBytes = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * Our syntax next to LLVM's BPF assembler syntax for the instructions
 * LLVM 14 knows (it predates the signed, movsx, bswap and gotol forms).
 */
function llvmPairs(): [string, string][] {
  const pairs: [string, string][] = [];
  const alu: [string, string][] = [
    ['add', '+='],
    ['sub', '-='],
    ['mul', '*='],
    ['div', '/='],
    ['or', '|='],
    ['and', '&='],
    ['lsh', '<<='],
    ['rsh', '>>='],
    ['xor', '^='],
    ['mov', '='],
    ['arsh', 's>>='],
  ];
  const imms = [0, 1, -1, 7, 0x7fffffff, -0x80000000, 0x1234, -300];
  for (const [name, sym] of alu) {
    for (const [suffix, p] of [
      ['', 'r'],
      ['32', 'w'],
    ]) {
      for (let d = 0; d < 10; d++) {
        const s = (d * 3 + 1) % 10;
        pairs.push([`${name}${suffix} %r${d}, %r${s}`, `${p}${d} ${sym} ${p}${s}`]);
      }
      for (const imm of imms) pairs.push([`${name}${suffix} %r2, ${imm}`, `${p}2 ${sym} ${imm}`]);
    }
  }
  for (let d = 0; d < 10; d++) {
    pairs.push([`neg %r${d}`, `r${d} = -r${d}`], [`neg32 %r${d}`, `w${d} = -w${d}`]);
    for (const w of [16, 32, 64])
      pairs.push(
        [`be${w} %r${d}`, `r${d} = be${w} r${d}`],
        [`le${w} %r${d}`, `r${d} = le${w} r${d}`],
      );
  }
  const jumps: [string, string][] = [
    ['jeq', '=='],
    ['jne', '!='],
    ['jgt', '>'],
    ['jge', '>='],
    ['jlt', '<'],
    ['jle', '<='],
    ['jsgt', 's>'],
    ['jsge', 's>='],
    ['jslt', 's<'],
    ['jsle', 's<='],
  ];
  for (const [name, sym] of jumps) {
    for (const [suffix, p] of [
      ['', 'r'],
      ['32', 'w'],
    ]) {
      for (const off of [0, 1, -1, 100, -32768, 32767]) {
        const t = off < 0 ? `${off}` : `+${off}`;
        pairs.push([`${name}${suffix} %r3, %r4, ${t}`, `if ${p}3 ${sym} ${p}4 goto ${t}`]);
        pairs.push([`${name}${suffix} %r5, -7, ${t}`, `if ${p}5 ${sym} -7 goto ${t}`]);
      }
    }
  }
  for (const off of [0, 5, -5, 32767])
    pairs.push([`ja ${off < 0 ? off : `+${off}`}`, `goto ${off < 0 ? off : `+${off}`}`]);
  pairs.push(['call 5', 'call 5'], ['exit', 'exit']);
  for (const v of [
    '0x0',
    '0x1122334455667788',
    '0xffffffffffffffff',
    '0x80000000',
    '0xffffffff00000000',
  ]) {
    pairs.push([`lddw %r7, ${v}`, `r7 = ${BigInt(v)} ll`]);
  }
  const sizes: [string, string][] = [
    ['b', 'u8'],
    ['h', 'u16'],
    ['w', 'u32'],
    ['dw', 'u64'],
  ];
  for (const [sz, ty] of sizes) {
    for (const off of [0, 8, -8, -512, 32767, -32768]) {
      const o = off < 0 ? `- ${-off}` : `+ ${off}`;
      const ours = off < 0 ? `${off}` : `+${off}`;
      pairs.push([`ldx${sz} %r0, [%r1${ours}]`, `r0 = *(${ty} *)(r1 ${o})`]);
      pairs.push([`stx${sz} [%r10${ours}], %r6`, `*(${ty} *)(r10 ${o}) = r6`]);
    }
  }
  const atomics: [string, string][] = [
    ['add', '+='],
    ['or', '|='],
    ['and', '&='],
    ['xor', '^='],
  ];
  for (const [name, sym] of atomics) {
    pairs.push([`lock ${name} [%r10-8], %r1`, `lock *(u64 *)(r10 - 8) ${sym} r1`]);
    pairs.push([`lock ${name}32 [%r2+16], %r3`, `lock *(u32 *)(r2 + 16) ${sym} w3`]);
  }
  return pairs;
}

// LLVM is an extra cross-check, not one of the tools CI installs: it is
// skipped with the reason wherever llvm-mc is absent, CI included.
const llvm = hasHostTool('llvm-mc')
  ? { skip: false, reason: '' }
  : { skip: true, reason: 'skipped: llvm-mc not installed (apt-get install llvm)' };

describe.skipIf(llvm.skip)(`encodings agree with LLVM's BPF assembler ${llvm.reason}`, () => {
  it('every pair encodes to the same bytes', () => {
    const pairs = llvmPairs();
    const out = spawnSync('llvm-mc', ['-triple', 'bpfel', '-mattr=+alu32', '-show-encoding'], {
      input: pairs.map(([, l]) => l).join('\n'),
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    const encodings = [...out.stdout.matchAll(/encoding: \[([^\]]*)\]/g)].map((m) =>
      m[1]
        .split(',')
        .map((b) => Number(b.trim()))
        .map((b) => b.toString(16).padStart(2, '0'))
        .join(''),
    );
    expect(encodings).toHaveLength(pairs.length);
    const ours = pairs.map(([o]) => hexBytes(encodeBpfProgram(assembleBpf(o))));
    const mismatches = pairs
      .map(([o], i) => `${o}: ${ours[i]} vs ${encodings[i]}`)
      .filter((_, i) => ours[i] !== encodings[i]);
    expect(mismatches).toEqual([]);
    expect(pairs.length).toBeGreaterThan(600);
  });
});
