import { Command } from 'commander';
import { archOption, findIsa } from '../arches';
import { ExitCode } from '../exitCode';
import { writeJson } from '../io';
import { formatListingLine, hexBytes } from '../listing';
import type { CommandFactory } from './index';

/** `execmem asm --arch A [FILE|-]`: GNU syntax in, one line per instruction out. */
export const asmCommand: CommandFactory = (io, result) =>
  new Command('asm')
    .description(
      'assemble GNU-syntax source; print offset, bytes in memory order and the disassembly of each instruction',
    )
    .addOption(archOption())
    .argument('[file]', 'source file, or - for standard input', '-')
    .option('--no-rvc', 'riscv64: do not emit compressed instructions (as -march=rv64g)')
    .option('--origin <address>', 'address of the first byte', '0')
    .option('--json', 'print JSON for machines')
    .action(
      (file: string, opts: { arch: string; rvc: boolean; origin: string; json?: boolean }) => {
        const isa = findIsa(opts.arch, { compressed: opts.rvc });
        const origin = BigInt(opts.origin);
        const assembly = isa.assemble(io.readFile(file), { origin, compressed: opts.rvc });
        const lines = assembly.lines.flatMap((line) => {
          const insns = isa.disassemble(line.bytes, { origin: origin + BigInt(line.offset) });
          return insns.map((insn) => ({
            offset: line.offset + insn.offset,
            bytes: insn.bytes,
            text: insn.text,
            line: line.line,
          }));
        });
        if (opts.json) {
          writeJson(
            io.out,
            lines.map((l) => ({
              offset: l.offset,
              bytes: hexBytes(l.bytes),
              text: l.text,
              line: l.line,
            })),
          );
        } else {
          for (const l of lines) io.out.write(`${formatListingLine(l.offset, l.bytes, l.text)}\n`);
        }
        result.code = ExitCode.Ok;
      },
    );
