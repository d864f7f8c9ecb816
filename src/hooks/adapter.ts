import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Tracked } from './runtime.js';

/**
 * What a framework adapter needs from a faultline instance (the `Faultline` class implements
 * it); adapters depend on this, not on the class, so they stay thin and testable.
 * @example
 * ```ts
 * const host: AdapterHost = createFaultline();
 * host.track(req, res).route = '/items/:id';
 * ```
 */
export interface AdapterHost {
  /** The tracking record of a response, shared with the diagnostics_channel hook (idempotent). */
  track(req: IncomingMessage, res: ServerResponse): Tracked;
  /** Counts the responses of a server from their start (idempotent). */
  instrument(server: object): unknown;
  /** Counts and logs (once per kind) a fault inside faultline; never throws. */
  fault(kind: string, err: unknown): void;
}
