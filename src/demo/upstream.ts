import http from 'node:http';
import type { Server } from 'node:http';
import { answer, demoRoute } from './api.js';

/**
 * The simulated upstream: a small node:http server modelled on the same cloud database API,
 * which the demo service calls for some of its operations, so that the demo shows the client
 * side (`http_client_*`) too. It answers the code asked in the `x-demo-fault` header, else the
 * operation's normal code; it is not instrumented as a server.
 *
 * @example
 * ```ts
 * const upstream = await startUpstream();
 * const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
 * ```
 */
export function startUpstream(port = 0): Promise<Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = demoRoute(req.method, path);
    req.resume();
    if (route === undefined) {
      answer(res, 404);
      return;
    }
    const asked = Number(req.headers['x-demo-fault']);
    answer(res, Number.isInteger(asked) && asked >= 200 && asked <= 599 ? asked : route.ok);
  });
  server.keepAliveTimeout = 2000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The result of a call to the upstream: its status code, or 0 when the call failed. */
export type UpstreamResult = number;

/**
 * Calls the upstream (`base` + `path`), asking for `fault` when given; resolves with the status
 * code, 0 when there was no answer (never rejects).
 * @example
 * ```ts
 * const code = await callUpstream(agent, base, 'POST', '/v3/p1/instances', 503);
 * ```
 */
export function callUpstream(agent: http.Agent, base: string, method: string, path: string, fault: number | undefined): Promise<UpstreamResult> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (fault !== undefined) headers['x-demo-fault'] = String(fault);
    const req = http.request(`${base}${path}`, { method, agent, headers, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('upstream timed out')));
    req.on('error', () => resolve(0));
    req.end(method === 'POST' ? '{}' : undefined);
  });
}
