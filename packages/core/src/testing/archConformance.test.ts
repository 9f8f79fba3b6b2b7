import { toyArch } from '../toy/toyArch';
import { toyIsa } from '../toy/toyIsa';
import { describeArchConformance } from './archConformance';

describeArchConformance(toyArch(), {
  isaSamples: [
    'li r1, 0x10',
    'add r5, r5, r1',
    'sw r6, -0x4(r15)',
    'trap 0x100',
    'fence 0xf',
    'nop',
  ],
  trapFill: toyIsa.assemble('trap 0x100').bytes,
});
