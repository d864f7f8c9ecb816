import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { markExporterServer } from '../hooks/exporter-servers.js';
import { endpointThread } from './endpoint-thread.js';
import type { FromThread, ThreadError, ThreadSettings, ToThread } from './endpoint-thread.js';
import { COLLECTION_FAILED, COMPRESSION_FAILED, ENDPOINT_FAILED, expositionHeaders, writeHead } from './handler.js';
import type { Admission, EndpointSource, PlainAnswer, ScrapeRequest } from './handler.js';
import type { ExpositionFormat } from './render.js';

/** The metrics endpoint on its own listener. */
export interface MetricsServer {
  readonly address: AddressInfo;
  /** The endpoint's thread, when it has one. */
  readonly thread: Worker | undefined;
  close(): Promise<void>;
}

/** The endpoint thread's program, as the source text of a worker. */
const THREAD_SOURCE = `(${endpointThread.toString()})();\n`;

/** An Error made again from what crossed the threads (its code kept: `EADDRINUSE`, ...). */
function threadError(error: ThreadError): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(error.message);
  if (error.code !== undefined) err.code = error.code;
  return err;
}

/**
 * Starts the metrics endpoint on its own thread (src/exporter/endpoint-thread.ts): a server
 * there answers `path` (query strings ignored) and 404 elsewhere, asks this thread what to
 * answer each scrape (`admit`) and for the body (`source.render`), and gzips it itself. It does
 * not keep the process alive and drops malformed requests. Rejects when the port cannot be
 * bound; later faults of the server or its thread go to `onError`, and the application never
 * sees them.
 * @example
 * ```ts
 * const { address } = await startMetricsServer(source, admit, '/metrics', 9464, '0.0.0.0', console.error);
 * ```
 */
export function startMetricsServer(
  source: EndpointSource,
  admit: (scrape: ScrapeRequest) => Admission,
  path: string,
  port: number,
  host: string,
  onError: (err: Error) => void,
): Promise<MetricsServer> {
  const settings: ThreadSettings = { path, port, host };
  // None of the application's flags (execArgv) nor NODE_OPTIONS, which Node applies to worker
  // threads too: `--import faultline/register` would load faultline in the thread and start
  // another endpoint there.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: settings, execArgv: [], env });
  /** The slot each scrape in progress holds, by its id (released when its response closed). */
  const slots = new Map<number, () => void>();
  let listening = false;
  let closing = false;
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => resolve()));

  function post(message: ToThread): void {
    if (exited) return;
    try {
      worker.postMessage(message);
    } catch (err) {
      onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  function reply(id: number, answer: PlainAnswer): void {
    post({ type: 'reply', id, status: answer.status, headers: answer.headers, body: answer.body, gzip: false });
  }

  function scrape(id: number, request: ScrapeRequest): void {
    let admission: Admission;
    try {
      admission = admit(request);
    } catch (err) {
      source.fault('endpoint', err);
      reply(id, ENDPOINT_FAILED);
      return;
    }
    if ('answer' in admission) {
      reply(id, admission.answer);
      return;
    }
    slots.set(id, admission.release);
    Promise.resolve()
      .then(() => source.render(admission.format))
      .then(
        (body) => {
          try {
            send(id, body, admission);
          } catch (err) {
            // Inside a promise callback: it must not become an unhandled rejection.
            release(id);
            source.fault('endpoint', err);
            reply(id, ENDPOINT_FAILED);
          }
        },
        (err: unknown) => {
          release(id);
          source.fault('render', err);
          reply(id, COLLECTION_FAILED);
        },
      );
  }

  /** Posts a rendered body to the thread (which gzips it when asked). */
  function send(id: number, body: string | Buffer, admission: { readonly format: ExpositionFormat; readonly gzip: boolean }): void {
    if (typeof body === 'string') {
      post({ type: 'reply', id, status: 200, headers: expositionHeaders(admission.format), body, gzip: admission.gzip });
      return;
    }
    // The body is a view of the render plan's larger buffer, which the message would
    // copy whole: an exact copy goes instead, and the plan's buffer is reused at once.
    // Copied again by postMessage, not transferred: transferring detaches an ArrayBuffer,
    // and the first detached one in a process invalidates V8's ArrayBufferDetaching
    // protector, after which every typed-array and Buffer access in optimised code
    // checks for detachment (callgrind, node:http + register scraped once: 56,557
    // instructions per response with the transfer, 55,344 without).
    const bytes = new Uint8Array(body);
    source.recycle?.(body);
    post({ type: 'reply', id, status: 200, headers: expositionHeaders(admission.format), body: bytes, gzip: admission.gzip });
  }

  function release(id: number): void {
    const slot = slots.get(id);
    if (slot === undefined) return;
    slots.delete(id);
    slot();
  }

  return new Promise((resolve, reject) => {
    worker.on('message', (message: FromThread) => {
      // A listener's exception would be an uncaught exception of the application.
      try {
        onMessage(message);
      } catch (err) {
        onError(err instanceof Error ? err : new Error(String(err)));
      }
    });
    function onMessage(message: FromThread): void {
      switch (message.type) {
        case 'scrape':
          scrape(message.id, message);
          return;
        case 'closed':
          release(message.id);
          return;
        case 'gzip-failed':
          release(message.id);
          source.fault('gzip', threadError(message.error));
          reply(message.id, COMPRESSION_FAILED);
          return;
        case 'server-error':
          onError(threadError(message.error));
          return;
        case 'listen-error':
          reject(threadError(message.error));
          void worker.terminate();
          return;
        case 'listening':
          listening = true;
          // From now on the thread never keeps the process alive (until then it does, like a
          // server binding its port: the caller awaits it).
          worker.unref();
          resolve({
            address: message.address,
            thread: worker,
            close: () => {
              closing = true;
              // Held alive until the thread has closed the port and ended: the caller awaits it.
              worker.ref();
              post({ type: 'close' });
              return exit;
            },
          });
      }
    }
    worker.on('error', (err) => {
      // Before it listened: the endpoint did not start. After: the endpoint is gone (its
      // scrapes fail, and Prometheus's `up` says so); the application goes on.
      if (!listening) reject(err);
      else onError(err);
    });
    worker.once('exit', (code) => {
      exited = true;
      for (const id of [...slots.keys()]) release(id);
      if (!listening) reject(new Error(`the metrics endpoint's thread exited with code ${code} before it listened`));
      else if (!closing) onError(new Error(`the metrics endpoint's thread exited with code ${code}; the endpoint is closed`));
    });
  });
}

/**
 * Starts the metrics endpoint on the application's thread (`endpointThread: false`): a listener
 * serving `handle` on exactly `path` (query strings ignored) and 404 elsewhere. Its requests
 * are never counted, it does not keep the process alive, and it drops malformed requests.
 * Rejects when the port cannot be bound; later server errors go to `onError`.
 * @example
 * ```ts
 * const { address } = await startMetricsServerHere(fl.metricsHandler(), '/metrics', 9464, '0.0.0.0', console.error);
 * ```
 */
export function startMetricsServerHere(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  path: string,
  port: number,
  host: string,
  onError: (err: Error) => void,
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== path) {
      writeHead(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return;
    }
    handle(req, res);
  });
  markExporterServer(server);
  server.on('clientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', onError);
      server.unref();
      resolve({
        address: server.address() as AddressInfo,
        thread: undefined,
        close: () => {
          server.closeAllConnections();
          return new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}
