import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { ExpositionError, parseExposition } from './parse.js';
import type { Scrape } from './parse.js';
import { detectPrefix, NotFaultlineError } from './model.js';

/**
 * A scrape that failed, with a message meant for the person at the terminal.
 * @example
 * ```ts
 * scrapeEndpoint(url).catch((err) => { if (err instanceof ScrapeError) console.error(err.message); });
 * ```
 */
export class ScrapeError extends Error {
  override name = 'ScrapeError';
}

/** Options of `scrapeEndpoint`. */
export interface ScrapeOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** Milliseconds before giving up. Default 5000. */
  readonly timeoutMs?: number;
  /** Aborts the scrape (e.g. on Ctrl-C). */
  readonly signal?: AbortSignal;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

class TimeoutError extends Error {}

/** GET with node:http(s) (fetch refuses some ports, e.g. 6000); gunzips a gzip body. */
function get(url: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { headers: { ...headers, 'Accept-Encoding': 'gzip' }, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          resolve({ status: res.statusCode ?? 0, body: body.toString('utf8') });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new TimeoutError('timed out')));
    req.on('error', reject);
  });
}

/** Explains a failed request in a sentence. */
function unreachable(url: string, err: unknown, timeoutMs: number): ScrapeError {
  if (err instanceof TimeoutError) return new ScrapeError(`no answer from ${url} within ${timeoutMs / 1000} s`);
  const code = errorCode(err);
  const reason = code === undefined ? (err instanceof Error ? err.message : String(err)) : `${REASONS[code] ?? 'request failed'} (${code})`;
  return new ScrapeError(`cannot reach ${url}: ${reason}; is the service running and the port right?`);
}

/**
 * Scrapes a faultline metrics endpoint once and parses it. Every failure becomes a
 * `ScrapeError` whose message says what to do: unreachable, timed out, 401 (token missing or
 * refused), another status, or a body that is not a faultline exposition.
 *
 * @example
 * ```ts
 * const scrape = await scrapeEndpoint('http://127.0.0.1:9464/metrics', { token: process.env.FAULTLINE_TOKEN });
 * ```
 */
export async function scrapeEndpoint(url: string, options: ScrapeOptions = {}): Promise<Scrape> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const headers: Record<string, string> = { Accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' };
  if (options.token !== undefined && options.token !== '') headers['Authorization'] = `Bearer ${options.token}`;
  let response: { status: number; body: string };
  try {
    response = await get(url, headers, timeoutMs, options.signal);
  } catch (err) {
    if (options.signal?.aborted === true) throw err;
    throw unreachable(url, err, timeoutMs);
  }
  const body = response.body;
  const status = `${response.status} ${http.STATUS_CODES[response.status] ?? ''}`.trim();
  if (response.status === 401) {
    const hint = headers['Authorization'] === undefined ? 'the endpoint needs a token: pass --token or set FAULTLINE_TOKEN' : 'the token was refused: check --token / FAULTLINE_TOKEN';
    throw new ScrapeError(`${url} answered ${status}; ${hint}`);
  }
  if (response.status === 404) throw new ScrapeError(`${url} answered ${status}; is the path right? (faultline serves /metrics unless FAULTLINE_PATH says otherwise)`);
  if (response.status !== 200) throw new ScrapeError(`${url} answered ${status}`);
  let scrape: Scrape;
  try {
    scrape = parseExposition(body);
    detectPrefix(scrape);
  } catch (err) {
    if (err instanceof ExpositionError) throw new ScrapeError(`${url} does not serve Prometheus metrics (${err.message})`);
    if (err instanceof NotFaultlineError) throw new ScrapeError(`${url} is not a faultline endpoint (no http_server_responses_total metric)`);
    throw err;
  }
  return scrape;
}
