/**
 * riscv64 memory management: Sv39/Sv48 page-table formats, kernel layouts, CPU profile.
 *
 * @module
 */

export * from './cpuProfile';
export * from './layout';
export * from './pageTable';
