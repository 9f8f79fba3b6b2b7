/**
 * nano64: a fourth, toy architecture written from the backend guide.
 *
 * @packageDocumentation
 */

export * from './nanoArch';
export * from './nanoExecmem';
export * from './nanoIsa';
export * from './nanoLayout';
export * from './nanoPageTable';
