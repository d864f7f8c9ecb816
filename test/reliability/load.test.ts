// Matrix L1-L4 (shared/reliability.md §5.1): exact counts under concurrent mixed load,
// keep-alive, `Connection: close`, HTTP/1.1 pipelining, and scrapes during the load.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { byLabels, parseExposition, select, total } from '../helpers/exposition.js';
import type { Sample } from '../helpers/exposition.js';
import { close, listen, pool, request } from '../helpers/net.js';
import { ABORTED, DURATION_COUNT, RESPONSES, checkMetrics, rawExchange, settled, statusLines } from './support.js';

// The plan of L1: 70 % 200, 10 % 404, 10 % 500, 5 % 503, 5 % 418, over four methods.
const PLAN: ReadonlyArray<readonly [code: number, share: number]> = [[200, 0.7], [404, 0.1], [500, 0.1], [503, 0.05], [418, 0.05]];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

function plan(n: number): Array<{ code: number; method: string }> {
  const out: Array<{ code: number; method: string }> = [];
  for (const [code, share] of PLAN) for (let i = 0; i < n * share; i++) out.push({ code, method: METHODS[out.length % METHODS.length]! });
  // Interleave deterministically so every code is in flight at once.
  return out.map((x, i) => ({ x, k: (i * 7919) % out.length })).sort((a, b) => a.k - b.k).map(({ x }) => x);
}

function expected(items: ReadonlyArray<{ code: number; method: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { code, method } of items) out[`${method}|${code}`] = (out[`${method}|${code}`] ?? 0) + 1;
  return out;
}

/** A server answering `/c/<code>` with that code (route `/c/:code`), after a tick for some. */
function codeServer(fl: Faultline): http.Server {
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

function assertExact(samples: readonly Sample[], items: ReadonlyArray<{ code: number; method: string }>): void {
  expect(byLabels(samples, RESPONSES, ['method', 'code'])).toEqual(expected(items));
  expect(byLabels(samples, DURATION_COUNT, ['method', 'code'])).toEqual(expected(items));
  expect(total(samples, RESPONSES)).toBe(items.length);
  const count = (f: (c: number) => boolean): number => items.filter((i) => f(i.code)).length;
  expect(total(samples, RESPONSES, { category: 'client_fault' })).toBe(count((c) => c >= 400 && c < 500));
  expect(total(samples, RESPONSES, { category: 'service_fault' })).toBe(count((c) => c >= 500));
  expect(total(samples, RESPONSES, { category: 'success' })).toBe(count((c) => c < 300));
  for (const s of select(samples, RESPONSES)) {
    expect(s.labels['route']).toBe('/c/:code');
    expect(Number.isInteger(s.value) && s.value > 0).toBe(true);
  }
  expect(total(samples, ABORTED)).toBe(0);
}

/** Counter values by series, to check monotonicity across scrapes. */
function counterValues(samples: readonly Sample[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name === RESPONSES || s.name === ABORTED || s.name.endsWith('_count') || s.name.endsWith('_bucket')) {
      out.set(`${s.name}${JSON.stringify(s.labels)}`, s.value);
    }
  }
  return out;
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(): Promise<{ fl: Faultline; port: number; metricsPort: number }> {
  const fl = createFaultline({ logger: () => {} });
  const server = codeServer(fl);
  const port = await listen(server);
  const address = await fl.listen(0, '127.0.0.1');
  cleanup.push(() => close(server), () => fl.close());
  return { fl, port, metricsPort: address.port };
}

describe('load (L1-L4)', () => {
  it('L1 + L4: 10,000 mixed requests on 200 keep-alive sockets, scraped every 50 ms, count exactly', async () => {
    const { fl, port, metricsPort } = await setup();
    const items = plan(10_000);
    expect(items.length).toBe(10_000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
    cleanup.push(() => Promise.resolve(agent.destroy()));

    // The scraper: every 50 ms, text and OpenMetrics alternately; keeps each body.
    const scrapes: Array<{ format: 'text' | 'openmetrics'; body: string; contentType: string }> = [];
    let loading = true;
    const scraper = (async () => {
      let i = 0;
      while (loading) {
        const om = i++ % 2 === 1;
        const a = await request(metricsPort, { path: '/metrics', headers: om ? { Accept: 'application/openmetrics-text; version=1.0.0' } : {} });
        expect(a.status).toBe(200);
        scrapes.push({ format: om ? 'openmetrics' : 'text', body: a.body.toString(), contentType: String(a.headers['content-type']) });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const answers = await pool(200, items.map(({ code, method }) => () => request(port, { method, path: `/c/${code}`, agent })));
    loading = false;
    await scraper;
    expect(answers.map((a) => a.status)).toEqual(items.map((i) => i.code));

    const final = await settled(fl);
    expect(final.inFlight).toBe(0);
    const finalText = (await request(metricsPort, { path: '/metrics' })).body.toString();
    assertExact(parseExposition(finalText), items);

    // L4: every scrape parses, counters never go down, and the final one is exact.
    expect(scrapes.length).toBeGreaterThan(3);
    let previous = new Map<string, number>();
    for (const scrape of scrapes) {
      if (scrape.format === 'openmetrics') {
        expect(scrape.contentType).toContain('application/openmetrics-text');
        expect(scrape.body.endsWith('# EOF\n')).toBe(true);
      }
      const values = counterValues(parseExposition(scrape.body));
      for (const [key, value] of values) {
        expect(Number.isFinite(value) && value >= 0 && Number.isInteger(value)).toBe(true);
        const before = previous.get(key);
        if (before !== undefined && value < before) throw new Error(`${key} went down from ${before} to ${value}`);
      }
      for (const key of previous.keys()) expect(values.has(key)).toBe(true); // no series disappears
      previous = values;
    }
    // promtool lints a sample of the text scrapes taken under load, and the final one.
    const texts = scrapes.filter((s) => s.format === 'text');
    for (const body of [texts[0]!.body, texts[Math.floor(texts.length / 2)]!.body, finalText]) {
      const result = checkMetrics(body);
      if (result) expect(result, result.output).toMatchObject({ code: 0 });
    }
  });

  it('L2: 10,000 requests with `Connection: close` (a new socket each) count exactly', async () => {
    const { fl, port } = await setup();
    const items = plan(10_000);
    const answers = await pool(200, items.map(({ code, method }) => () => request(port, { method, path: `/c/${code}`, headers: { Connection: 'close' } })));
    expect(answers.filter((a) => a.headers.connection !== 'close')).toEqual([]);
    const final = await settled(fl);
    expect(final.inFlight).toBe(0);
    assertExact(parseExposition(await fl.metrics()), items);
  });

  it('L3: 50 pipelined requests written in one write are counted once each, in order', async () => {
    const { fl, port } = await setup();
    const codes = Array.from({ length: 50 }, (_, i) => PLAN[i % PLAN.length]![0]);
    const methods = codes.map((_, i) => METHODS[i % METHODS.length]!);
    const wire = codes
      .map((code, i) => `${methods[i]} /c/${code} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n${i === codes.length - 1 ? 'Connection: close\r\n' : ''}\r\n`)
      .join('');
    const raw = await rawExchange(port, wire);
    expect(statusLines(raw)).toEqual(codes);
    const final = await settled(fl);
    expect(final.inFlight).toBe(0);
    assertExact(parseExposition(await fl.metrics()), codes.map((code, i) => ({ code, method: methods[i]! })));
  });
});
