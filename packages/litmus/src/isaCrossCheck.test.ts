import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { riscvIsa } from '@execmem/arch-riscv';
import { x86Isa } from '@execmem/arch-x86';
import type { Isa } from '@execmem/core';
import { sharedPath } from '@execmem/core/testing';
import { describe, expect, it } from 'vitest';
import { instrText } from './litmusValue';
import { parseLitmus } from './parseLitmus';
import { defaultLitmusArches, litmusFiles } from './runLitmus';

/**
 * The front ends accept herd's spelling; the arch packages' GNU-syntax
 * assemblers are the reference that each code column and each `instr:"…"`
 * value is a real instruction of the arch.
 */
function columnsAssemble(isa: Isa, files: string[]): number {
  let checked = 0;
  for (const file of files) {
    const test = parseLitmus(readFileSync(file, 'utf8'), file, defaultLitmusArches);
    for (const col of test.code.values()) {
      const byslot = new Map<number, string[]>();
      for (const [name, slot] of col.labels) byslot.set(slot, [...(byslot.get(slot) ?? []), name]);
      const lines: string[] = [];
      col.slots.forEach((s, i) => {
        for (const l of byslot.get(i) ?? []) lines.push(`${l}:`);
        // Litmus locations are symbolic; the assembler sees them as absolute addresses.
        lines.push(
          s.text.replace(/\((\w+)\)/g, (m, loc: string) =>
            test.locations.includes(loc) ? '0x1000' : m,
          ),
        );
      });
      for (const l of byslot.get(col.slots.length) ?? []) lines.push(`${l}:`);
      const asm = isa.assemble(lines.join('\n'));
      expect(asm.lines.length, `${file} ${col.name}`).toBe(col.slots.length);
      checked += col.slots.length;
    }
    const values = [...test.registers.map((r) => r.value), ...test.memory.values()];
    for (const v of values) {
      const text = instrText(v);
      if (text === undefined) continue;
      expect(isa.assemble(text).bytes.length, `${file} instr:"${text}"`).toBeGreaterThan(0);
      checked++;
    }
  }
  return checked;
}

describe('litmus instructions are real instructions of the arch', () => {
  it('RISC-V: every instruction of the shared tests assembles with riscvIsa', () => {
    expect(columnsAssemble(riscvIsa, litmusFiles([sharedPath('litmus', 'riscv')]))).toBeGreaterThan(
      60,
    );
  });

  it('x86-64: every instruction of our tests assembles with x86Isa', () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'x86');
    expect(columnsAssemble(x86Isa, litmusFiles([dir]))).toBeGreaterThan(80);
  });
});
