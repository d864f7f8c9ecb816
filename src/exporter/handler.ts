import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as Fflate from 'fflate';
import { gzip } from 'node:zlib';
import { dependency } from '../dependency.js';
import { acceptsGzip, negotiate } from './negotiate.js';
import { CONTENT_TYPES } from './render.js';
import type { ExpositionFormat } from './render.js';

/** What the endpoint needs from an instance. */
export interface EndpointSource {
  /** Renders the metrics; may be async. */
  render(format: ExpositionFormat): string | Buffer | Promise<string | Buffer>;
  /** A rendered body nothing reads any more (sent, or compressed): its memory may be reused. */
  recycle?(body: Buffer): void;
  /** Marks the request as the endpoint's own (not counted). */
  skip(req: IncomingMessage, res: ServerResponse): void;
  /** Counts and logs a fault of the endpoint. */
  fault(kind: string, err: unknown): void;
}

/** Endpoint settings. */
export interface EndpointSettings {
  readonly token: string | undefined;
  readonly maxConcurrentScrapes: number;
}

/**
 * `res.writeHead()` with the status assigned first, so that the response gains its own
 * `statusCode` before `statusMessage`: the order of the application's responses when it (or its
 * framework: Express's `res.status()`, Fastify's `reply.code()`, Koa) sets the status before
 * sending. Node's http code is optimised for the hidden class of the application's responses;
 * one response of the metrics endpoint with the other order was enough to deoptimise
 * `writeHead`, `_storeHeader`, `_send`, `resOnFinish`, ... ("wrong map") after the first scrape.
 * @example
 * ```ts
 * writeHead(res, 404, { 'Content-Type': 'text/plain; charset=utf-8' });
 * ```
 */
export function writeHead(res: ServerResponse, status: number, headers: Record<string, string>): void {
  res.statusCode = status;
  res.writeHead(status, headers);
}

/** Bytes `gzipBody` compresses per turn of the event loop (a millisecond or two of work each). */
const GZIP_STEP = 64 * 1024;
/** Bodies up to this size are gzipped on this thread by `gzipBody`; larger ones by node:zlib. */
const GZIP_IN_STEPS_MAX = 256 * 1024;

/**
 * Gzips a body. Node's zlib works on its thread pool but through a stream object: the first
 * gzipped scrape made V8 rebuild Node's stream and event code for one more kind of stream (the
 * Readable constructor no longer inlined into IncomingMessage, the property reads of
 * addListener and Readable.on megamorphic), which every response of an application that uses
 * no other stream paid afterwards (callgrind, `bench/profile.mjs --scrape`: ~770 instructions
 * per response; in CPU time ~1.2 %). Bodies up to GZIP_IN_STEPS_MAX are therefore compressed
 * here with fflate (plain JavaScript, no stream), GZIP_STEP bytes per turn of the event loop;
 * fflate takes ~9x zlib's time (4.3 MB: ~100 ms against 11), so larger bodies still go to zlib.
 */
function gzipBody(body: string | Buffer, done: (err: Error | null, zipped?: Buffer) => void): void {
  const input = typeof body === 'string' ? Buffer.from(body) : body;
  if (input.length > GZIP_IN_STEPS_MAX) {
    gzip(input, (err, zipped) => done(err, zipped));
    return;
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  // Loaded on the first gzipped scrape (dependency.ts).
  const { Gzip } = dependency<typeof Fflate>('fflate');
  const gz = new Gzip({ level: 6 }, (chunk) => {
    parts.push(chunk);
    size += chunk.length;
  });
  let at = 0;
  const step = (): void => {
    try {
      const end = Math.min(at + GZIP_STEP, input.length);
      gz.push(input.subarray(at, end), end === input.length);
      at = end;
      if (at < input.length) {
        setImmediate(step);
        return;
      }
    } catch (err) {
      done(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    done(null, Buffer.concat(parts, size));
  };
  step();
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Builds the request handler of the metrics endpoint: GET and HEAD; text or OpenMetrics by
 * Accept; gzip when asked; 405 for other methods; 401 without the right bearer token (compared
 * in constant time); 503 past the concurrent-scrape cap; 500 with a short message when
 * rendering fails. The path is checked by the caller.
 */
export function createEndpoint(source: EndpointSource, settings: EndpointSettings) {
  const expected = settings.token === undefined ? undefined : digest(settings.token);
  let active = 0;

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.headersSent || res.destroyed) return;
    writeHead(res, status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  }

  return function handleMetrics(req: IncomingMessage, res: ServerResponse): void {
    source.skip(req, res);
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
        return;
      }
      if (expected !== undefined) {
        const given = req.headers.authorization;
        // The scheme is case-insensitive (RFC 7235); the token is compared in constant time.
        const token = typeof given === 'string' && given.length <= 1024 && /^bearer +/i.test(given) ? given.replace(/^bearer +/i, '') : undefined;
        if (token === undefined || !timingSafeEqual(digest(token), expected)) {
          send(res, 401, 'unauthorized\n', { 'WWW-Authenticate': 'Bearer realm="faultline"' });
          return;
        }
      }
      if (active >= settings.maxConcurrentScrapes) {
        send(res, 503, 'too many concurrent scrapes\n', { 'Retry-After': '1' });
        return;
      }
      active++;
      const format = negotiate(req.headers.accept);
      const wantsGzip = acceptsGzip(req.headers['accept-encoding']);
      let released = false;
      const release = (): void => {
        if (!released) {
          released = true;
          active--;
        }
      };
      // A scrape holds its slot until its response closes: a scraper that stops reading keeps
      // its body in Node's buffers, and the cap bounds how many such bodies there are.
      res.once('close', release);
      Promise.resolve()
        .then(() => source.render(format))
        .then(
          (body) => {
            const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format], Vary: 'Accept, Accept-Encoding' };
            if (!wantsGzip) {
              try {
                finish(res, req, body, headers);
              } catch (sendErr) {
                // Thrown inside a promise callback: it would surface as an unhandled rejection.
                source.fault('endpoint', sendErr);
              } finally {
                if (typeof body !== 'string') source.recycle?.(body);
              }
              return;
            }
            gzipBody(body, (err, zipped) => {
              if (typeof body !== 'string') source.recycle?.(body);
              if (err) {
                release();
                source.fault('gzip', err);
                send(res, 500, 'metrics compression failed\n');
                return;
              }
              try {
                finish(res, req, zipped!, { ...headers, 'Content-Encoding': 'gzip' });
              } catch (sendErr) {
                // Called from a later turn of the event loop: nothing above would catch it.
                source.fault('endpoint', sendErr);
              }
            });
          },
          (err: unknown) => {
            release();
            source.fault('render', err);
            send(res, 500, 'metrics collection failed\n');
          },
        );
    } catch (err) {
      source.fault('endpoint', err);
      send(res, 500, 'metrics endpoint failed\n');
    }
  };
}

/**
 * Sends a 200 the way most applications send theirs (Express, Koa, plain node:http): the status
 * assigned, one `setHeader()` per header, then `end()` with a string and no callback. The first
 * scrape is the only response of its kind in a process that has optimised Node's http code for
 * the application's; `writeHead()` with a header object, a Buffer body and an end callback each
 * made V8 build that code again for both kinds (callgrind, `bench/profile.mjs --scrape`).
 * A rendered Buffer goes as a 'latin1' string, one character per byte, so the bytes sent are
 * the same and the Buffer may be reused as soon as this returns.
 */
function finish(res: ServerResponse, req: IncomingMessage, body: string | Buffer, headers: Record<string, string>): void {
  if (res.destroyed) return;
  res.statusCode = 200;
  for (const name of Object.keys(headers)) res.setHeader(name, headers[name]!);
  const binary = typeof body !== 'string';
  res.setHeader('Content-Length', String(binary ? body.length : Buffer.byteLength(body)));
  if (req.method === 'HEAD') res.end();
  else if (binary) res.end(body.toString('latin1'), 'latin1');
  else res.end(body);
}
