import {
  type Chooser,
  createMachine,
  exploreMachine,
  PROT_EXEC,
  PROT_GLOBAL,
  PROT_READ,
  PROT_WRITE,
} from '@execmem/core';
import { describe, expect, it } from 'vitest';
import { x86Isa } from './isa/x86Isa';
import { reg, setReg, type X86Machine } from './testing/x86Machine';
import { x86Arch } from './x86Arch';

/** Code page, mapped writable and executable at once. */
const TEXT = 0xffffffffa0000000n;
/** A read-write alias of TEXT's frame at another linear address (text_poke's kind of mapping). */
const ALIAS = 0xffffc90000000000n;

/**
 * Self-modifying code (SDM vol. 3 §8.1.3): the CPU stores the new
 * immediate of `mov $0x1,%r9d` at `site` through `through` (TEXT or
 * ALIAS), runs `sync`, and jumps to `site`. The outcomes are r9: 1 the old
 * instruction ran, 2 the new one.
 */
function selfModify(through: bigint, sync: string): bigint[] {
  // `site` is at offset 0x40; its immediate byte at 0x42.
  const a = x86Isa.assemble(
    `movb $0x2, 0x42(%rdi)\n${sync}\njmp site\n.p2align 6\nsite: mov $0x1,%r9d\nud2\n`,
  );
  expect(a.labels.get('site')).toBe(0x40);
  const code = a.bytes;
  const r = exploreMachine(
    (chooser: Chooser): X86Machine => {
      const m = createMachine({ arch: x86Arch(), cpus: 1, chooser });
      const pa = m.mapNew(TEXT, 4096, PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GLOBAL);
      m.kernel.map(ALIAS, BigInt(pa), 4096n, PROT_READ | PROT_WRITE | PROT_GLOBAL);
      m.load(TEXT, code);
      setReg(m, 0, 'rdi', through);
      m.start(0, TEXT);
      return m;
    },
    (m) => reg(m, 0, 'r9'),
  );
  expect(r.complete, r.message).toBe(true);
  console.log(
    `store through ${through === TEXT ? 'the executable address' : 'an alias'}, then "${sync || 'nothing'}": ${r.states} states, ${r.outcomes.size} outcomes`,
  );
  return [...r.outcomes.values()].map((o) => o.outcome).sort();
}

describe('x86-64 self-modifying code is detected by linear address', () => {
  it('a store through the executable address is seen by the next fetch without serialization', () => {
    expect(selfModify(TEXT, '')).toEqual([2n]);
  });

  it('a store through another linear address of the frame is not, until CPUID or SERIALIZE', () => {
    expect(selfModify(ALIAS, '')).toEqual([1n, 2n]);
    expect(selfModify(ALIAS, 'cpuid')).toEqual([2n]);
    expect(selfModify(ALIAS, 'serialize')).toEqual([2n]);
  });
});
