// Matrix F8, F9, F14, B7, B9, B10 and junk Authorization headers: the metrics endpoint under
// abuse. A bad scrape never affects the service: its requests are still answered and counted.
import http from 'node:http';
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import type { FaultlineOptions } from '../../src/config.js';
import { CONTENT_TYPES } from '../../src/exporter/render.js';
import { parseExposition, total } from '../helpers/exposition.js';
import { close, listen, pool, request } from '../helpers/net.js';
import { RESPONSES, countedBy, rawExchange, settled, sleep, statusLines } from './support.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** An instrumented app (answers 200 on any path) plus faultline's own endpoint. */
async function setup(options: FaultlineOptions = {}): Promise<{ fl: Faultline; app: number; metrics: number }> {
  const fl = createFaultline({ logger: () => {}, ...options });
  cleanup.push(() => fl.close());
  const server = http.createServer((req, res) => {
    fl.setRoute(req, res, '/app');
    res.end('ok');
  });
  fl.instrument(server);
  const app = await listen(server);
  cleanup.push(() => close(server));
  const metrics = (await fl.listen(0, '127.0.0.1')).port;
  return { fl, app, metrics };
}

/** Fills 2,000 series so that one exposition is several megabytes (more than socket buffers hold). */
function fill(fl: Faultline): void {
  for (let i = 0; i < 2000; i++) fl.observe({ method: 'GET', route: `/route/number/${i}/{id}`, statusCode: 200, durationSeconds: 0.01 });
}

/** A scraper that reads the status line, then stops reading (a 1-byte-per-second reader at best). */
function slowScraper(port: number): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.once('data', (d: Buffer) => {
      socket.pause();
      resolve({ status: statusLines(d.toString('latin1'))[0] ?? 0, socket });
    });
    socket.on('error', reject);
  });
}

describe('slow and vanishing scrapers (F8, F9)', () => {
  it('F8: 20 slow scrapers: 4 hold the scrape slots, 16 get 503; the service is answered and counted meanwhile', async () => {
    const { fl, app, metrics } = await setup({ maxConcurrentScrapes: 4, seriesLimit: 3000 });
    fill(fl);
    expect((await fl.metrics()).length).toBeGreaterThan(3_000_000);
    const scrapers = await Promise.all(Array.from({ length: 20 }, () => slowScraper(metrics)));
    cleanup.push(() => Promise.resolve(scrapers.forEach((s) => s.socket.destroy())));
    const statuses = scrapers.map((s) => s.status).sort();
    expect(statuses).toEqual([...Array<number>(4).fill(200), ...Array<number>(16).fill(503)]);
    // A 21st scrape while the slow ones hold their slots: 503 with Retry-After.
    const extra = await request(metrics, { path: '/metrics' });
    expect([extra.status, extra.headers['retry-after'], extra.body.toString()]).toEqual([503, '1', 'too many concurrent scrapes\n']);

    // The service: 200 requests answered and counted exactly while the scrapers hang.
    const answers = await pool(20, Array.from({ length: 200 }, () => () => request(app, { path: '/x' })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await settled(fl)).responses['GET|/app|200']).toBe(200);

    // The slow scrapers give up: the slots come back and a scrape is whole again.
    for (const s of scrapers) s.socket.destroy();
    const ok = await (async () => {
      for (let i = 0; i < 50; i++) {
        const a = await request(metrics, { path: '/metrics' });
        if (a.status === 200) return a;
        await sleep(20);
      }
      throw new Error('the scrape slots were not released');
    })();
    expect(total(parseExposition(ok.body.toString()), RESPONSES, { route: '/app' })).toBe(200);
    expect((await countedBy(fl)).internal).toEqual({});
  });

  it('F9: scrapers that disconnect before or during the response: no exception, no count, slots released', async () => {
    const { fl, app, metrics } = await setup({ maxConcurrentScrapes: 2, seriesLimit: 3000 });
    fill(fl);
    await request(app, { path: '/x' });
    const before = await countedBy(fl);
    // Gone right after sending the request (mid-render), and gone after the first chunk.
    await Promise.all(Array.from({ length: 10 }, () => rawExchange(metrics, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', { until: () => false, timeoutMs: 1 })));
    await Promise.all(Array.from({ length: 10 }, () => rawExchange(metrics, 'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n', { until: (r) => r.length > 0 })));
    await Promise.all(Array.from({ length: 10 }, () => rawExchange(metrics, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', { until: (r) => r.length > 100_000 || r.startsWith('HTTP/1.1 503') })));
    await sleep(100);
    // Two concurrent scrapes (the cap) both succeed: nothing leaked a slot.
    const [a, b] = await Promise.all([request(metrics, { path: '/metrics' }), request(metrics, { path: '/metrics' })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await countedBy(fl)).toEqual(before);
  });
});

describe('render failures (F14)', () => {
  it('a collector that throws gives a 500 with a short message; the app is unaffected; the next scrape is fine', async () => {
    const { fl, app, metrics } = await setup();
    await request(app, { path: '/x' });
    // Break rendering where it reads the counts: reading the first series throws.
    const list = fl.recorder.responseList;
    const first = list[0];
    Object.defineProperty(list, 0, { configurable: true, get: () => { throw new Error('collector exploded with /secret/path and much more detail'); } });
    for (const headers of [{}, { 'Accept-Encoding': 'gzip' }, { Accept: 'application/openmetrics-text; version=1.0.0' }] as Array<Record<string, string>>) {
      const failed = await request(metrics, { path: '/metrics', headers });
      expect([failed.status, failed.headers['content-type'], failed.body.toString()]).toEqual([500, 'text/plain; charset=utf-8', 'metrics collection failed\n']);
    }
    expect((await request(app, { path: '/y' })).status).toBe(200);
    Object.defineProperty(list, 0, { configurable: true, writable: true, enumerable: true, value: first });
    const ok = await request(metrics, { path: '/metrics' });
    expect(ok.status).toBe(200);
    const samples = parseExposition(ok.body.toString());
    expect(total(samples, RESPONSES, { route: '/app' })).toBe(2);
    expect(total(samples, 'faultline_internal_errors_total', { kind: 'endpoint_render' })).toBe(3);
  });
});

describe('junk headers and methods on the endpoint (B7, B9, B10)', () => {
  const om = CONTENT_TYPES.openmetrics;
  const text = CONTENT_TYPES.text;
  const accepts: Array<[string, string, string | undefined]> = [
    ['none', text, undefined],
    ['empty', text, ''],
    ['*/*', text, '*/*'],
    ['OpenMetrics without version', om, 'application/openmetrics-text'],
    ['OpenMetrics 1.0.0', om, 'application/openmetrics-text;version=1.0.0'],
    ['OpenMetrics 9.9.9', text, 'application/openmetrics-text;version=9.9.9'],
    ['text 0.0.4', text, 'text/plain;version=0.0.4'],
    ['q prefers text', text, 'application/openmetrics-text;version=1.0.0;q=0.2,text/plain;version=0.0.4;q=0.9'],
    ['of Prometheus 2.42', om, 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'],
    ['8 KB of commas', text, ','.repeat(8192)],
    ['protobuf only', text, 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited'],
    ['garbage', text, ';;;=,=;q=abc,\u00ff\u00fe'],
  ];

  it.each(accepts)('B7 Accept %s: a valid body of the announced type %s', async (_name, type, accept) => {
    const { app, metrics } = await setup();
    await request(app, { path: '/x' });
    const a = await request(metrics, { path: '/metrics', headers: accept === undefined ? {} : { Accept: accept } });
    expect([a.status, a.headers['content-type']]).toEqual([200, type]);
    const body = a.body.toString();
    expect(body.endsWith('# EOF\n')).toBe(type === om);
    expect(total(parseExposition(body), RESPONSES)).toBe(1);
  });

  const encodings: Array<[string, string | undefined, string]> = [
    ['gzip', 'gzip', 'gzip'], ['gzip, deflate, br', 'gzip', 'gzip, deflate, br'], ['*', 'gzip', '*'], ['br', undefined, 'br'],
    ['gzip;q=0', undefined, 'gzip;q=0'], ['garbage', undefined, 'garbage;;q=,'], ['5000 x', undefined, 'x'.repeat(5000)],
    ['identity', undefined, 'identity'],
  ];

  it.each(encodings)('B9 Accept-Encoding %s: never a corrupt body (content-encoding %s)', async (_name, expected, encoding) => {
    const { app, metrics } = await setup();
    await request(app, { path: '/x' });
    const a = await request(metrics, { path: '/metrics', headers: { 'Accept-Encoding': encoding } });
    expect([a.status, a.headers['content-encoding']]).toEqual([200, expected]);
    const body = (expected === 'gzip' ? gunzipSync(a.body) : a.body).toString();
    expect(Number(a.headers['content-length'])).toBe(a.body.length);
    expect(total(parseExposition(body), RESPONSES)).toBe(1);
  });

  it('B10: HEAD, other methods, query strings and near-miss paths', async () => {
    const { metrics } = await setup({ path: '/metrics' });
    const head = await request(metrics, { method: 'HEAD', path: '/metrics' });
    expect([head.status, head.body.length, Number(head.headers['content-length']) > 0]).toEqual([200, 0, true]);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const a = await request(metrics, { method, path: '/metrics', body: 'x' });
      expect([a.status, a.headers['allow'], a.body.toString()]).toEqual([405, 'GET, HEAD', 'method not allowed\n']);
    }
    expect((await request(metrics, { path: '/metrics?x=1&y=%00' })).status).toBe(200);
    for (const path of ['/metrics/', '/METRICS', '//metrics', '/metrics/../metrics', '/metricsx', '/', '/metrics%20']) {
      expect([path, (await request(metrics, { path })).status]).toEqual([path, 404]);
    }
  });

  it('junk Authorization headers get 401 without metric names; the token opens it', async () => {
    const token = 'correct-horse-battery';
    const { app, metrics } = await setup({ token });
    await request(app, { path: '/x' });
    for (const authorization of [undefined, '', 'Bearer', 'Bearer ', `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${Buffer.from(`u:${token}`).toString('base64')}`, `Bearer ${'a'.repeat(4000)}`, token, '\u00ff\u00fe']) {
      const a = await request(metrics, { path: '/metrics', headers: authorization === undefined ? {} : { Authorization: authorization } });
      expect([a.status, a.body.toString(), a.headers['www-authenticate']]).toEqual([401, 'unauthorized\n', 'Bearer realm="faultline"']);
    }
    const ok = await request(metrics, { path: '/metrics', headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(total(parseExposition(ok.body.toString()), RESPONSES)).toBe(1);
  });
});
