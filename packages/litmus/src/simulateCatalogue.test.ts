import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '@execmem/core/testing';
import { describeSimulation } from './testing/simulationGroups';

// Allowed tests reaching their exists outcome in 40 runs (seed 1): Ziccif 6 of 8,
// Ziccid 4 of 4, x86 7 of 11.
describeSimulation({
  name: 'RISC-V ifetch tests (Ziccif)',
  dir: sharedPath('litmus', 'riscv'),
  options: { riscvModel: 'ziccif' },
  tests: 12,
  minAllowedHit: 5,
});
describeSimulation({
  name: 'RISC-V ifetch tests (Ziccid)',
  dir: sharedPath('litmus', 'riscv'),
  options: { riscvModel: 'ziccid' },
  tests: 12,
  minAllowedHit: 3,
});
describeSimulation({
  name: 'x86 ifetch tests',
  dir: join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'x86'),
  options: {},
  tests: 22,
  minAllowedHit: 5,
});
