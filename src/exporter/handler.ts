import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzip } from 'node:zlib';
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
      res.once('close', release);
      Promise.resolve()
        .then(() => source.render(format))
        .then(
          (body) => {
            const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format], Vary: 'Accept, Accept-Encoding' };
            if (!wantsGzip) {
              if (typeof body === 'string') {
                finish(res, req, Buffer.from(body), headers, release);
                return;
              }
              finish(res, req, body, headers, () => {
                release();
                source.recycle?.(body);
              });
              return;
            }
            gzip(body, (err, zipped) => {
              if (typeof body !== 'string') source.recycle?.(body);
              if (err) {
                release();
                source.fault('gzip', err);
                send(res, 500, 'metrics compression failed\n');
                return;
              }
              finish(res, req, zipped, { ...headers, 'Content-Encoding': 'gzip' }, release);
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

function finish(res: ServerResponse, req: IncomingMessage, body: Buffer, headers: Record<string, string>, release: () => void): void {
  if (res.destroyed) {
    release();
    return;
  }
  writeHead(res, 200, { ...headers, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body, release);
}
