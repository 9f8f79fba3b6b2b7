import { fail, type Isa, type IsaState } from '@execmem/core';

/** How many times the static-key program's loop runs per call. */
export const STATIC_KEY_ITERATIONS = 48;

/**
 * The static-key program of each arch, in its GNU syntax: a loop of
 * {@link STATIC_KEY_ITERATIONS} iterations whose body is a jump-label site
 * (`SITE`) in front of an increment of the return register, so a call
 * returns the iteration count while the key is off (the site is a NOP)
 * and 0 once it is on (the site jumps over the increment to `skip`), as
 * `static_branch_unlikely()` code does. `jump` gets the distance from the
 * site to `skip`; x86 uses the 5-byte NOP and JMP rel32 of
 * `JUMP_LABEL_NOP_SIZE` 5.
 */
const TEMPLATES: Readonly<
  Record<string, { source: string; nop: string; jump: (distance: number) => string }>
> = {
  'x86-64': {
    source: `mov $N, %ecx\nxor %eax, %eax\nloop:\nSITE\nadd $1, %rax\nskip:\nsub $1, %rcx\njnz loop\nret\n`,
    nop: '.byte 0x0f, 0x1f, 0x44, 0x00, 0x00',
    jump: (distance) => `.byte 0xe9, ${[...le32(distance - 5)].join(', ')}`,
  },
  arm64: {
    source: `mov x1, #N\nmov x0, #0\nloop:\nSITE\nadd x0, x0, #1\nskip:\nsubs x1, x1, #1\nb.ne loop\nret\n`,
    nop: 'nop',
    jump: () => 'b skip',
  },
  riscv64: {
    source: `li a1, N\nli a0, 0\n.p2align 2\nloop:\nSITE\naddi a0, a0, 1\nskip:\naddi a1, a1, -1\nbnez a1, loop\nret\n`,
    nop: '.option push\n.option norvc\nnop\n.option pop',
    jump: () => '.option push\n.option norvc\nj skip\n.option pop',
  },
};

/** The static-key program assembled for one address, with both states of its site. */
export interface StaticKeyProgram {
  /** The code with the key off (NOP at the site). */
  readonly code: Uint8Array;
  /** Byte offset of the site. */
  readonly siteOffset: number;
  /** The site's bytes with the key off. */
  readonly nop: Uint8Array;
  /** The site's bytes with the key on (a jump over the increment). */
  readonly jump: Uint8Array;
}

/**
 * Assembles the static-key program of arch `archName` for `origin` with
 * `isa`; both site encodings are assembled in place, so they must have
 * the same length (`EINVAL` otherwise, or for an arch without a template).
 */
export function staticKeyProgram(
  archName: string,
  isa: Isa<unknown, IsaState>,
  origin: bigint,
): StaticKeyProgram {
  const t = TEMPLATES[archName];
  if (!t) fail('EINVAL', `no static-key program for arch ${archName}`);
  const build = (site: string) =>
    isa.assemble(t.source.replace('N', String(STATIC_KEY_ITERATIONS)).replace('SITE', site), {
      origin,
    });
  const off = build(t.nop);
  const siteOffset = off.labels.get('loop') ?? fail('EINVAL', 'static-key program has no loop');
  const skip = off.labels.get('skip') ?? fail('EINVAL', 'static-key program has no skip');
  const on = build(t.jump(skip - siteOffset));
  const siteEnd = siteOffset + isa.assemble(t.nop, { origin }).bytes.length;
  const differsOutside = off.bytes.some(
    (b, i) => (i < siteOffset || i >= siteEnd) && b !== on.bytes[i],
  );
  if (off.bytes.length !== on.bytes.length || differsOutside) {
    fail('EINVAL', `the ${archName} static-key NOP and jump are not the same length`);
  }
  return {
    code: off.bytes,
    siteOffset,
    nop: off.bytes.slice(siteOffset, siteEnd),
    jump: on.bytes.slice(siteOffset, siteEnd),
  };
}

/** `n` as 4 little-endian bytes. */
function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}
