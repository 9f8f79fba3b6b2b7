import { Command } from 'commander';
import { archOption, findIsa } from '../arches';
import { ExitCode } from '../exitCode';
import { writeJson } from '../io';
import { formatListingLine, hexBytes } from '../listing';
import { UsageError } from '../usageError';
import type { CommandFactory } from './index';

/**
 * Parses one command-line byte stream. Bytes: hex pairs in memory order,
 * spaces and `0x` optional. Words (`--words`): instruction words as
 * objdump prints them (arm64 `d503201f`, riscv64 `00100073` or `9002`),
 * each stored little-endian.
 */
export function parseByteStream(text: string, words: boolean): Uint8Array {
  const tokens = text
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((t) => t.replace(/^0x/i, ''));
  const out: number[] = [];
  for (const token of tokens) {
    if (!/^[0-9a-f]+$/i.test(token) || token.length % 2 !== 0) {
      throw new UsageError(`bad hex ${words ? 'word' : 'bytes'} '${token}'`);
    }
    const pairs = token.match(/../g)!.map((p) => Number.parseInt(p, 16));
    out.push(...(words ? pairs.reverse() : pairs));
  }
  return Uint8Array.from(out);
}

/** `execmem disasm --arch A HEX...`: each argument a byte stream, one line per instruction. */
export const disasmCommand: CommandFactory = (io, result) =>
  new Command('disasm')
    .description('disassemble byte streams; the text equals objdump -d without its comments')
    .addOption(archOption())
    .argument('<hex...>', 'byte streams in memory order (or instruction words with --words)')
    .option('--words', 'read instruction words as objdump prints them (arm64, riscv64)')
    .option('--origin <address>', 'address of the first byte', '0')
    .option('--json', 'print JSON for machines')
    .action(
      (hex: string[], opts: { arch: string; words?: boolean; origin: string; json?: boolean }) => {
        const isa = findIsa(opts.arch);
        const all = hex.map((h) =>
          isa.disassemble(parseByteStream(h, opts.words === true), { origin: BigInt(opts.origin) }),
        );
        if (opts.json) {
          writeJson(
            io.out,
            all.map((insns) =>
              insns.map((i) => ({ offset: i.offset, bytes: hexBytes(i.bytes), text: i.text })),
            ),
          );
        } else {
          for (const insns of all) {
            for (const i of insns)
              io.out.write(`${formatListingLine(i.offset, i.bytes, i.text)}\n`);
          }
        }
        result.code = ExitCode.Ok;
      },
    );
