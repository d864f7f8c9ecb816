// Shared pieces of the reliability tests (test/reliability/*.test.ts).
import http from 'node:http';
import net from 'node:net';
import type { Faultline } from '../../src/faultline.js';
import { parseExposition, select, total } from '../helpers/exposition.js';
import type { Sample } from '../helpers/exposition.js';
import { findBinary, promtool } from '../helpers/prometheus.js';

/**
 * Client timeout of one request in the load tests. On a loaded 2-core machine a burst of 200
 * new connections can wait many seconds for the server to accept them (measured with a bare
 * node:http server, no faultline): slow is fine, lost is not, so the bound is generous.
 */
export const LOAD_TIMEOUT_MS = 60_000;

export const RESPONSES = 'http_server_responses_total';
export const DURATION_COUNT = 'http_server_response_duration_seconds_count';
export const ABORTED = 'http_server_aborted_requests_total';
export const IN_FLIGHT = 'http_server_requests_in_flight';
export const OVERFLOW = 'faultline_series_overflow_total';
export const INTERNAL = 'faultline_internal_errors_total';

/** The instance's samples, rendered in the text format and parsed back. */
export async function samplesOf(fl: Faultline): Promise<Sample[]> {
  return parseExposition(await fl.metrics('text'));
}

/** A compact view of what an instance counted, for exact assertions. */
export interface Counted {
  /** `method|route|code` -> responses. */
  responses: Record<string, number>;
  /** `method|route` -> aborted requests. */
  aborted: Record<string, number>;
  /** Sum of the in-flight gauge over methods. */
  inFlight: number;
  /** kind -> internal errors. */
  internal: Record<string, number>;
}

export function counted(samples: readonly Sample[]): Counted {
  const out: Counted = { responses: {}, aborted: {}, inFlight: total(samples, IN_FLIGHT), internal: {} };
  for (const s of select(samples, RESPONSES)) out.responses[`${s.labels['method']}|${s.labels['route']}|${s.labels['code']}`] = s.value;
  for (const s of select(samples, ABORTED)) out.aborted[`${s.labels['method']}|${s.labels['route']}`] = s.value;
  for (const s of select(samples, INTERNAL)) out.internal[s.labels['kind'] ?? ''] = s.value;
  return out;
}

export async function countedBy(fl: Faultline): Promise<Counted> {
  return counted(await samplesOf(fl));
}

/** Polls until the instance has no request in flight (responses close asynchronously). */
export async function settled(fl: Faultline, timeoutMs = 10_000): Promise<Counted> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await countedBy(fl);
    if (c.inFlight === 0 || Date.now() > deadline) return c;
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Writes raw bytes on a new loopback connection and collects what comes back until the peer
 * closes, `until(received)` says enough, or `timeoutMs` passes. Resolves with the bytes.
 */
export function rawExchange(port: number, data: string | Buffer, options: { until?: (received: string) => boolean; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 10_000);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (options.until?.(received)) finish();
    });
    socket.on('close', finish);
    socket.on('error', (err) => (received === '' && !done ? (clearTimeout(timer), (done = true), reject(err)) : finish()));
  });
}

/** Status codes of the HTTP/1.1 responses in a raw byte stream, in order. */
export function statusLines(raw: string): number[] {
  return [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
}

/** `promtool check metrics` on a text exposition: resolves to promtool's exit code and output (skips when absent locally). */
export function checkMetrics(text: string): { code: number; output: string } | undefined {
  const binary = findBinary('promtool');
  if (binary === undefined) return undefined;
  return promtool(binary, ['check', 'metrics'], text);
}

// The plan of L1: 70 % 200, 10 % 404, 10 % 500, 5 % 503, 5 % 418, over four methods.
export const PLAN: ReadonlyArray<readonly [code: number, share: number]> = [[200, 0.7], [404, 0.1], [500, 0.1], [503, 0.05], [418, 0.05]];
export const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

export function plan(n: number): Array<{ code: number; method: string }> {
  const out: Array<{ code: number; method: string }> = [];
  for (const [code, share] of PLAN) for (let i = 0; i < n * share; i++) out.push({ code, method: METHODS[out.length % METHODS.length]! });
  // Interleave deterministically so every code is in flight at once.
  return out.map((x, i) => ({ x, k: (i * 7919) % out.length })).sort((a, b) => a.k - b.k).map(({ x }) => x);
}

export function expected(items: ReadonlyArray<{ code: number; method: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { code, method } of items) out[`${method}|${code}`] = (out[`${method}|${code}`] ?? 0) + 1;
  return out;
}

/** A server answering `/c/<code>` with that code (route `/c/:code`), after a tick for some. */
export function codeServer(fl: Faultline): http.Server {
  const server = http.createServer((req, res) => {
    fl.setRoute(req, res, '/c/:code');
    const code = Number(req.url!.slice(3));
    const send = (): void => {
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(`${code}\n`);
    };
    req.resume();
    if (code === 500) setImmediate(send);
    else send();
  });
  fl.instrument(server);
  server.keepAliveTimeout = 30_000;
  return server;
}

