import diagnosticsChannel from 'node:diagnostics_channel';
import { CALL_KEY, callEnded, callErrored, callResponded, getClientRuntime, startCalls } from './client-calls.js';
import type { ClientCall } from './client-calls.js';
import { guarded } from './guard.js';

/**
 * fetch / undici calls through undici's diagnostics channels (Node 20's bundled undici 6
 * publishes them for `fetch`; an installed `undici` package publishes the same ones):
 *
 * - `undici:request:create`: the call starts; its origin is looked up, unlisted ones stop here.
 * - `undici:request:headers`: the response headers arrived: the response is counted.
 * - `undici:request:trailers`: undici received the whole body: the duration is observed. For a
 *   large body the application does not read, undici stops reading and this never comes: that
 *   response is counted but has no duration.
 * - `undici:request:error`: before the headers, the call failed (counted once, with its
 *   reason); after them, the body stopped early (the duration is observed then).
 *
 * `undici:client:connectError` is not used: undici also fails each request queued on the
 * connection through `undici:request:error`, which names the request.
 */
interface UndiciRequest {
  origin?: unknown;
  method?: unknown;
  path?: unknown;
  [CALL_KEY]?: ClientCall;
}

function originOf(origin: unknown): string | undefined {
  if (typeof origin === 'string') return origin;
  // undici.request() callers may pass a URL object as the origin
  if (typeof origin === 'object' && origin !== null && typeof (origin as URL).origin === 'string') return (origin as URL).origin;
  return undefined;
}

function onCreate(message: unknown): void {
  const request = (message as { request?: UndiciRequest }).request;
  if (request === undefined) return;
  const origin = originOf(request.origin);
  if (origin === undefined) return;
  const list = getClientRuntime().byOrigin.get(origin);
  if (list === undefined) return;
  const { method, path } = request;
  if (typeof method !== 'string' || typeof path !== 'string') return;
  const call = startCalls(list, undefined, method, path);
  if (call !== undefined) request[CALL_KEY] = call;
}

function onHeaders(message: unknown): void {
  const { request, response } = message as { request?: UndiciRequest; response?: { statusCode?: unknown } };
  const call = request?.[CALL_KEY];
  if (call === undefined) return;
  const code = response?.statusCode;
  // informational answers are not the response (101 is: the call switched protocols)
  if (typeof code !== 'number' || (code < 200 && code !== 101)) return;
  callResponded(call, code);
}

function onTrailers(message: unknown): void {
  const call = (message as { request?: UndiciRequest }).request?.[CALL_KEY];
  if (call !== undefined) callEnded(call);
}

function onError(message: unknown): void {
  const { request, error } = message as { request?: UndiciRequest; error?: unknown };
  const call = request?.[CALL_KEY];
  if (call !== undefined) callErrored(call, error ?? new Error('undici request error'));
}

const CHANNELS: ReadonlyArray<readonly [string, (message: unknown) => void]> = [
  ['undici:request:create', onCreate],
  ['undici:request:headers', onHeaders],
  ['undici:request:trailers', onTrailers],
  ['undici:request:error', onError],
];

/**
 * Subscribes to undici's channels; returns the function that unsubscribes.
 * @example
 * ```ts
 * const unsubscribe = subscribeUndici();
 * // ... fetch() calls to watched upstreams are counted ...
 * unsubscribe();
 * ```
 */
export function subscribeUndici(): () => void {
  for (const [name, listener] of CHANNELS) diagnosticsChannel.subscribe(name, guarded(listener));
  return () => {
    for (const [name, listener] of CHANNELS) diagnosticsChannel.unsubscribe(name, guarded(listener));
  };
}
