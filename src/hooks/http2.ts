import http from 'node:http';
import https from 'node:https';
import { Http2ServerResponse } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * HTTP/2 support. Node 20 publishes no `http2.*` diagnostics channels, so an HTTP/2 server
 * (`http2.createServer()` / `createSecureServer()`, compat API) is hooked through its own
 * 'request' event when it is passed to `fl.instrument()`; `faultline/register` cannot see it.
 *
 * On HTTP/2 the compat response emits 'finish' (with `writableFinished` true and status 200)
 * even when the client cancelled the stream (RST_STREAM, NGHTTP2_CANCEL), so "finished" is
 * not a success signal there: a response counts as sent only when its stream closed without
 * an error code, after the headers went out and `end()` was called.
 */

/**
 * Whether `server` is a node:http or node:https server (seen through diagnostics_channel).
 * @example
 * ```ts
 * isHttp1Server(http.createServer()); // true
 * isHttp1Server(http2.createServer()); // false
 * ```
 */
export function isHttp1Server(server: unknown): boolean {
  return server instanceof http.Server || server instanceof https.Server;
}

/**
 * A server that can announce requests through a 'request' event (HTTP/2 compat servers).
 * @example
 * ```ts
 * const server: RequestEmitter = http2.createServer();
 * ```
 */
export interface RequestEmitter {
  prependListener(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}

/**
 * Whether `server` emits 'request' events we can listen to (and is not a node:http server).
 * @example
 * ```ts
 * if (isRequestEmitter(server)) server.prependListener('request', (req, res) => track(req, res));
 * ```
 */
export function isRequestEmitter(server: unknown): server is RequestEmitter {
  return (
    typeof server === 'object' && server !== null && !isHttp1Server(server) &&
    typeof (server as { prependListener?: unknown }).prependListener === 'function'
  );
}

/**
 * Whether a response was completely sent: node:http's `writableFinished`; on HTTP/2, also a
 * stream closed without RST_STREAM error, headers sent and `end()` called.
 *
 * @example
 * ```ts
 * res.on('close', () => console.log(completelySent(res) ? 'served' : 'aborted'));
 * ```
 */
export function completelySent(res: ServerResponse): boolean {
  if (res.writableFinished !== true) return false;
  if (!(res instanceof Http2ServerResponse)) return true;
  const h2 = res as unknown as Http2ServerResponse;
  return h2.stream.rstCode === 0 && h2.headersSent && h2.writableEnded;
}
