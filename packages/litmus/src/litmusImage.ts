/**
 * A litmus test laid out as a machine image: each thread's column (and its
 * fault handler `P1.F` after it) assembled with the arch's real ISA, the
 * test's locations as 64-bit words of a data page, and the conversions
 * between symbolic litmus values and machine words both ways.
 *
 * Layout: slot k of a column is at the column's start + k·`slotBytes`
 * (`LitmusMachineTraits`: an A64 or RV64 instruction; on x86 eight bytes,
 * the instruction and a no-op), as herd's code addresses count slots, so
 * `B .+12` in code or in an `instr:"…"` value means what it means to
 * herd. A labelled slot, which a store can overwrite, holds exactly one
 * instruction value. Each column starts a cache line; a thread ends in the
 * arch's halt instruction and has a small stack on the data page.
 *
 * @module
 */

import { type Arch, fail, findRegion } from '@execmem/core';
import type { LitmusArch } from './litmusArch';
import type { LitmusTest } from './litmusTest';
import {
  codeAddress,
  instrText,
  instrValue,
  type LitmusValue,
  parseCodeAddress,
} from './litmusValue';

/** Columns and locations each start a cache line (every modelled CPU's is 64 bytes). */
const LINE_BYTES = 64;
/** Bytes of a location's word on the data page. */
const WORD_BYTES = 8;
const PAGE_BYTES = 4096;
/** The data page's upper half holds the threads' stacks, `STACK_BYTES` each. */
const STACKS_OFFSET = 2048;
const STACK_BYTES = 256;
const MASK64 = (1n << 64n) - 1n;

/** A test's machine image (see the module comment). */
export interface LitmusImage {
  /** First address of the code, mapped readable, writable and executable. */
  readonly codeBase: bigint;
  /** The code: every column, assembled. */
  readonly code: Uint8Array;
  /** First address of the data page. */
  readonly dataBase: bigint;
  /** The data page's initial contents. */
  readonly data: Uint8Array;
  /** Where each thread starts. */
  readonly entries: readonly bigint[];
  /** Each thread's fault handler (`P1.F`), if it has one. */
  readonly handlers: ReadonlyMap<number, bigint>;
  /** Initial register values: thread, register index, 64-bit value. */
  readonly registers: readonly (readonly [number, number, bigint])[];
  /** The address of each location. */
  readonly locations: ReadonlyMap<string, bigint>;
  /** The code address (`P1:#3`) of the slot at an engine-independent 64-bit address. */
  slotAt(address: bigint): string | undefined;
  /** The litmus value a machine word stands for: a location, a code address, an instruction, or the number. */
  decode(word: bigint): LitmusValue;
}

/** Lays `test` out for `arch` (the machine's); `ENOSYS` naming what the machine cannot run. */
export function buildLitmusImage(test: LitmusTest, front: LitmusArch, arch: Arch): LitmusImage {
  const traits = front.machine;
  const region = findRegion(arch.layout, 'modules').start;
  const dataBase = region;
  const codeBase = region + BigInt(PAGE_BYTES);
  if (test.locations.length * LINE_BYTES > STACKS_OFFSET)
    unsupported(test, `${test.locations.length} locations do not fit one data page`);
  if (test.threads * STACK_BYTES > PAGE_BYTES - STACKS_OFFSET)
    unsupported(test, `${test.threads} threads' stacks do not fit one data page`);
  const locations = new Map<string, bigint>(
    test.locations.map((loc, i) => [loc, dataBase + BigInt(i * LINE_BYTES)]),
  );

  // Each thread's source: its column, then its handler column.
  const slots = new Map<string, bigint>();
  const entries: bigint[] = [];
  const handlers = new Map<number, bigint>();
  const threads: AssembledThread[] = [];
  let at = codeBase;
  for (let t = 0; t < test.threads; t++) {
    const columns = [`P${t}`, `P${t}.F`].filter((c) => test.code.has(c));
    const assembled = assembleThread(test, front, arch, columns, at, locations);
    for (const [address, slot] of assembled.slots) slots.set(slot, address);
    entries.push(at);
    const handler = slots.get(codeAddress(`P${t}.F`, 0));
    if (handler !== undefined) handlers.set(t, handler);
    threads.push(assembled);
    at = lineUp(at + BigInt(assembled.bytes.length));
  }
  const code = new Uint8Array(Number(at - codeBase));
  threads.forEach((t, i) => {
    code.set(t.bytes, Number((entries[i] as bigint) - codeBase));
  });
  const slotByAddress = new Map<bigint, string>([...slots].map(([slot, a]) => [a, slot]));

  // Instruction values: the instruction alone, padded with no-ops to the value's width.
  const instructions = new Map<string, bigint>();
  const instructionWord = (text: string): bigint => {
    let word = instructions.get(text);
    if (word === undefined) {
      word = littleEndian(padded(front, arch, text, traits.slotBytes, test));
      instructions.set(text, word);
    }
    return word;
  };
  const encode = (v: LitmusValue, what: string): bigint => {
    if (typeof v === 'bigint') return v & MASK64;
    const loc = locations.get(v);
    if (loc !== undefined) return loc;
    const text = instrText(v);
    if (text !== undefined) return instructionWord(text);
    const c = parseCodeAddress(v);
    const a = c && slots.get(codeAddress(c.column, c.slot));
    if (a !== undefined) return a;
    return unsupported(test, `${what} holds ${v}, which is no location, label or instruction`);
  };
  const data = new Uint8Array(PAGE_BYTES);
  for (const [loc, address] of locations) {
    const v = encode(test.memory.get(loc) ?? 0n, `[${loc}]`);
    const o = Number(address - dataBase);
    for (let b = 0; b < WORD_BYTES; b++) data[o + b] = Number((v >> BigInt(8 * b)) & 0xffn);
  }
  // Each thread gets a small stack (x86 CALL and RET use it); the init block may override it.
  const registers: (readonly [number, number, bigint])[] = Array.from(
    { length: test.threads },
    (_, t) => [t, arch.isa.stackPointer, dataBase + BigInt(PAGE_BYTES - t * STACK_BYTES)] as const,
  );
  for (const r of test.registers)
    registers.push([r.thread, r.reg, encode(r.value, `${r.thread}:${front.registerName(r.reg)}`)]);

  // Decoding: every symbolic value the test can produce, by machine word.
  const symbols = new Map<bigint, LitmusValue>();
  for (const [loc, a] of locations) symbols.set(a, loc);
  for (const [slot, a] of slots) symbols.set(a, slot);
  for (const col of test.code.values())
    for (const s of col.slots) {
      const word = tryInstructionWord(instructionWord, s.text);
      if (word !== undefined && !symbols.has(word)) symbols.set(word, instrValue(s.text));
    }
  for (const v of [...test.memory.values(), ...test.registers.map((r) => r.value)]) {
    const text = instrText(v);
    if (text !== undefined) symbols.set(instructionWord(text), v);
  }
  return {
    codeBase,
    code,
    dataBase,
    data,
    entries,
    handlers,
    registers,
    locations,
    slotAt: (address) => slotByAddress.get(address & MASK64),
    decode: (word) => symbols.get(word & MASK64) ?? word & MASK64,
  };
}

interface AssembledThread {
  readonly bytes: Uint8Array;
  /** Slot address by code address, the end of each column included. */
  readonly slots: ReadonlyMap<bigint, string>;
}

/**
 * Assembles a thread's columns at `origin` (a line boundary): each slot
 * aligned to `slotBytes` (`.balign`, which pads x86 with one long no-op),
 * a handler column from the next line on.
 */
function assembleThread(
  test: LitmusTest,
  front: LitmusArch,
  arch: Arch,
  columns: readonly string[],
  origin: bigint,
  locations: ReadonlyMap<string, bigint>,
): AssembledThread {
  const { halt, slotBytes } = front.machine;
  const name = (k: number) => `__litmus_slot_${k}`;
  const items: { column: string; slot: number; text: string; label: boolean }[] = [];
  const lines: string[] = [];
  const lineOf: number[] = [];
  for (const column of columns) {
    const col = test.code.get(column);
    if (!col) continue;
    lines.push(`.balign ${LINE_BYTES}`);
    for (let i = 0; i <= col.slots.length; i++) {
      const k = items.length;
      const raw = i < col.slots.length ? (col.slots[i]?.text ?? '') : halt;
      const text = relativeTargets(front, withAddresses(front, raw, locations), (d) => name(k + d));
      const labels = [...col.labels].filter(([, slot]) => slot === i).map(([l]) => `${l}:`);
      items.push({ column, slot: i, text, label: labels.length > 0 });
      lines.push(`${name(k)}:`, ...labels);
      lineOf[k] = lines.length + 1;
      lines.push(text, `.balign ${slotBytes}`);
    }
  }
  let assembly: ReturnType<typeof arch.isa.assemble>;
  try {
    assembly = arch.isa.assemble(lines.join('\n'), { origin, compressed: false });
  } catch (e) {
    const m = (e as Error).message.match(/line (\d+)/);
    const item = items[m ? lineOf.indexOf(Number(m[1])) : -1];
    return unsupported(
      test,
      item
        ? `${item.column} instruction '${item.text}' does not assemble: ${(e as Error).message}`
        : (e as Error).message,
    );
  }
  const slots = new Map<bigint, string>();
  items.forEach((item, k) => {
    const start = assembly.labels.get(name(k)) as number;
    const next = assembly.labels.get(name(k + 1));
    const size = assembly.lines.find((l) => l.line === lineOf[k])?.bytes.length ?? 0;
    // Code addresses count slots (`.+12` is three on): an instruction the assembler
    // expands to several (a large `li`) would move the slots after it.
    const fixed = front.instructionBytes !== undefined;
    if (
      fixed &&
      next !== undefined &&
      items[k + 1]?.column === item.column &&
      next - start !== slotBytes
    )
      unsupported(
        test,
        `${item.column} instruction '${item.text}' takes ${next - start} bytes, not one ${slotBytes}-byte slot`,
      );
    if (item.label && size > slotBytes)
      unsupported(
        test,
        `${item.column} labelled instruction '${item.text}' takes ${size} bytes, more than an instruction value's ${slotBytes}`,
      );
    slots.set(origin + BigInt(start), codeAddress(item.column, item.slot));
  });
  return { bytes: assembly.bytes, slots };
}

/**
 * A `.+N` / `.-N` branch target (herd's relative form) names the slot N bytes
 * away in the test's fixed-size encoding: `slot(Δ)`, the target `Δ` slots
 * away (a label in code, an offset in a value).
 */
function relativeTargets(front: LitmusArch, text: string, slot: (delta: number) => string): string {
  const size = front.instructionBytes;
  if (size === undefined) return text;
  return text.replace(/(?<![\w.])\.\s*([+-])\s*(\d+)/g, (_, sign: string, n: string) =>
    slot((sign === '-' ? -1 : 1) * Math.floor(Number(n) / size)),
  );
}

/** On x86 a location in an operand (`(x)`, `$x`) becomes its absolute address. */
function withAddresses(
  front: LitmusArch,
  text: string,
  locations: ReadonlyMap<string, bigint>,
): string {
  if (!front.machine.absoluteLocations) return text;
  let out = text;
  for (const [loc, address] of locations) {
    const value = BigInt.asIntN(64, address).toString();
    out = out
      .replace(new RegExp(`\\(\\s*${loc}\\s*\\)`, 'g'), value)
      .replace(new RegExp(`(?<![%\\w.])${loc}(?![\\w:])`, 'g'), value);
  }
  return out;
}

/** An instruction value: the instruction's bytes padded with no-ops to `width`. */
function padded(
  front: LitmusArch,
  arch: Arch,
  text: string,
  width: number,
  test: LitmusTest,
): Uint8Array {
  let bytes: Uint8Array;
  let nop: Uint8Array;
  const here = '__litmus_value';
  const source = `${here}: ${relativeTargets(front, text, (d) => `${here}${d < 0 ? '-' : '+'}${Math.abs(d) * width}`)}`;
  try {
    bytes = arch.isa.assemble(source, { compressed: false }).bytes;
    nop = arch.isa.assemble(front.machine.nop, { compressed: false }).bytes;
  } catch (e) {
    return unsupported(test, `instruction '${text}' does not assemble: ${(e as Error).message}`);
  }
  if (bytes.length > width)
    unsupported(
      test,
      `instruction '${text}' takes ${bytes.length} bytes, more than an instruction value's ${width}`,
    );
  const out = new Uint8Array(width);
  out.set(bytes);
  for (let o = bytes.length; o < out.length; o += nop.length) out.set(nop, o);
  return out;
}

function tryInstructionWord(word: (text: string) => bigint, text: string): bigint | undefined {
  try {
    return word(text);
  } catch {
    // A position-dependent instruction (a branch to a label) has no value of its own.
    return undefined;
  }
}

function lineUp(address: bigint): bigint {
  const line = BigInt(LINE_BYTES);
  return ((address + line - 1n) / line) * line;
}

function littleEndian(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

function unsupported(test: LitmusTest, why: string): never {
  return fail('ENOSYS', `${test.name}: cannot simulate: ${why}`);
}
