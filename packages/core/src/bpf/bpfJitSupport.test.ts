import { describe, expect, it } from 'vitest';
import { makeBpfInsn } from './bpfInsn';
import {
  bpfCallxRegister,
  bpfCodeAddressTargets,
  bpfFunctionStarts,
  bpfInsnOffsets,
  bpfIsLegacyPacketLoad,
  bpfLddwImmediate,
  bpfSizeBytes,
  bpfSlotAtOffset,
  emitBpfSlots,
} from './bpfJitSupport';
import {
  BPF_ABS,
  BPF_ALU64,
  BPF_B,
  BPF_CALL,
  BPF_DW,
  BPF_EXIT,
  BPF_H,
  BPF_IND,
  BPF_JMP,
  BPF_LD,
  BPF_LDDW,
  BPF_MOV,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_W,
  BPF_X,
} from './bpfOpcodes';

const mov = makeBpfInsn({ opcode: BPF_ALU64 | BPF_MOV, dst: 0, imm: 1 });
const exit = makeBpfInsn({ opcode: BPF_JMP | BPF_EXIT });
const lddw = makeBpfInsn({ opcode: BPF_LDDW, dst: 1, imm: -1, imm64Hi: 0x80000000 });
const tail = makeBpfInsn({ opcode: 0 });
const callLocal = (imm: number) =>
  makeBpfInsn({ opcode: BPF_JMP | BPF_CALL, src: BPF_PSEUDO_CALL, imm });

describe('code-generator support', () => {
  it('finds where BPF functions start: 0 and every local call target, once each, sorted', () => {
    // 0: call +3 → 4; 1: call +2 → 4; 2: lddw (3 is its tail, never read as a call to 6); 4: exit.
    const program = [callLocal(3), callLocal(2), lddw, callLocal(2), exit, mov, exit];
    expect(bpfFunctionStarts(program)).toEqual([0, 4]);
    expect(bpfFunctionStarts([mov, callLocal(-2), exit])).toEqual([0]);
  });

  it('counts code_addr targets (lddw src 4, relative like call local) as function starts', () => {
    const codeAddr = (imm: number) =>
      makeBpfInsn({ opcode: BPF_LDDW, dst: 1, src: BPF_PSEUDO_FUNC, imm });
    // 0: lddw → 1 + 1 + 3 = 5; 2: lddw → 3 + 2 = 5 again; 4: call local → 6.
    const program = [codeAddr(4), tail, codeAddr(2), tail, callLocal(1), exit, mov, exit];
    expect(bpfCodeAddressTargets(program)).toEqual([5]);
    expect(bpfFunctionStarts(program)).toEqual([0, 5, 6]);
    expect(bpfCodeAddressTargets([lddw, tail, exit])).toEqual([]);
  });

  it('tells legacy packet loads from lddw and other loads', () => {
    expect(bpfIsLegacyPacketLoad(makeBpfInsn({ opcode: BPF_LD | BPF_ABS | BPF_W }))).toBe(true);
    expect(bpfIsLegacyPacketLoad(makeBpfInsn({ opcode: BPF_LD | BPF_IND | BPF_B, src: 2 }))).toBe(
      true,
    );
    expect(bpfIsLegacyPacketLoad(lddw)).toBe(false);
    expect(bpfIsLegacyPacketLoad(mov)).toBe(false);
  });

  it('maps a code offset back to the slot whose code holds it', () => {
    // Slot 2 is a lddw tail with no code of its own.
    const offsets = Uint32Array.of(10, 13, 23, 23, 25);
    expect([9, 10, 12, 13, 22, 23, 24, 25].map((o) => bpfSlotAtOffset(offsets, o))).toEqual([
      -1, 0, 0, 1, 1, 3, 3, -1,
    ]);
    expect(bpfSlotAtOffset(Uint32Array.of(0), 0)).toBe(-1);
  });

  it('reads the callx register from imm when set, else from dst', () => {
    const callx = (dst: number, imm: number) =>
      makeBpfInsn({ opcode: BPF_JMP | BPF_CALL | BPF_X, dst, imm });
    expect(bpfCallxRegister(callx(3, 0))).toBe(3);
    expect(bpfCallxRegister(callx(0, 2))).toBe(2);
  });

  it('joins the two halves of a lddw unsigned', () => {
    expect(bpfLddwImmediate(lddw)).toBe(0x80000000ffffffffn);
  });

  it('labels every slot, the lddw tail sharing the next slot, and reads offsets back', () => {
    const program = [mov, lddw, tail, exit];
    const events: string[] = [];
    emitBpfSlots(
      program,
      (name) => events.push(name),
      (pc) => events.push(`code ${pc}`),
    );
    expect(events).toEqual([
      '.Lbpf_0',
      'code 0',
      '.Lbpf_1',
      'code 1',
      '.Lbpf_2',
      '.Lbpf_3',
      'code 3',
      '.Lbpf_4',
    ]);
    const labels = new Map([
      ['.Lbpf_0', 10],
      ['.Lbpf_1', 13],
      ['.Lbpf_2', 23],
      ['.Lbpf_3', 23],
      ['.Lbpf_4', 25],
    ]);
    expect([...bpfInsnOffsets(labels, program.length)]).toEqual([10, 13, 23, 23, 25]);
  });

  it('gives access sizes in bytes', () => {
    expect([BPF_B, BPF_H, BPF_W, BPF_DW].map(bpfSizeBytes)).toEqual([1, 2, 4, 8]);
  });
});
