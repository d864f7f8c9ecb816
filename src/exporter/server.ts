import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
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
  /** The endpoint's thread, when it has one (the current one: undefined while a failed one starts again). */
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

/** One endpoint thread, listening. */
interface RunningThread {
  readonly worker: Worker;
  readonly address: AddressInfo;
  /** Asks the thread to close its port and end; resolves when it has ended. */
  close(): Promise<void>;
}

/** What one endpoint thread needs from the application's thread. */
interface ThreadHost {
  readonly source: EndpointSource;
  readonly admit: (scrape: ScrapeRequest) => Admission;
  readonly onError: (err: Error) => void;
}

/** How long the first restart of a failed endpoint thread waits, and the longest wait. */
const RESTART_DELAY_MS = 1000;
const MAX_RESTART_DELAY_MS = 60_000;

/** Options of `startMetricsServer` (tests shorten the wait before a restart). */
export interface ThreadOptions {
  /** The wait before the first restart of a failed thread (doubled after each quick failure). */
  readonly restartDelayMs?: number;
}

/**
 * Starts the metrics endpoint on its own thread (src/exporter/endpoint-thread.ts): a server
 * there answers `path` (query strings ignored) and 404 elsewhere, asks this thread what to
 * answer each scrape (`admit`) and for the body (`source.render`), and gzips it itself. It does
 * not keep the process alive and drops malformed requests. Rejects when the port cannot be
 * bound; later faults of the server or its thread go to `onError`, and the application never
 * sees them. A thread that ends unasked is started again on the same port, after 1 s, then
 * after twice as long each time it fails again within a minute (at most 60 s).
 * @example
 * ```ts
 * const { address } = await startMetricsServer(source, admit, '/metrics', 9464, '0.0.0.0', console.error);
 * ```
 */
export async function startMetricsServer(
  source: EndpointSource,
  admit: (scrape: ScrapeRequest) => Admission,
  path: string,
  port: number,
  host: string,
  onError: (err: Error) => void,
  options: ThreadOptions = {},
): Promise<MetricsServer> {
  const threadHost: ThreadHost = { source, admit, onError };
  const firstDelay = options.restartDelayMs ?? RESTART_DELAY_MS;
  let closing = false;
  let delay = firstDelay;
  let timer: NodeJS.Timeout | undefined;
  let current: RunningThread | undefined;
  /** A restart in progress: settles once its thread listens (or was closed again) or failed. */
  let starting: Promise<void> | undefined;
  let since = 0;

  function ended(code: number): void {
    current = undefined;
    if (closing) return;
    // A thread that had served a minute or more starts again after the first wait; one that
    // failed sooner after twice the last wait.
    if (performance.now() - since >= MAX_RESTART_DELAY_MS) delay = firstDelay;
    onError(new Error(`the metrics endpoint's thread exited with code ${code}; it starts again in ${delay} ms`));
    restartLater();
  }

  function restartLater(): void {
    timer = setTimeout(restart, delay);
    timer.unref();
    delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
  }

  function restart(): void {
    timer = undefined;
    since = performance.now();
    starting = startThread({ path, port: address.port, host }, threadHost, false, ended).then(
      (thread) => {
        starting = undefined;
        if (closing) return thread.close();
        current = thread;
        return undefined;
      },
      (err: unknown) => {
        starting = undefined;
        if (closing) return;
        onError(new Error(`the metrics endpoint's thread did not start again (${err instanceof Error ? err.message : String(err)}); it tries again in ${delay} ms`));
        restartLater();
      },
    );
  }

  since = performance.now();
  current = await startThread({ path, port, host }, threadHost, true, ended);
  const address = current.address;
  return {
    address,
    get thread() {
      return current?.worker;
    },
    close: async () => {
      closing = true;
      clearTimeout(timer);
      const thread = current;
      current = undefined;
      // A thread starting again is closed as soon as it listens.
      await Promise.all([starting, thread?.close()]);
    },
  };
}

/**
 * Starts one endpoint thread. Resolves once it listens; `ended` hears of its exit after that,
 * unless it was asked to close. Held alive until it listens when `hold` (the caller awaits it).
 */
function startThread(settings: ThreadSettings, host: ThreadHost, hold: boolean, ended: (code: number) => void): Promise<RunningThread> {
  const { source, admit, onError } = host;
  // None of the application's flags (execArgv) nor NODE_OPTIONS, which Node applies to worker
  // threads too: `--import faultline/register` would load faultline in the thread and start
  // another endpoint there.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: settings, execArgv: [], env });
  if (!hold) worker.unref();
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
            worker,
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
      // Before it listened: the thread did not start. After: it ends ('exit' follows), its
      // scrapes fail until it is started again (Prometheus's `up` says so); the application goes on.
      if (!listening) reject(err);
      else onError(err);
    });
    worker.once('exit', (code) => {
      exited = true;
      for (const id of [...slots.keys()]) release(id);
      if (!listening) reject(new Error(`the metrics endpoint's thread exited with code ${code} before it listened`));
      else if (!closing) ended(code);
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
