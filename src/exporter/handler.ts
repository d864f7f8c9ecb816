import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as Fflate from 'fflate';
import { gzip } from 'node:zlib';
import { dependency } from '../dependency.js';
import { acceptsGzip, negotiate } from './negotiate.js';
import { CONTENT_TYPES } from './render.js';
import type { ExpositionFormat } from './render.js';

/** What an endpoint needs from an instance. */
export interface EndpointSource {
  /** Renders the metrics; may be async. */
  render(format: ExpositionFormat): string | Buffer | Promise<string | Buffer>;
  /** A rendered body nothing reads any more (sent, or compressed): its memory may be reused. */
  recycle?(body: Buffer): void;
  /** Counts and logs a fault of the endpoint. */
  fault(kind: string, err: unknown): void;
}

/** What the endpoint inside an application needs besides: its requests are not counted. */
export interface AppEndpointSource extends EndpointSource {
  /** Marks the request as the endpoint's own (not counted). */
  skip(req: IncomingMessage, res: ServerResponse): void;
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

/** What the endpoint reads of a scrape: its method and three of its headers. */
export interface ScrapeRequest {
  readonly method: string | undefined;
  readonly authorization: string | undefined;
  readonly accept: string | undefined;
  readonly acceptEncoding: string | undefined;
}

/** A short plain-text answer: 405, 401, 503 or 500, with its headers (Content-Length included). */
export interface PlainAnswer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/**
 * What the endpoint does with a scrape: answer it at once, or render `format` (gzipped when
 * asked) and call `release` once the response closed (it holds one of the concurrent-scrape
 * slots until then; calling it again does nothing).
 */
export type Admission = { readonly answer: PlainAnswer } | { readonly format: ExpositionFormat; readonly gzip: boolean; readonly release: () => void };

/**
 * Decides scrapes for every endpoint of an instance (the handler inside an application and the
 * endpoint on its own port share the concurrent-scrape slots): GET and HEAD; text or
 * OpenMetrics by Accept; gzip when asked; 405 for other methods; 401 without the right bearer
 * token (compared in constant time); 503 past the concurrent-scrape cap.
 * @example
 * ```ts
 * const admit = createScrapeGate({ token: undefined, maxConcurrentScrapes: 4 });
 * admit({ method: 'POST', authorization: undefined, accept: undefined, acceptEncoding: undefined }); // { answer: { status: 405, ... } }
 * ```
 */
export function createScrapeGate(settings: EndpointSettings): (scrape: ScrapeRequest) => Admission {
  const expected = settings.token === undefined ? undefined : digest(settings.token);
  let active = 0;
  return function admit(scrape: ScrapeRequest): Admission {
    if (scrape.method !== 'GET' && scrape.method !== 'HEAD') return { answer: plainAnswer(405, 'method not allowed\n', { Allow: 'GET, HEAD' }) };
    if (expected !== undefined) {
      const given = scrape.authorization;
      // The scheme is case-insensitive (RFC 7235); the token is compared in constant time.
      const token = typeof given === 'string' && given.length <= 1024 && /^bearer +/i.test(given) ? given.replace(/^bearer +/i, '') : undefined;
      if (token === undefined || !timingSafeEqual(digest(token), expected)) {
        return { answer: plainAnswer(401, 'unauthorized\n', { 'WWW-Authenticate': 'Bearer realm="faultline"' }) };
      }
    }
    if (active >= settings.maxConcurrentScrapes) return { answer: plainAnswer(503, 'too many concurrent scrapes\n', { 'Retry-After': '1' }) };
    active++;
    let released = false;
    return {
      format: negotiate(scrape.accept),
      gzip: acceptsGzip(scrape.acceptEncoding),
      release: () => {
        if (!released) {
          released = true;
          active--;
        }
      },
    };
  };
}

/** A plain-text answer with its Content-Type and Content-Length. */
export function plainAnswer(status: number, body: string, headers: Record<string, string> = {}): PlainAnswer {
  return { status, body, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers } };
}

/** The headers of a rendered exposition (before any Content-Encoding and Content-Length). */
export function expositionHeaders(format: ExpositionFormat): Record<string, string> {
  return { 'Content-Type': CONTENT_TYPES[format], Vary: 'Accept, Accept-Encoding' };
}

/**
 * Builds the request handler of the metrics endpoint inside an application: what `admit`
 * decides, the metrics rendered and sent on this thread (gzipped by `gzipBody`); 500 with a
 * short message when rendering fails. The path is checked by the caller.
 */
export function createEndpoint(source: AppEndpointSource, admit: (scrape: ScrapeRequest) => Admission) {
  function send(res: ServerResponse, answer: PlainAnswer): void {
    if (res.headersSent || res.destroyed) return;
    writeHead(res, answer.status, answer.headers);
    res.end(answer.body);
  }

  return function handleMetrics(req: IncomingMessage, res: ServerResponse): void {
    source.skip(req, res);
    try {
      const h = req.headers;
      const admission = admit({ method: req.method, authorization: h.authorization, accept: h.accept, acceptEncoding: h['accept-encoding'] });
      if ('answer' in admission) {
        send(res, admission.answer);
        return;
      }
      const { format, release } = admission;
      // A scrape holds its slot until its response closes: a scraper that stops reading keeps
      // its body in Node's buffers, and the cap bounds how many such bodies there are.
      res.once('close', release);
      Promise.resolve()
        .then(() => source.render(format))
        .then(
          (body) => {
            const headers = expositionHeaders(format);
            if (!admission.gzip) {
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
                send(res, COMPRESSION_FAILED);
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
            send(res, COLLECTION_FAILED);
          },
        );
    } catch (err) {
      source.fault('endpoint', err);
      send(res, ENDPOINT_FAILED);
    }
  };
}

/** The answer when rendering failed. */
export const COLLECTION_FAILED = plainAnswer(500, 'metrics collection failed\n');
/** The answer when gzip failed. */
export const COMPRESSION_FAILED = plainAnswer(500, 'metrics compression failed\n');
/** The answer when the endpoint itself failed. */
export const ENDPOINT_FAILED = plainAnswer(500, 'metrics endpoint failed\n');

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
