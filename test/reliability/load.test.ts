// Matrix L1-L4 (shared/reliability.md §5.1): exact counts under concurrent mixed load,
// keep-alive, `Connection: close`, HTTP/1.1 pipelining, and scrapes during the load.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { byLabels, parseExposition, select, total } from '../helpers/exposition.js';
import type { Sample } from '../helpers/exposition.js';
import { close, listen, pool, request } from '../helpers/net.js';
import { ABORTED, DURATION_COUNT, METHODS, PLAN, RESPONSES, checkMetrics, codeServer, expected, plan, rawExchange, settled, statusLines, LOAD_TIMEOUT_MS } from './support.js';

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
        const a = await request(metricsPort, { path: '/metrics', headers: om ? { Accept: 'application/openmetrics-text; version=1.0.0' } : {}, timeoutMs: LOAD_TIMEOUT_MS });
        expect(a.status).toBe(200);
        scrapes.push({ format: om ? 'openmetrics' : 'text', body: a.body.toString(), contentType: String(a.headers['content-type']) });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const scraperDone = scraper.then(() => undefined, (err: unknown) => err);

    let answers;
    try {
      answers = await pool(200, items.map(({ code, method }) => () => request(port, { method, path: `/c/${code}`, agent, timeoutMs: LOAD_TIMEOUT_MS })));
    } finally {
      loading = false;
    }
    const scrapeError = await scraperDone;
    if (scrapeError !== undefined) throw scrapeError instanceof Error ? scrapeError : new Error(JSON.stringify(scrapeError));
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
  }, 150_000);

  it('L2: 10,000 requests with `Connection: close` (a new socket each) count exactly', async () => {
    const { fl, port } = await setup();
    const items = plan(10_000);
    const answers = await pool(200, items.map(({ code, method }) => () => request(port, { method, path: `/c/${code}`, headers: { Connection: 'close' }, timeoutMs: LOAD_TIMEOUT_MS })));
    expect(answers.filter((a) => a.headers.connection !== 'close')).toEqual([]);
    const final = await settled(fl);
    expect(final.inFlight).toBe(0);
    assertExact(parseExposition(await fl.metrics()), items);
  }, 150_000);

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
