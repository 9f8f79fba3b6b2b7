/**
 * x86-64 text patching: `text_poke()` through `text_poke_mm`, the int3
 * batch protocol and its handler.
 *
 * @module
 */

export * from './int3Emulate';
export * from './patchingRules';
export * from './smpTextPokeBatch';
export * from './textPoke';
export * from './textPokeSync';
