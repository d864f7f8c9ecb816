import type * as Http from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as WorkerThreads from 'node:worker_threads';
import type * as Zlib from 'node:zlib';

/**
 * The metrics endpoint's own thread: an HTTP server that answers scrapes with what the
 * application's thread renders. It exists so that a scrape runs none of Node's HTTP code on the
 * application's thread. V8 optimises Node's http, stream and event code for the objects the
 * application's requests pass through it; the first scrape of an endpoint on that thread is a
 * request of another server, from another client with other header names, and V8 threw that
 * code away and rebuilt it for both ("wrong map", megamorphic property reads in the
 * `IncomingMessage` headers getter): every response of the application paid ~900 instructions
 * more afterwards (callgrind, node:http + `faultline/register`: 56,400 per response scraped once
 * against 55,473 never scraped). A worker thread is a V8 isolate of its own: its requests leave
 * the application's code as it was. Gzip runs there too.
 *
 * The application's thread keeps what needs its state: the decision on each scrape (method,
 * token, concurrent-scrape slots, format) and the rendering.
 */

/** What the endpoint's thread starts with (its `workerData`). */
export interface ThreadSettings {
  readonly path: string;
  readonly port: number;
  readonly host: string;
}

/** Messages from the endpoint's thread to the application's. */
export type FromThread =
  | { readonly type: 'listening'; readonly address: AddressInfo }
  | { readonly type: 'listen-error'; readonly error: ThreadError }
  /** A request on the path: `id` names it in the reply and in 'closed'. */
  | {
      readonly type: 'scrape';
      readonly id: number;
      readonly method: string | undefined;
      readonly authorization: string | undefined;
      readonly accept: string | undefined;
      readonly acceptEncoding: string | undefined;
    }
  /** The response to scrape `id` closed (sent, or its connection went away). */
  | { readonly type: 'closed'; readonly id: number }
  /** Gzip of scrape `id`'s body failed: the application's thread counts it and sends the answer. */
  | { readonly type: 'gzip-failed'; readonly id: number; readonly error: ThreadError }
  /** The server failed after it started listening. */
  | { readonly type: 'server-error'; readonly error: ThreadError };

/** Messages from the application's thread to the endpoint's. */
export type ToThread =
  | {
      readonly type: 'reply';
      readonly id: number;
      readonly status: number;
      readonly headers: Record<string, string>;
      readonly body: string | Uint8Array;
      /** Gzip the body first (and add Content-Encoding). */
      readonly gzip: boolean;
    }
  | { readonly type: 'close' };

/** An Error as it crosses threads. */
export interface ThreadError {
  readonly message: string;
  readonly code: string | undefined;
}

/**
 * The endpoint thread's program. It runs as the source text of a worker (`new Worker(source,
 * { eval: true })`): it must use nothing from outside its own body but globals and Node's
 * modules, which is also why it survives bundlers and needs no file of its own to be found.
 * Compiled by TypeScript like the rest, so that its types are checked.
 */
export function endpointThread(): void {
  // The worker runs this function's text, where require is the only loader; nothing else of
  // faultline is loaded there.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const threads = require('node:worker_threads') as typeof WorkerThreads;
  const http = require('node:http') as typeof Http;
  const zlib = require('node:zlib') as typeof Zlib;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const settings = threads.workerData as ThreadSettings;
  const port = threads.parentPort!;
  const post = (message: FromThread): void => port.postMessage(message);
  const asThreadError = (err: unknown): ThreadError => ({
    message: err instanceof Error ? err.message : String(err),
    code: typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : undefined,
  });

  let next = 0;
  /** Responses waiting for their reply, by scrape id, and whether they answer HEAD. */
  const waiting = new Map<number, { res: Http.ServerResponse; head: boolean }>();

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== settings.path) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    const id = next++;
    waiting.set(id, { res, head: req.method === 'HEAD' });
    res.once('close', () => {
      waiting.delete(id);
      post({ type: 'closed', id });
    });
    const h = req.headers;
    post({ type: 'scrape', id, method: req.method, authorization: h.authorization, accept: h.accept, acceptEncoding: h['accept-encoding'] });
  });
  // Malformed requests are dropped, not answered. Bytes after a request that said `Connection:
  // close` (a DELETE whose client sent a body without framing) are an error for Node's parser
  // too; that request is still answered (its reply comes from the other thread, after the
  // error), and its connection is closed then.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (err.code !== 'HPE_CLOSED_CONNECTION') socket.destroy();
  });

  function send(id: number, status: number, headers: Record<string, string>, body: Buffer): void {
    const entry = waiting.get(id);
    if (entry === undefined || entry.res.destroyed || entry.res.headersSent) return;
    entry.res.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
    if (entry.head) entry.res.end();
    else entry.res.end(body);
  }

  port.on('message', (message: ToThread) => {
    if (message.type === 'close') {
      server.closeAllConnections();
      // The thread ends once its server and this port are closed.
      server.close(() => port.close());
      return;
    }
    const { id, status, headers, gzip } = message;
    const body = typeof message.body === 'string' ? Buffer.from(message.body) : Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength);
    if (!gzip) {
      send(id, status, headers, body);
      return;
    }
    zlib.gzip(body, (err, zipped) => {
      if (err) post({ type: 'gzip-failed', id, error: asThreadError(err) });
      else send(id, status, { ...headers, 'Content-Encoding': 'gzip' }, zipped);
    });
  });

  server.once('error', (err) => post({ type: 'listen-error', error: asThreadError(err) }));
  server.listen(settings.port, settings.host, () => {
    server.removeAllListeners('error');
    server.on('error', (err) => post({ type: 'server-error', error: asThreadError(err) }));
    post({ type: 'listening', address: server.address() as AddressInfo });
  });
}
