import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/index.js';
import type { Faultline } from '../../src/index.js';
import { byLabels, parseExposition, select, total } from '../helpers/exposition.js';
import { close, listen, request, waitFor } from '../helpers/net.js';
import { expectedByCode, sendPlan } from '../helpers/plan.js';

function service(): http.Server {
  return http.createServer((req, res) => {
    const [, kind, arg] = (req.url ?? '/').split('?')[0]!.split('/');
    if (kind === 'code') {
      res.statusCode = Number(arg);
      res.end('x');
    } else if (kind === 'slow') {
      setTimeout(() => { if (!res.destroyed) res.end('late'); }, Number(arg));
    } else if (kind === 'headers-then-hang') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
}

describe('node:http hook (instrument)', () => {
  let fl: Faultline;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    fl = createFaultline();
    server = service();
    fl.instrument(server);
    port = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    await fl.close();
  });

  it('counts a mixed plan exactly by method, code, category and documented', async () => {
    await sendPlan(port);
    const samples = parseExposition(await fl.metrics());
    expect(byLabels(samples, 'http_server_responses_total', ['method', 'code', 'category', 'documented'])).toEqual(expectedByCode());
    expect(total(samples, 'http_server_responses_total')).toBe(500);
    expect(total(samples, 'http_server_response_duration_seconds_count')).toBe(500);
    expect(total(samples, 'http_server_response_duration_seconds_bucket', { le: '+Inf' })).toBe(500);
    expect(total(samples, 'http_server_responses_total', { category: 'client_fault' })).toBe(50 + 20 + 20 + 25 + 15);
    expect(total(samples, 'http_server_responses_total', { category: 'service_fault' })).toBe(70);
    expect(new Set(select(samples, 'http_server_responses_total').map((s) => s.labels['route']))).toEqual(new Set(['unmatched']));
    expect(select(samples, 'http_server_requests_in_flight').every((s) => s.value === 0)).toBe(true);
    expect(select(samples, 'http_server_aborted_requests_total')).toEqual([]);
  });

  it('counts a client abort once, as aborted and never as the default 200', async () => {
    const before = parseExposition(await fl.metrics());
    const served = total(before, 'http_server_responses_total');
    const aborts = 5;
    await Promise.all(Array.from({ length: aborts }, () => new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/slow/300', agent: false });
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => req.destroy(), 50);
    })));
    // abort mid-body: headers sent, body never finished
    await new Promise<void>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/headers-then-hang', agent: false }, (res) => {
        res.once('data', () => req.destroy());
      });
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.end();
    });
    const samples = await waitFor(async () => {
      const s = parseExposition(await fl.metrics());
      return total(s, 'http_server_aborted_requests_total') === aborts + 1 ? s : undefined;
    }, 5000, 'aborts to be counted');
    expect(byLabels(samples, 'http_server_aborted_requests_total', ['method', 'route'])).toEqual({ 'GET|unmatched': aborts + 1 });
    // wait past the slow handlers' timers: nothing more is counted for them
    await new Promise((r) => setTimeout(r, 400));
    const after = parseExposition(await fl.metrics());
    expect(total(after, 'http_server_responses_total')).toBe(served);
    expect(total(after, 'http_server_aborted_requests_total')).toBe(aborts + 1);
    expect(select(after, 'http_server_requests_in_flight').every((s) => s.value === 0)).toBe(true);
  });

  it('counts requests in flight while they are served', async () => {
    const pending = request(port, { path: '/slow/400' });
    const samples = await waitFor(async () => {
      const s = parseExposition(await fl.metrics());
      return total(s, 'http_server_requests_in_flight', { method: 'GET' }) === 1 ? s : undefined;
    }, 3000, 'one request in flight');
    expect(total(samples, 'http_server_requests_in_flight')).toBe(1);
    expect((await pending).status).toBe(200);
    const after = parseExposition(await fl.metrics());
    expect(total(after, 'http_server_requests_in_flight')).toBe(0);
  });

  it('does not count servers it was not asked to count', async () => {
    const other = service();
    const otherPort = await listen(other);
    const before = total(parseExposition(await fl.metrics()), 'http_server_responses_total');
    await request(otherPort, { path: '/code/200' });
    expect(total(parseExposition(await fl.metrics()), 'http_server_responses_total')).toBe(before);
    await close(other);
  });

  it('does not count the requests Node rejects before the hook (malformed request line)', async () => {
    const before = parseExposition(await fl.metrics());
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end('BROKEN\r\n\r\n'));
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
    });
    const after = parseExposition(await fl.metrics());
    expect(total(after, 'http_server_responses_total')).toBe(total(before, 'http_server_responses_total'));
  });
});

describe('route templates on a plain node:http server', () => {
  it('setRoute labels the template; the metrics endpoint inside the app is not counted', async () => {
    const fl = createFaultline();
    const metrics = fl.metricsHandler();
    const server = http.createServer((req, res) => {
      if (req.url === '/metrics') return metrics(req, res);
      fl.setRoute(req, res, '/items/:id');
      res.statusCode = req.url === '/items/7' ? 200 : 404;
      res.end();
    });
    fl.instrument(server);
    const port = await listen(server);
    await request(port, { path: '/items/7' });
    await request(port, { path: '/items/secret-token-123' });
    await request(port, { path: '/metrics' });
    const scrape = await request(port, { path: '/metrics' });
    const samples = parseExposition(scrape.body.toString());
    expect(byLabels(samples, 'http_server_responses_total', ['route', 'code'])).toEqual({ '/items/:id|200': 1, '/items/:id|404': 1 });
    expect(scrape.body.toString()).not.toContain('secret-token-123');
    await close(server);
    await fl.close();
  });
});

describe('observe()', () => {
  it('counts by hand and rejects bad values without throwing', async () => {
    const logged: string[] = [];
    const fl = createFaultline({ logger: (m) => logged.push(m) });
    fl.observe({ method: 'get', route: '/jobs/:id', statusCode: 503, durationSeconds: 0.2 });
    fl.observe({ method: 'GET', route: '/jobs/:id', statusCode: Number.NaN });
    fl.observe({ method: 'GET', route: '/jobs/:id', statusCode: 1000 });
    fl.observe({ method: 'GET', route: '/jobs/:id', statusCode: 200, durationSeconds: -1 });
    fl.observe({ method: 'GET', route: '/jobs/:id', statusCode: 200, durationSeconds: Number.POSITIVE_INFINITY });
    fl.observe({ method: 'GET', route: '/jobs/:id', statusCode: 200, durationSeconds: Number.MAX_VALUE });
    const samples = parseExposition(await fl.metrics());
    expect(byLabels(samples, 'http_server_responses_total', ['method', 'route', 'code', 'category', 'documented'])).toEqual({ 'GET|/jobs/:id|503|service_fault|true': 1 });
    expect(total(samples, 'faultline_internal_errors_total', { kind: 'invalid_observation' })).toBe(5);
    expect(logged).toEqual(['invalid_observation: observe(): statusCode NaN is not an integer 100-999; not counted (counted in faultline_internal_errors_total; further ones are not logged)']);
    await fl.close();
  });
});

describe('a fault inside the runtime', () => {
  it("is counted and logged once; the application's responses are served all the same, uncounted", async () => {
    const logged: string[] = [];
    const fl = createFaultline({ logger: (m) => logged.push(m) });
    const server = http.createServer((_req, res) => {
      res.statusCode = 200;
      res.end('ok');
    });
    fl.instrument(server);
    // The runtime keeps a server's watchers under this registered symbol: a getter that throws
    // stands for a bug in faultline's channel listeners, which Node's diagnostics_channel would
    // rethrow as an uncaught exception (ending this test process).
    Object.defineProperty(server, Symbol.for('faultline.watchers'), {
      configurable: true,
      get() {
        throw new Error('watchers unreadable');
      },
      set() {},
    });
    const port = await listen(server);
    const statuses: number[] = [];
    // A connection each (agent: false): the listener on accepted connections and the one on
    // request starts fail once per request.
    for (let i = 0; i < 3; i++) statuses.push((await request(port, { path: '/items/7' })).status);
    expect(statuses).toEqual([200, 200, 200]);
    const samples = parseExposition(await fl.metrics());
    expect(total(samples, 'faultline_internal_errors_total', { kind: 'runtime' })).toBe(6);
    expect(select(samples, 'http_server_responses_total')).toEqual([]);
    expect(logged).toEqual(['runtime: watchers unreadable (counted in faultline_internal_errors_total; further ones are not logged)']);
    await close(server);
    await fl.close();
  });
});
