import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import {
  CALL_KEY, callEnded, callErrored, callResponded, getClientRuntime, reindex, startCalls,
} from './client-calls.js';
import type { ClientCall, ClientOwner, ClientWatch } from './client-calls.js';
import { subscribeUndici } from './undici.js';
import { guarded } from './guard.js';

/**
 * node:http / node:https client calls through Node's diagnostics channels, no patching:
 *
 * - `http.client.request.start`: the call starts; it is looked up by its Host header (what
 *   Node sends: the host, with the port when not the scheme's default), so a call to an unlisted
 *   host costs one Map lookup. A watched call gets a 'close' and a 'timeout' listener.
 * - `http.client.response.finish` (published when the response *headers* arrived): the response
 *   is counted; a 'close' listener on the response observes the duration when the body ended
 *   (read to the end, or stopped early).
 * - `http.client.request.error` (nodejs/node#54054, published by Node 20.20): a call without a response failed, with
 *   the error's reason; a request that emitted 'timeout' first counts as `timeout`.
 * - the request's 'close' without a response: a failure nobody reported an error for
 *   (`req.abort()`, or a Node line without the error channel): `aborted` or `other`.
 */
type WatchedRequest = ClientRequest & { [CALL_KEY]?: ClientCall; res?: IncomingMessage | null; aborted?: boolean };

function onRequestClose(this: WatchedRequest): void {
  const call = this[CALL_KEY];
  if (call === undefined) return;
  const res = this.res;
  if (res !== null && res !== undefined && typeof res.statusCode === 'number') {
    // answered without the response channel (an upgrade or CONNECT handed to the app)
    callResponded(call, res.statusCode);
    callEnded(call);
    return;
  }
  callErrored(call, undefined, this.aborted === true);
}

function onRequestTimeout(this: WatchedRequest): void {
  for (let c = this[CALL_KEY]; c !== undefined; c = c.next) c.timedOut = true;
}

function onResponseClose(this: IncomingMessage): void {
  const call = (this as IncomingMessage & { req?: WatchedRequest }).req?.[CALL_KEY];
  if (call !== undefined) callEnded(call);
}

function onRequestStart(message: unknown): void {
  const req = (message as { request?: WatchedRequest }).request;
  if (req === undefined) return;
  const host = req.getHeader('host');
  const list = getClientRuntime().byAuthority.get(typeof host === 'string' ? host : req.host);
  if (list === undefined) return;
  const call = startCalls(list, req.protocol, req.method, req.path);
  if (call === undefined) return;
  req[CALL_KEY] = call;
  req.on('close', onRequestClose);
  req.on('timeout', onRequestTimeout);
}

function onResponse(message: unknown): void {
  const { request, response } = message as { request?: WatchedRequest; response?: IncomingMessage };
  const call = request?.[CALL_KEY];
  if (call === undefined || response === undefined) return;
  callResponded(call, response.statusCode ?? 0);
  response.on('close', onResponseClose);
}

function onRequestError(message: unknown): void {
  const { request, error } = message as { request?: WatchedRequest; error?: unknown };
  const call = request?.[CALL_KEY];
  if (call === undefined) return;
  // req.abort() after the connection was made still reports "socket hang up": it was the caller
  if (request?.aborted === true) callErrored(call, undefined, true);
  else callErrored(call, error ?? new Error('request error'));
}

const HTTP_CHANNELS: ReadonlyArray<readonly [string, (message: unknown) => void]> = [
  ['http.client.request.start', onRequestStart],
  ['http.client.response.finish', onResponse],
  ['http.client.request.error', onRequestError],
];

function subscribeAll(): () => void {
  for (const [name, listener] of HTTP_CHANNELS) diagnosticsChannel.subscribe(name, guarded(listener));
  const unsubscribeUndici = subscribeUndici();
  return () => {
    for (const [name, listener] of HTTP_CHANNELS) diagnosticsChannel.unsubscribe(name, guarded(listener));
    unsubscribeUndici();
  };
}

/**
 * Watches the calls to an upstream for an instance; the first watch in the process subscribes
 * to the client channels (node:http and undici).
 * @example
 * ```ts
 * addWatch({ owner, protocol: 'http:', origin: 'http://127.0.0.1:8080', authority: '127.0.0.1:8080', prefix: '/v3' });
 * ```
 */
export function addWatch(watch: ClientWatch): void {
  const runtime = getClientRuntime();
  runtime.watches.add(watch);
  reindex(runtime);
  runtime.unsubscribe ??= subscribeAll();
}

/**
 * Stops watching every upstream of an instance; the last one out unsubscribes.
 * @example
 * ```ts
 * removeWatches(owner);
 * ```
 */
export function removeWatches(owner: ClientOwner): void {
  const runtime = getClientRuntime();
  for (const w of runtime.watches) if (w.owner === owner) runtime.watches.delete(w);
  reindex(runtime);
  if (runtime.watches.size === 0 && runtime.unsubscribe !== undefined) {
    runtime.unsubscribe();
    runtime.unsubscribe = undefined;
  }
}

export type { ClientCall, ClientOwner, ClientWatch } from './client-calls.js';
