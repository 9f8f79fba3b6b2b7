import {
  BPF_ALU64,
  BPF_EXIT,
  BPF_JMP,
  BPF_K,
  BPF_MOV,
  type BpfInsn,
  makeBpfInsn,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';
import { readBpfRaw } from './bpfRawReader';
import { verifyBpf } from './bpfVerifier';

const verify = (source: string): void => verifyBpf(assembleBpf(source));
const verifyRaw = (words: string): void => verifyBpf(readBpfRaw(words));

describe('verifyBpf accepts', () => {
  it('straight-line code, loops, calls and helpers', () => {
    expect(() => verify('mov %r0, 0\nexit')).not.toThrow();
    expect(() =>
      verify('mov %r0, 0\nmov %r3, 4\nl:\nadd %r0, 1\nsub %r3, 1\njne %r3, 0, l\nexit'),
    ).not.toThrow();
    expect(() => verify('mov %r6, 1\ncall 5\nmov %r0, %r6\nexit')).not.toThrow();
    expect(() => verify('mov %r1, 2\ncall local f\nexit\nf:\nmov %r0, %r1\nexit')).not.toThrow();
    expect(() => verify('ldxb %r0, [%r1]\nadd %r0, %r2\nmov %r0, %r10\nexit')).not.toThrow();
  });

  it('legacy packet loads, which set r0 and keep r6-r9', () => {
    expect(() => verify('ldabsw 4\nexit')).not.toThrow();
    expect(() => verify('mov %r6, 2\nldindh %r6, 1\nadd %r0, %r6\nexit')).not.toThrow();
  });

  it('map, variable and code addresses that the environment and program have', () => {
    const env = { maps: [{ fd: 7, valueSize: 16 }], variables: [new Uint8Array(8)] };
    const source = [
      'lddw %r1, map_by_fd(7)',
      'lddw %r2, map_val(map_by_fd(7)) + 15',
      'lddw %r3, map_by_idx(0)',
      'lddw %r4, map_val(map_by_idx(0)) + 8',
      'lddw %r5, var_addr(0)',
      'lddw %r6, code_addr(f)',
      'call %r6',
      'exit',
      'f:',
      'mov %r0, %r1',
      'exit',
    ].join('\n');
    expect(() => verifyBpf(assembleBpf(source), { env })).not.toThrow();
  });
});

describe('verifyBpf rejects, naming the instruction', () => {
  const cases: [string, () => void, RegExp][] = [
    [
      'an unknown ALU operation',
      () => verifyRaw('0x00000000000000e7\n0x0000000000000095'),
      /instruction 0: unknown opcode 0xe7/,
    ],
    [
      'an unknown class/mode pair',
      () => verifyRaw('0x0000000000000095\n0x0000000000000060'),
      /instruction 1: unknown opcode 0x60/,
    ],
    ['exit in JMP32', () => verifyRaw('0x0000000000000096'), /instruction 0: unknown opcode 0x96/],
    [
      'exit with the register source bit',
      () => verifyRaw('0x000000000000009d'),
      /instruction 0: unknown opcode 0x9d/,
    ],
    [
      'an atomic with an unknown operation',
      () => verifyRaw('0x00000002000a01db\n0x0000000000000095'),
      /instruction 0: unknown atomic operation 0x02/,
    ],
    [
      'a bad endian width',
      () => verifyRaw('0x00000008000000dc\n0x0000000000000095'),
      /instruction 0: invalid endian immediate 8/,
    ],
    [
      'movsx with a bad offset',
      () => verifyRaw('0x00000000000710bf\n0x0000000000000095'),
      /instruction 0: invalid offset 7 for mov/,
    ],
    [
      'a jump past the end',
      () => verify('mov %r0, 0\nja +5\nexit'),
      /instruction 1: jump out of bounds: target 7/,
    ],
    [
      'a jump before the start',
      () => verify('mov %r0, 0\nja -3\nexit'),
      /instruction 1: jump out of bounds: target -1/,
    ],
    [
      'a jump into the middle of lddw',
      () => verify('ja +1\nlddw %r0, 1\nexit'),
      /instruction 0: jump to middle of lddw at 1/,
    ],
    [
      'a lddw without its second slot',
      () => verifyRaw('0x0000000100000018'),
      /lddw has no second slot/,
    ],
    [
      'a lddw whose second slot is not empty',
      () => verifyRaw('0x0000000100000018\n0x0000000000000095\n0x0000000000000095'),
      /instruction 0: incomplete lddw/,
    ],
    [
      'lddw with a source past the pseudo forms',
      () => verifyRaw('0x0000000100007018\n0x0000000000000000\n0x0000000000000095'),
      /instruction 0: invalid source register for lddw: src 7 is not 0..6/,
    ],
    [
      'lddw map_by_fd of an fd no map has',
      () => verifyRaw('0x0000000100001018\n0x0000000000000000\n0x0000000000000095'),
      /instruction 0: lddw map_by_fd: unknown map fd 1/,
    ],
    ['falling off the end', () => verify('mov %r0, 0'), /instruction 0: no exit at end of program/],
    [
      'a conditional jump as the last instruction',
      () => verify('mov %r0, 0\njeq %r0, 0, -2'),
      /instruction 1: no exit/,
    ],
    ['an empty program', () => verifyBpf([]), /program is empty/],
    ['a jump to itself', () => verify('mov %r0, 0\nja -1\nexit'), /instruction 1: infinite loop/],
    [
      'a write to r10',
      () => verify('mov %r10, 0\nmov %r0, 0\nexit'),
      /instruction 0: invalid destination register r10/,
    ],
    [
      'a load into r10',
      () => verify('ldxdw %r10, [%r1]\nexit'),
      /instruction 0: invalid destination register r10/,
    ],
    [
      'a fetch into r10',
      () => verify('mov %r0, 0\nlock fetch add [%r1], %r10\nexit'),
      /instruction 1: invalid source register r10/,
    ],
    [
      'register number 11',
      () => verifyRaw('0x00000000000000b7\n0x000000000000b0bc\n0x0000000000000095'),
      /instruction 1: invalid source register r11/,
    ],
    ['an unknown helper', () => verify('call 6\nexit'), /instruction 0: call to unknown helper 6/],
    [
      'a read of r0 before any write',
      () => verify('exit'),
      /instruction 0: invalid read of uninitialized register r0/,
    ],
    [
      'a read of r3 on entry',
      () => verify('mov %r0, %r3\nexit'),
      /instruction 0: invalid read of uninitialized register r3/,
    ],
    [
      'a read on one path only',
      () => verify('jeq %r1, 0, +1\nmov %r4, 1\nmov %r0, %r4\nexit'),
      /instruction 2: invalid read of uninitialized register r4/,
    ],
    [
      'argument registers after a helper call',
      () => verify('mov %r1, 1\ncall 5\nmov %r0, %r1\nexit'),
      /instruction 2: invalid read of uninitialized register r1/,
    ],
    [
      'caller registers r6-r9 inside a callee',
      () => verify('mov %r6, 1\ncall local f\nexit\nf:\nmov %r0, %r6\nexit'),
      /instruction 3: invalid read of uninitialized register r6/,
    ],
    [
      'a 32-bit op reading its destination',
      () => verify('add32 %r5, 1\nmov %r0, 0\nexit'),
      /instruction 0: invalid read of uninitialized register r5/,
    ],
    [
      'a read of r1 after a legacy packet load',
      () => verify('ldabsb 0\nmov %r0, %r1\nexit'),
      /instruction 1: invalid read of uninitialized register r1/,
    ],
    [
      'ldabs with a source register (a reserved field)',
      () => verifyRaw('0x0000000000001020\n0x0000000000000095'),
      /instruction 0: ldabs uses reserved fields: dst r0, offset 0, src r1 must be 0/,
    ],
    [
      'ldind with a destination register',
      () => verifyRaw('0x0000000000000340\n0x0000000000000095'),
      /instruction 0: ldind uses reserved fields: dst r3, offset 0/,
    ],
    [
      'a map index past the map array',
      () => verify('lddw %r1, map_by_idx(0)\nmov %r0, 0\nexit'),
      /instruction 0: lddw map_by_idx: unknown map index 0 \(0 maps\)/,
    ],
    [
      'a map value offset outside the value',
      () =>
        verifyBpf(assembleBpf('lddw %r1, map_val(map_by_fd(3)) + 8\nmov %r0, 0\nexit'), {
          env: { maps: [{ fd: 3, valueSize: 8 }] },
        }),
      /instruction 0: lddw map_val\(map_by_fd\): offset 8 is outside the 8-byte value of map 0/,
    ],
    [
      'map_by_fd with a non-zero next_imm',
      () =>
        verifyBpf(readBpfRaw('0x0000000300001118\n0x0000000100000000\n0x00000000000000b7\n0x95'), {
          env: { maps: [{ fd: 3, valueSize: 8 }] },
        }),
      /instruction 0: lddw map_by_fd: next_imm 1 must be 0/,
    ],
    [
      'an unknown platform variable',
      () => verify('lddw %r1, var_addr(2)\nmov %r0, 0\nexit'),
      /instruction 0: lddw var_addr: unknown variable id 2 \(0 variables\)/,
    ],
    [
      'a code address outside the program',
      () => verify('lddw %r1, code_addr(+5)\nmov %r0, 0\nexit'),
      /instruction 0: invalid call immediate: local call out of bounds: target 6 is outside 0..3/,
    ],
    [
      'r6 inside a function callx may enter',
      () => verify('mov %r6, 1\nlddw %r1, code_addr(f)\ncall %r1\nexit\nf:\nmov %r0, %r6\nexit'),
      /instruction 5: invalid read of uninitialized register r6/,
    ],
  ];
  it.each(cases)('%s', (_, fn, message) => {
    expect(fn).toThrow(message);
    try {
      fn();
    } catch (e) {
      expect((e as { code?: string }).code).toBe('EINVAL');
    }
  });

  it('checks every slot, reachable or not', () => {
    const program: BpfInsn[] = [
      makeBpfInsn({ opcode: BPF_ALU64 | BPF_MOV | BPF_K }),
      makeBpfInsn({ opcode: BPF_JMP | BPF_EXIT }),
      makeBpfInsn({ opcode: 0xff }),
      makeBpfInsn({ opcode: BPF_JMP | BPF_EXIT }),
    ];
    expect(() => verifyBpf(program)).toThrow(/instruction 2: unknown opcode 0xff/);
  });
});
