/**
 * arm64 memory management: page-table format, kernel layout, CPU profile.
 *
 * @module
 */

export * from './cpuProfile';
export * from './layout';
export * from './pageTable';
