// The three arches' execmem_arch_setup() against the kernel's rules, and
// their trap fills against GNU as.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execmemArchSetup as arm64Setup } from '@execmem/arch-arm64';
import { RISCV_TRAP_FILL, execmemArchSetup as riscvSetup } from '@execmem/arch-riscv';
import { X86_MODULES_VADDR, execmemArchSetup as x86Setup } from '@execmem/arch-x86';
import {
  EXECMEM_TYPES,
  type ExecmemInfo,
  execmemInfoComplete,
  isExecmemError,
} from '@execmem/core';
import { requireHostTools } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';

const PAGE = 4096n;
const MB = 1n << 20n;
const seeds = Array.from({ length: 400 }, (_, i) => i);

describe('x86-64 execmem_arch_setup', () => {
  it('puts every type in the module space with a KASLR offset of 1..1024 pages', () => {
    const offsets = seeds.map((s) => x86Setup(s).ranges.moduleText.start - X86_MODULES_VADDR);
    for (const o of offsets) {
      expect(o % PAGE).toBe(0n);
      expect(o >= PAGE && o <= 1024n * PAGE).toBe(true);
    }
    expect(new Set(offsets).size).toBeGreaterThan(300);
    expect(x86Setup(5)).toEqual(x86Setup(5));
    expect(x86Setup(5, { kaslr: false }).ranges.bpf.start).toBe(X86_MODULES_VADDR);
    const info = x86Setup(9);
    for (const t of EXECMEM_TYPES) expect(info.ranges[t].end).toBe(0xfffffffffeffffffn);
  });

  it('serves text, kprobes and ftrace ROX from the cache; BPF and data are PAGE_KERNEL', () => {
    const info = x86Setup(1);
    for (const t of ['moduleText', 'kprobes', 'ftrace'] as const) {
      expect(info.ranges[t]).toMatchObject({
        prot: 'kernelRox',
        flags: { roxCache: true },
        alignment: 4096,
      });
    }
    for (const t of ['bpf', 'moduleData'] as const) {
      expect(info.ranges[t]).toMatchObject({ prot: 'kernel', flags: { roxCache: false } });
    }
    expect(x86Setup(1, { pse: false }).ranges.moduleText).toMatchObject({
      prot: 'kernel',
      flags: { roxCache: false },
    });
  });
});

describe('arm64 execmem_arch_setup', () => {
  it('places a 128 MiB window containing the image inside a 2 GiB fallback window', () => {
    const starts = new Set<bigint>();
    for (const s of seeds) {
      const info = arm64Setup(s);
      const text = info.ranges.moduleText;
      const [image] = info.reserved;
      expect(text.end - text.start + 1n).toBe(128n * MB);
      expect(text.fallbackEnd! - text.fallbackStart! + 1n).toBe(2048n * MB);
      expect(text.start <= image.start && image.end <= text.end).toBe(true);
      expect(text.fallbackStart! <= text.start && text.end <= text.fallbackEnd!).toBe(true);
      expect(text.start % PAGE).toBe(0n);
      starts.add(text.start);
    }
    expect(starts.size).toBeGreaterThan(300);
    const fixed = arm64Setup(0, { kaslr: false }).ranges.moduleText;
    expect(fixed.end + 1n).toBe(0xffff800080000000n + 36n * MB);
  });

  it('gives kprobes ROX and BPF RW anywhere in vmalloc, and inherits the rest', () => {
    const info = arm64Setup(3);
    expect(info.ranges.kprobes).toMatchObject({
      prot: 'kernelRox',
      start: info.vmallocStart,
      end: info.vmallocEnd,
    });
    expect(info.ranges.bpf).toMatchObject({ prot: 'kernel', start: info.vmallocStart });
    expect(info.ranges.ftrace).toBe(info.ranges.moduleText);
    expect(info.ranges.moduleData).toMatchObject({
      prot: 'kernel',
      start: info.ranges.moduleText.start,
    });
  });
});

describe('riscv64 execmem_arch_setup', () => {
  it('keeps modules in the 2 GiB below the image end and BPF in the 128 MiB below the image', () => {
    for (const s of seeds.slice(0, 50)) {
      const info = riscvSetup(s);
      const [image] = info.reserved;
      const text = info.ranges.moduleText;
      expect(image.end + 1n - text.start).toBe(2048n * MB);
      expect(text.end + 1n).toBe(image.start);
      expect(info.ranges.bpf).toMatchObject({ end: text.end, alignment: 4096 });
      expect(text.end + 1n - info.ranges.bpf.start).toBe(128n * MB);
      expect([...info.ranges.bpf.fill!]).toEqual([0]);
    }
    expect(riscvSetup(2).ranges.kprobes.prot).toBe('kernelRox');
    expect(riscvSetup(2, { compressed: false }).trapFill).toBe(RISCV_TRAP_FILL);
  });
});

describe('execmemInfoComplete', () => {
  const base = {
    trapFill: Uint8Array.of(0xcc),
    vmallocStart: 0xffffc90000000000n,
    vmallocEnd: 0xffffe8ffffffffffn,
  };

  it('defaults to all of vmalloc, PAGE_KERNEL_EXEC, alignment 1; module data non-exec', () => {
    const info = execmemInfoComplete(base);
    expect(info.ranges.bpf).toMatchObject({
      start: base.vmallocStart,
      end: base.vmallocEnd,
      prot: 'kernelExec',
      alignment: 1,
    });
    expect(info.ranges.moduleData.prot).toBe('kernel');
  });

  it.each([
    [
      {
        ranges: {
          bpf: {
            start: 10n,
            end: 5n,
            prot: 'kernel',
            alignment: 1,
            flags: { kasanShadow: false, roxCache: false },
          },
        },
      },
      /bpf: range 0xa\.\.0x5/,
    ],
    [
      {
        ranges: {
          bpf: {
            start: 0n,
            end: 5n,
            prot: 'kernel',
            alignment: 3,
            flags: { kasanShadow: false, roxCache: false },
          },
        },
      },
      /alignment 3/,
    ],
    [
      {
        ranges: {
          kprobes: {
            start: 0n,
            end: 5n,
            prot: 'kernel',
            alignment: 1,
            flags: { kasanShadow: false, roxCache: true },
          },
        },
      },
      /needs prot kernelRox/,
    ],
    [
      {
        ranges: {
          ftrace: {
            start: 0n,
            end: 5n,
            fallbackStart: 0n,
            prot: 'kernel',
            alignment: 1,
            flags: { kasanShadow: false, roxCache: false },
          },
        },
      },
      /both fallbackStart/,
    ],
    [{ trapFill: new Uint8Array(0) }, /pattern is empty/],
  ])('rejects bad info %#', (patch, message) => {
    let caught: unknown;
    try {
      execmemInfoComplete({ ...base, ...(patch as object) } as never);
    } catch (e) {
      caught = e;
    }
    expect(isExecmemError(caught, 'EINVAL')).toBe(true);
    expect(String(caught)).toMatch(message);
  });
});

const tools = requireHostTools(
  [
    'x86_64-linux-gnu-as',
    'x86_64-linux-gnu-objcopy',
    'aarch64-linux-gnu-as',
    'aarch64-linux-gnu-objcopy',
    'riscv64-linux-gnu-as',
    'riscv64-linux-gnu-objcopy',
  ],
  'binutils-x86-64-linux-gnu binutils-aarch64-linux-gnu binutils-riscv64-linux-gnu',
);

/** Assembles `source` with GNU as for `prefix` and returns the .text bytes. */
function gnuBytes(prefix: string, source: string, flags: string[] = []): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'execmem-trap-'));
  try {
    writeFileSync(join(dir, 'a.s'), source);
    const as = spawnSync(`${prefix}-as`, [...flags, '-o', join(dir, 'a.o'), join(dir, 'a.s')], {
      encoding: 'utf8',
    });
    if (as.status !== 0) throw new Error(as.stderr);
    const cp = spawnSync(
      `${prefix}-objcopy`,
      ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')],
      {
        encoding: 'utf8',
      },
    );
    if (cp.status !== 0) throw new Error(cp.stderr);
    return [...readFileSync(join(dir, 'a.bin'))];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(tools.skip)(`trap fills match GNU as ${tools.reason}`, () => {
  const check = (info: ExecmemInfo, expected: number[]) =>
    expect([...info.trapFill]).toEqual(expected);
  it('x86-64: int3', () => check(x86Setup(0), gnuBytes('x86_64-linux-gnu', 'int3\n')));
  it('arm64: brk #0x100 (AARCH64_BREAK_FAULT)', () =>
    check(arm64Setup(0), gnuBytes('aarch64-linux-gnu', 'brk #0x100\n')));
  it('riscv64: c.ebreak with C, ebreak without', () => {
    check(riscvSetup(0), gnuBytes('riscv64-linux-gnu', 'c.ebreak\n', ['-march=rv64gc']));
    check(
      riscvSetup(0, { compressed: false }),
      gnuBytes('riscv64-linux-gnu', 'ebreak\n', ['-march=rv64g']),
    );
  });
});
