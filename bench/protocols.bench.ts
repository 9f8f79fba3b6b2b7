// Every shipped safe protocol scenario, exhaustive with 3 CPUs (the 2-CPU runs are in the jit
// test suite). Each scenario runs in a child process with a 60 s limit, so one that does not
// finish in time is recorded as such instead of holding up the others.
import { spawnSync } from 'node:child_process';
import { archByArchName } from '@execmem/cli';
import { type ArchResolver, runScenario, shippedScenarios } from '@execmem/jit';
import { machineLine, printTable } from './table.ts';

const CPUS = 3;
const LIMIT_MS = 60_000;

const resolve: ArchResolver = (name, options) => archByArchName(name, options);

const only = process.argv[2];
if (only !== undefined) {
  const start = performance.now();
  const r = runScenario(only, resolve, { cpus: CPUS });
  const seconds = (performance.now() - start) / 1000;
  const verdict = r.asExpected ? 'safe, as expected' : 'NOT as expected';
  console.log(JSON.stringify([r.check.states, r.check.executions, seconds, verdict]));
} else {
  const rows: (string | number)[][] = [];
  for (const s of shippedScenarios.filter((s) => s.expect === 'safe')) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, new URL(import.meta.url).pathname, s.name],
      { encoding: 'utf8', timeout: LIMIT_MS },
    );
    if (child.status === 0) {
      const [states, executions, seconds, verdict] = JSON.parse(child.stdout);
      rows.push([s.name, CPUS, states, executions, seconds, verdict]);
    } else {
      const why = child.error ? `not finished in ${LIMIT_MS / 1000} s` : child.stderr.trim();
      rows.push([s.name, CPUS, '–', '–', '–', why]);
    }
  }
  console.log(machineLine());
  printTable(['scenario', 'CPUs', 'states', 'executions', 'seconds', 'verdict'], rows);
}
