import { BPF_LDDW, bpfLddwImmediate, encodeBpfProgram } from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { assembleBpf } from './bpfAssembler';
import { interpretBpf } from './bpfInterpreter';
import {
  BPF_MAP_HEADER_SIZE,
  type BpfLoadEnv,
  bpfDataArea,
  checkBpfPseudoLoads,
  resolveBpfPseudoLoads,
} from './bpfLoadEnv';
import { verifyBpf } from './bpfVerifier';

const env: BpfLoadEnv = {
  maps: [
    { fd: 10, valueSize: 12, value: Uint8Array.of(1, 2, 3) },
    { fd: 4, valueSize: 8 },
  ],
  variables: [Uint8Array.of(0xaa, 0xbb), new Uint8Array(16)],
};

describe('bpfDataArea', () => {
  it('lays out map objects, values and variables 8-byte aligned', () => {
    const area = bpfDataArea(env);
    // Map 0: header at 0, 12-byte value at 8 (up to 24); map 1 at 24, value at 32; variables at 40 and 48.
    expect(area.mapOffsets).toEqual([0, 24]);
    expect(area.variableOffsets).toEqual([40, 48]);
    expect(area.bytes.length).toBe(64);
    const view = new DataView(area.bytes.buffer);
    expect([view.getUint32(0, true), view.getUint32(4, true)]).toEqual([10, 12]);
    expect([view.getUint32(24, true), view.getUint32(28, true)]).toEqual([4, 8]);
    expect([...area.bytes.subarray(8, 12)]).toEqual([1, 2, 3, 0]);
    expect([...area.bytes.subarray(40, 43)]).toEqual([0xaa, 0xbb, 0]);
    expect(bpfDataArea().bytes.length).toBe(0);
  });

  it('rejects a repeated fd, a bad size and too many initial bytes', () => {
    expect(() =>
      bpfDataArea({
        maps: [
          { fd: 1, valueSize: 8 },
          { fd: 1, valueSize: 8 },
        ],
      }),
    ).toThrow(/EINVAL: map 1: fd 1 is used by another map/);
    expect(() => bpfDataArea({ maps: [{ fd: -1, valueSize: 8 }] })).toThrow(
      /map 0: fd -1 is not a non-negative 32-bit integer/,
    );
    expect(() => bpfDataArea({ maps: [{ fd: 1, valueSize: 1.5 }] })).toThrow(
      /map 0: value size 1.5 is not a non-negative integer/,
    );
    expect(() =>
      bpfDataArea({ maps: [{ fd: 1, valueSize: 2, value: new Uint8Array(3) }] }),
    ).toThrow(/map 0: 3 initial bytes exceed value size 2/);
  });
});

describe('resolveBpfPseudoLoads', () => {
  const base = 0xffff_c900_0000_1000n;
  const source = [
    'lddw %r1, map_by_fd(4)',
    'lddw %r2, map_val(map_by_fd(10)) + 11',
    'lddw %r3, var_addr(1)',
    'lddw %r4, map_by_idx(0)',
    'lddw %r5, map_val(map_by_idx(1)) + 0',
    'lddw %r6, code_addr(f)',
    'lddw %r7, 0x1234',
    'f:',
    'exit',
  ].join('\n');

  it('turns map and variable loads into plain 64-bit immediates, as the kernel verifier does', () => {
    const program = assembleBpf(source);
    const out = resolveBpfPseudoLoads(program, env, base);
    const loads = out.filter((i) => i.opcode === BPF_LDDW);
    expect(loads.map((i) => i.src)).toEqual([0, 0, 0, 0, 0, 4, 0]);
    expect(loads.slice(0, 5).map((i) => bpfLddwImmediate(i) - base)).toEqual([
      24n,
      BigInt(BPF_MAP_HEADER_SIZE + 11),
      48n,
      0n,
      32n,
    ]);
    // code_addr is left for the executor (slot 10 + 1 + 3 = f); a plain immediate stays as it was.
    expect(loads[5]).toMatchObject({ src: 4, imm: 3 });
    expect(bpfLddwImmediate(loads[6])).toBe(0x1234n);
    // The image carries the high half in the second slot, so a raw reader gets the same value.
    const bytes = encodeBpfProgram(out);
    expect(new DataView(bytes.buffer).getUint32(8 + 4, true)).toBe(0xffffc900);
    // The input is not modified.
    expect(program[0].src).toBe(1);
  });

  it('rejects what names nothing, with the instruction', () => {
    const cases: [string, RegExp][] = [
      ['lddw %r1, map_by_fd(5)', /instruction 0: lddw map_by_fd: unknown map fd 5/],
      ['lddw %r1, map_by_idx(2)', /instruction 0: lddw map_by_idx: unknown map index 2 \(2 maps\)/],
      ['lddw %r1, map_by_idx(-1)', /unknown map index -1/],
      [
        'lddw %r1, map_val(map_by_fd(10)) + 12',
        /lddw map_val\(map_by_fd\): offset 12 is outside the 12-byte value of map 0/,
      ],
      ['lddw %r1, var_addr(2)', /lddw var_addr: unknown variable id 2 \(2 variables\)/],
    ];
    for (const [line, message] of cases) {
      const program = assembleBpf(`mov %r0, 0\n${line}\nexit`);
      expect(() => checkBpfPseudoLoads(program, env)).toThrow(
        new RegExp(message.source.replace('instruction 0', 'instruction 1')),
      );
    }
  });
});

describe('maps, variables and code addresses in the interpreter', () => {
  it('reads initial map and variable contents and sees its own writes through every alias', () => {
    const program = assembleBpf(`
      lddw %r6, map_val(map_by_fd(10)) + 0
      ldxb %r0, [%r6+2]
      lddw %r7, map_val(map_by_idx(1))
      stdw [%r7], 0x500
      lddw %r8, map_val(map_by_fd(4))
      ldxdw %r3, [%r8]
      add %r0, %r3
      lddw %r4, map_by_idx(0)
      ldxw %r5, [%r4]
      add %r0, %r5
      lddw %r2, var_addr(0)
      ldxb %r3, [%r2+1]
      lsh %r3, 16
      add %r0, %r3
      exit`);
    verifyBpf(program, { env });
    // 3 + 0x500 + fd 10 + (0xbb << 16)
    expect(interpretBpf(program, new Uint8Array(0), { env })).toBe(0xbb050dn);
    // Each run starts from the environment's contents again.
    expect(interpretBpf(program, new Uint8Array(0), { env })).toBe(0xbb050dn);
  });

  it('faults past the data area like anywhere else', () => {
    const program = assembleBpf('lddw %r1, map_val(map_by_fd(4)) + 4\nldxdw %r0, [%r1+4096]\nexit');
    expect(() => interpretBpf(program, new Uint8Array(0), { env })).toThrow(
      /EFAULT: instruction 2: out of bounds memory load of 8 bytes/,
    );
  });

  it('calls a function through its code address and refuses any other address', () => {
    const call = (extra: string) =>
      assembleBpf(`
        mov %r6, 5
        lddw %r2, code_addr(f)
        ${extra}
        mov %r1, 3
        call %r2
        add %r0, %r6
        exit
      f:
        mov %r6, %r1
        mul %r6, 10
        mov %r0, %r6
        exit`);
    expect(interpretBpf(call(''))).toBe(35n);
    expect(() => interpretBpf(call('add %r2, 8'))).toThrow(
      /ENOSYS: instruction 5: call to unknown helper or function 0x200000048$/,
    );
    // The code address is not data.
    expect(() =>
      interpretBpf(assembleBpf('lddw %r1, code_addr(f)\nldxb %r0, [%r1]\nexit\nf:\nexit')),
    ).toThrow(/EFAULT: instruction 2: out of bounds memory load/);
  });
});
