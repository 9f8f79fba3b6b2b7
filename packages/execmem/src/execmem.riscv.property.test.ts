import { execmemArchSetup, sv39PageTableFormat } from '@execmem/arch-riscv';
import { describeExecmemProperties } from './execmemProperty';

describeExecmemProperties({
  name: 'riscv',
  format: sv39PageTableFormat,
  info: (seed) => execmemArchSetup(seed),
});
