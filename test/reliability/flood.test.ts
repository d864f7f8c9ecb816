// Matrix B5 and the flood of the issue: random paths, methods and query strings must not grow
// the series without bound. Real HTTP requests go through the hook (half with no route =
// `unmatched`, half through a careless route function that passes the raw path), and 100,000
// more through fl.observe() with random methods, routes and codes. The series limit holds
// (new label sets go to route `overflow`), faultline_series_overflow_total equals what was
// recorded under `overflow`, totals are exact and memory stays bounded.
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import { DEFAULT_SERIES_LIMIT } from '../../src/record/recorder.js';
import { parseExposition, select, total } from '../helpers/exposition.js';
import { close, listen, pool, request } from '../helpers/net.js';
import { ABORTED, DURATION_COUNT, IN_FLIGHT, OVERFLOW, RESPONSES, settled, LOAD_TIMEOUT_MS } from './support.js';

/** A small seeded PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

// A real garbage collection before each memory reading, so the guard sees retained memory only.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
function retained(): { rss: number; heap: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

const HTTP_REQUESTS = 5_000;
const OBSERVATIONS = 100_000;

describe('flood of random paths, methods and query strings (B5)', () => {
  it(`${HTTP_REQUESTS} HTTP requests + ${OBSERVATIONS} observe() calls: series bounded, overflow accounted, totals exact, RSS bounded`, async () => {
    const fl = createFaultline({ logger: () => {} });
    cleanup.push(() => fl.close());
    const random = prng(0xfa17);
    const word = (n: number): string => Math.floor(random() * 36 ** n).toString(36);
    const server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      // Half the paths get a careless route function (the raw path, without the query string);
      // the others get none and must land in `unmatched`.
      if (url.startsWith('/r/')) fl.setRoute(req, res, url.slice(0, url.indexOf('?')));
      req.resume();
      res.statusCode = url.includes('nf') ? 404 : 200;
      res.end();
    });
    fl.instrument(server);
    const port = await listen(server);
    cleanup.push(() => close(server));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 100 });
    cleanup.push(() => Promise.resolve(agent.destroy()));

    const before = retained();
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'PURGE', 'PROPFIND', 'SEARCH'];
    const tasks = Array.from({ length: HTTP_REQUESTS }, (_, i) => {
      const path = `/${i % 2 === 0 ? 'r' : 'x'}/${word(8)}${random() < 0.3 ? 'nf' : ''}?secret=${word(10)}&q=${word(6)}`;
      const method = methods[Math.floor(random() * methods.length)]!;
      return () => request(port, { method, path, agent, timeoutMs: LOAD_TIMEOUT_MS });
    });
    const statuses = (await pool(100, tasks)).map((a) => a.status);
    expect(statuses.every((s) => s === 200 || s === 404)).toBe(true);

    const junkMethods = ['GET', 'get', 'FOO', 'M-SEARCH', 'BREW', '', 'DELETE'];
    let half = before;
    for (let i = 0; i < OBSERVATIONS; i++) {
      if (i === OBSERVATIONS / 2) half = retained();
      fl.observe({
        method: junkMethods[i % junkMethods.length]! + (random() < 0.1 ? word(3) : ''),
        route: random() < 0.05 ? undefined : `/o/${word(6)}/${'x'.repeat(Math.floor(random() * 300))}`,
        statusCode: 100 + Math.floor(random() * 900),
        durationSeconds: random(),
      });
    }
    const after = retained();
    const c = await settled(fl);
    const text = await fl.metrics();
    const samples = parseExposition(text);

    // Totals are exact: every request and every observation counted once.
    expect(c.inFlight).toBe(0);
    expect(total(samples, RESPONSES)).toBe(HTTP_REQUESTS + OBSERVATIONS);
    expect(total(samples, DURATION_COUNT)).toBe(HTTP_REQUESTS + OBSERVATIONS);
    expect(total(samples, ABORTED)).toBe(0);

    // Bounded: at most the series limit of label sets of their own, plus route `overflow`
    // series (at most one per method label x code).
    const series = select(samples, RESPONSES);
    const own = series.filter((s) => s.labels['route'] !== 'overflow');
    const overflow = series.filter((s) => s.labels['route'] === 'overflow');
    expect(own.length).toBeLessThanOrEqual(DEFAULT_SERIES_LIMIT);
    expect(series.length).toBe(own.length + overflow.length);
    const methodLabels = new Set(series.map((s) => s.labels['method']));
    expect([...methodLabels].sort()).toEqual(['DELETE', 'GET', 'PATCH', 'POST', 'PUT', '_OTHER']);
    expect(overflow.length).toBeLessThanOrEqual(methodLabels.size * 900);
    expect(overflow.length).toBeGreaterThan(0);

    // The overflow self-metric equals what was recorded under `overflow`.
    const overflowed = total(samples, RESPONSES, { route: 'overflow' });
    expect(overflowed).toBeGreaterThan(OBSERVATIONS / 2);
    expect(total(samples, OVERFLOW, { metric: RESPONSES })).toBe(overflowed);
    expect(total(samples, OVERFLOW, { metric: ABORTED })).toBe(0);

    // Labels never carry the query strings, and the in-flight gauge has bounded methods.
    expect(text.includes('secret')).toBe(false);
    expect(select(samples, IN_FLIGHT).length).toBeLessThanOrEqual(10);
    // The requests without a route function landed in `unmatched`, never under their raw path.
    expect(series.some((s) => s.labels['route']!.startsWith('/x/'))).toBe(false);
    expect(total(samples, RESPONSES, { route: 'unmatched' })).toBeGreaterThanOrEqual(HTTP_REQUESTS / 2 - 1);
    // Every route label is a bounded string.
    expect(Math.max(...series.map((s) => s.labels['route']!.length))).toBeLessThanOrEqual(256);

    // A leak guard, not a timing assertion: 110,000 distinct label attempts cost little memory,
    // and the second 50,000 observations (all past the limit) retain almost nothing more.
    expect(after.rss - before.rss).toBeLessThan(80 * 1024 * 1024); // RSS keeps the heap high-water mark
    expect(after.heap - before.heap).toBeLessThan(20 * 1024 * 1024);
    expect(after.heap - half.heap).toBeLessThan(2 * 1024 * 1024);
    process.stdout.write(`flood: retained heap +${((after.heap - before.heap) / 1048576).toFixed(1)} MB (second half +${((after.heap - half.heap) / 1048576).toFixed(2)} MB), RSS +${((after.rss - before.rss) / 1048576).toFixed(1)} MB\n`);
  }, 150_000);
});
