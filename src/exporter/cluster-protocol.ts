/*
 * Node cluster support: the primary serves one endpoint with the totals of all workers.
 *
 * Protocol (public IPC messages, tagged with {@link CLUSTER_TAG}; foreign messages are ignored):
 * a worker says `hello` (with its bucket bounds) when faultline starts in it; on each scrape the
 * primary sends `get` to every worker that said hello and waits at most `timeoutMs` for the
 * `snap` answers. A worker that does not answer in time is served with its last snapshot and
 * counted as `timed_out` in `faultline_cluster_workers`; a worker that exits is folded into the
 * retired totals with its last snapshot, so the sums never go down. A worker that exits by itself
 * sends a final `snap` (id 0) from its 'exit' handler.
 */
import type { Snapshot } from './cluster-merge.js';

/** The key that marks faultline's IPC messages (its value is the protocol version). */
export const CLUSTER_TAG = '__faultline_cluster';
/** Version of the message format. */
export const PROTOCOL = 1;
/** The messages between a primary and its workers. */
export type Message =
  | { t: 'hello'; buckets: number[] }
  | { t: 'welcome' }
  | { t: 'ping' }
  | { t: 'get'; id: number }
  | { t: 'snap'; id: number; seq: number; s: Snapshot };

/**
 * Tags a message for the IPC channel.
 * @example
 * ```ts
 * worker.send(wrap({ t: 'get', id: 1 }));
 * ```
 */
export function wrap(message: Message): Record<string, unknown> {
  return { [CLUSTER_TAG]: PROTOCOL, ...message };
}

/**
 * The faultline message inside an IPC message, or undefined for anybody else's message.
 * @example
 * ```ts
 * process.on('message', (raw) => { const message = unwrap(raw); if (message === undefined) return; });
 * ```
 */
export function unwrap(message: unknown): Message | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (m[CLUSTER_TAG] !== PROTOCOL || typeof m['t'] !== 'string') return undefined;
  return m as unknown as Message;
}
