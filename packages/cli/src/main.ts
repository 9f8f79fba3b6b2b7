/**
 * The `execmem` command's entry point, loaded by `bin/execmem.js`.
 *
 * @packageDocumentation
 */
export { run as main } from './program';
