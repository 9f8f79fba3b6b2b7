/**
 * arm64 text patching: CMODX rules, cache maintenance, writes through the
 * fixmap alias, stop-machine patching.
 *
 * @module
 */

export * from './cacheMaintenance';
export * from './cmodx';
export * from './insnPatchText';
export * from './patchingRules';
export * from './textPoke';
