import type { Faultline } from './faultline.js';

/** Where `faultline/register` keeps its instance (shared by the ESM and CommonJS copies). */
export const REGISTERED_KEY = Symbol.for('faultline.registered');

/**
 * The instance that `faultline/register` created in this process, if any: use it to add
 * adapters or read `registry` instead of creating a second instance that would count the same
 * responses again.
 *
 * @example
 * ```ts
 * import { registered, createFaultline } from 'faultline';
 * const fl = registered() ?? createFaultline();
 * ```
 */
export function registered(): Faultline | undefined {
  return (globalThis as { [REGISTERED_KEY]?: Faultline })[REGISTERED_KEY];
}
