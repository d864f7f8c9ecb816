import { FAILURE_REASONS } from '../record/client-recorder.js';
import { failureReason } from './failure-reason.js';

/**
 * Process-wide state of the outbound-call hooks, shared by every copy of faultline in the
 * process (ESM and CommonJS builds) under a registered symbol, like the server runtime: the
 * watched upstreams of every instance, indexed so that a call to an unlisted host costs one Map
 * lookup, and the once-only state machine of each watched call.
 */
export const CLIENT_RUNTIME_VERSION = 1;
const CLIENT_RUNTIME_KEY = Symbol.for('faultline.client-runtime');
/** The property of a ClientRequest / undici Request holding its chain of ClientCall records. */
export const CALL_KEY = Symbol.for('faultline.client-call');

/**
 * One watched upstream (a base URL) of one instance.
 * @example
 * ```ts
 * const watch: ClientWatch = { owner, protocol: 'https:', origin: 'https://rds.example.com', authority: 'rds.example.com', prefix: '/v3' };
 * ```
 */
export interface ClientWatch {
  readonly owner: ClientOwner;
  /** `http:` or `https:`. */
  readonly protocol: string;
  /** `http://host:port` as URL.origin writes it (the key for undici requests). */
  readonly origin: string;
  /** `host[:port]` as the Host header carries it (the key for node:http requests). */
  readonly authority: string;
  /** The base URL's path without the trailing slash ('' for `/`). */
  readonly prefix: string;
}

/** Where a call is: waiting for its response, response counted (body pending), done. */
export const CALL_PENDING = 0;
export const CALL_RESPONDED = 1;
export const CALL_DONE = 2;

/**
 * One instance's record of one watched call. The runtime moves `state` forward only.
 * @example
 * ```ts
 * if (call.state === CALL_PENDING) callErrored(call, err);
 * ```
 */
export interface ClientCall {
  readonly owner: ClientOwner;
  state: number;
  /** The request emitted 'timeout' (node:http `timeout` option / `setTimeout`). */
  timedOut: boolean;
  next: ClientCall | undefined;
}

/**
 * What the hooks need from an instance. None of these may throw.
 * @example
 * ```ts
 * class Outbound implements ClientOwner { begin() { ... } response() { ... } ended() { ... } failed() { ... } }
 * ```
 */
export interface ClientOwner {
  /** Starts a record for a call under `watch` (method and path as sent, path with query). */
  begin(watch: ClientWatch, method: string, path: string): ClientCall;
  /** The response headers arrived (called once per call). */
  response(call: ClientCall, code: number): void;
  /** The response body ended or the exchange stopped after the headers (once, after `response`). */
  ended(call: ClientCall): void;
  /** The call got no response; `reason` indexes FAILURE_REASONS (once, instead of `response`). */
  failed(call: ClientCall, reason: number): void;
}

interface ClientRuntime {
  readonly version: number;
  readonly watches: Set<ClientWatch>;
  /** By origin, longest prefix first. */
  byOrigin: Map<string, ClientWatch[]>;
  /** By authority, longest prefix first. */
  byAuthority: Map<string, ClientWatch[]>;
  /** Undoes the channel subscriptions of the copy that subscribed. */
  unsubscribe: (() => void) | undefined;
}

/** The process-wide client runtime; created by the first copy of faultline that asks. */
export function getClientRuntime(): ClientRuntime {
  const g = globalThis as { [CLIENT_RUNTIME_KEY]?: ClientRuntime };
  let runtime = g[CLIENT_RUNTIME_KEY];
  if (runtime === undefined) {
    runtime = { version: CLIENT_RUNTIME_VERSION, watches: new Set(), byOrigin: new Map(), byAuthority: new Map(), unsubscribe: undefined };
    g[CLIENT_RUNTIME_KEY] = runtime;
  } else if (runtime.version !== CLIENT_RUNTIME_VERSION) {
    throw new Error(
      `two incompatible copies of faultline are loaded in this process (client runtime versions ${runtime.version} and ${CLIENT_RUNTIME_VERSION}); install one version`,
    );
  }
  return runtime;
}

/** Rebuilds the lookup maps after the watch set changed. */
export function reindex(runtime: ClientRuntime): void {
  const byOrigin = new Map<string, ClientWatch[]>();
  const byAuthority = new Map<string, ClientWatch[]>();
  for (const w of runtime.watches) {
    byOrigin.set(w.origin, [...(byOrigin.get(w.origin) ?? []), w]);
    byAuthority.set(w.authority, [...(byAuthority.get(w.authority) ?? []), w]);
  }
  const longestFirst = (a: ClientWatch, b: ClientWatch): number => b.prefix.length - a.prefix.length;
  for (const list of byOrigin.values()) list.sort(longestFirst);
  for (const list of byAuthority.values()) list.sort(longestFirst);
  runtime.byOrigin = byOrigin;
  runtime.byAuthority = byAuthority;
}

/** Whether `path` (with query) is under `prefix`, at a segment boundary. */
export function underPrefix(path: string, prefix: string): boolean {
  if (prefix === '') return true;
  if (!path.startsWith(prefix)) return false;
  const next = path.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */;
}

/**
 * Starts the records of a call for every instance that watches it (each instance's longest
 * matching prefix). `protocol` undefined: the key already told it (undici origins).
 */
export function startCalls(list: readonly ClientWatch[], protocol: string | undefined, method: string, path: string): ClientCall | undefined {
  let head: ClientCall | undefined;
  for (const watch of list) {
    if (protocol !== undefined && watch.protocol !== protocol) continue;
    if (!underPrefix(path, watch.prefix)) continue;
    let seen = false;
    for (let c = head; c !== undefined; c = c.next) if (c.owner === watch.owner) seen = true;
    if (seen) continue;
    const call = watch.owner.begin(watch, method, path);
    call.next = head;
    head = call;
  }
  return head;
}

/** The response headers of a call arrived. */
export function callResponded(head: ClientCall, code: number): void {
  for (let c: ClientCall | undefined = head; c !== undefined; c = c.next) {
    if (c.state !== CALL_PENDING) continue;
    c.state = CALL_RESPONDED;
    c.owner.response(c, code);
  }
}

/** The response body of a call ended (completely or not). */
export function callEnded(head: ClientCall): void {
  for (let c: ClientCall | undefined = head; c !== undefined; c = c.next) {
    if (c.state !== CALL_RESPONDED) continue;
    c.state = CALL_DONE;
    c.owner.ended(c);
  }
}

/**
 * A call reported an error (or closed without one: `err` undefined, `aborted` says whether the
 * application aborted it). Before the response: a failure, counted once; after: the end.
 */
export function callErrored(head: ClientCall, err: unknown, aborted = false): void {
  for (let c: ClientCall | undefined = head; c !== undefined; c = c.next) {
    if (c.state === CALL_PENDING) {
      c.state = CALL_DONE;
      const reason = err === undefined ? (c.timedOut ? 'timeout' : aborted ? 'aborted' : 'other') : failureReason(err, c.timedOut);
      c.owner.failed(c, FAILURE_REASONS.indexOf(reason));
    } else if (c.state === CALL_RESPONDED) {
      c.state = CALL_DONE;
      c.owner.ended(c);
    }
  }
}
