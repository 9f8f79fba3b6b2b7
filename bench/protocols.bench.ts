// Every shipped safe protocol scenario, exhaustive with 3 CPUs (the 2-CPU runs are in the jit
// test suite), twice: with the checker's independence declarations (the executors' code
// read-only, their stacks and result slots private), and without them, every step a decision,
// as the baseline. Each run is a child process with a 10-minute limit, so one that does not
// finish in time is recorded as such instead of holding up the others. The child reports its
// CPU time besides the wall-clock time: the exploration is single-threaded, so CPU seconds stay
// comparable when other work shares the cores.
import { spawnSync } from 'node:child_process';
import { archByArchName } from '@execmem/cli';
import { type ArchResolver, runScenario, shippedScenarios } from '@execmem/jit';
import { machineLine, printTable } from './table.ts';

const CPUS = 3;
const LIMIT_S = 600;

const resolve: ArchResolver = (name, options) => archByArchName(name, options);

const only = process.argv[2];
if (only !== undefined) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const r = runScenario(only, resolve, {
    cpus: CPUS,
    independence: process.argv[3] !== 'baseline',
  });
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  const verdict = r.asExpected ? 'safe, as expected' : 'NOT as expected';
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(JSON.stringify([r.check.states, r.check.executions, seconds, cpuSeconds, verdict]));
} else {
  const rows: (string | number)[][] = [];
  for (const s of shippedScenarios.filter((s) => s.expect === 'safe')) {
    for (const mode of ['independent', 'baseline']) {
      const child = spawnSync(
        process.execPath,
        [...process.execArgv, new URL(import.meta.url).pathname, s.name, mode],
        { encoding: 'utf8', timeout: LIMIT_S * 1000 },
      );
      if (child.status === 0) {
        const [states, executions, seconds, cpuSeconds, verdict] = JSON.parse(child.stdout);
        rows.push([s.name, mode, states, executions, seconds, cpuSeconds, verdict]);
      } else {
        const why = child.error ? `not finished in ${LIMIT_S} s` : child.stderr.trim();
        rows.push([s.name, mode, '–', '–', '–', '–', why]);
      }
    }
  }
  console.log(machineLine());
  console.log(`${CPUS} CPUs`);
  printTable(['scenario', 'steps', 'states', 'executions', 'seconds', 'CPU s', 'verdict'], rows);
}
