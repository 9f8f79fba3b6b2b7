import { arm64PageTableFormat, execmemArchSetup } from '@execmem/arch-arm64';
import { describeExecmemProperties } from './execmemProperty';

describeExecmemProperties({
  name: 'arm64',
  format: arm64PageTableFormat,
  info: (seed) => execmemArchSetup(seed),
});
