import { execmemArchSetup, x86PageTableFormat } from '@execmem/arch-x86';
import { describeExecmemProperties } from './execmemProperty';

describeExecmemProperties({
  name: 'x86',
  format: x86PageTableFormat,
  info: (seed) => execmemArchSetup(seed),
});
