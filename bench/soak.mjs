#!/usr/bin/env node
// Soak run (not in CI): `npm run soak` (10 minutes) or `node bench/soak.mjs --minutes 3`.
//
// Mixed load at a bounded rate against an instrumented node:http server (keep-alive and
// `Connection: close` clients, 8 routes, codes 200/201/204/304/400/404/409/418/500/503/999,
// random unmatched paths, client aborts), a scraper on faultline's own endpoint every second
// (text and OpenMetrics alternately, each body parsed). Once a minute the load pauses until
// nothing is in flight, and the script prints: the counts faultline holds against what the
// clients saw (exact or not), RSS, heap, and the event-loop delay p99/max of that minute
// (perf_hooks.monitorEventLoopDelay; client and server share this process, so it includes the
// load generator's own work). Exit code 1 when any minute was not exact.
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createFaultline } from '../dist/esm/index.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '100' },
    // Seconds per report row; 60 = one row a minute (a smaller value is for trying the script).
    interval: { type: 'string', default: '60' },
  },
});
const INTERVAL = Number(values.interval);
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate); // requests per second, at most
const CONCURRENCY = Number(values.concurrency); // requests outstanding, at most
if (!(MINUTES > 0) || !(RATE > 0) || !(CONCURRENCY > 0) || !(INTERVAL > 0)) {
  process.stderr.write('usage: node bench/soak.mjs [--minutes 10] [--rate 300] [--concurrency 100] [--interval 60]\n');
  process.exit(2);
}

const ROUTES = ['/v3/{project_id}/instances', '/v3/{project_id}/instances/{instance_id}', '/v3/{project_id}/backups', '/v3/{project_id}/jobs/{job_id}', '/items/:id', '/health', '/users/:id/orders', '/search'];
const CODES = [200, 200, 200, 200, 200, 200, 201, 204, 304, 400, 404, 409, 418, 500, 503, 999];

const fl = createFaultline({ logger: (m) => process.stderr.write(`faultline: ${m}\n`) });
let abortsSeen = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/abort') {
    abortsSeen++; // never answered: the client leaves after 50 ms
    return;
  }
  const route = url.searchParams.get('route');
  if (route !== null) fl.setRoute(req, res, ROUTES[Number(route)]);
  const code = Number(url.searchParams.get('code') ?? 200);
  req.resume();
  const send = () => {
    res.writeHead(code, { 'Content-Type': 'text/plain' });
    res.end(code === 204 || code === 304 ? undefined : `${code} ${'x'.repeat(code % 7 * 100)}\n`);
  };
  if (code >= 500) setTimeout(send, 5);
  else send();
});
fl.instrument(server);
server.keepAliveTimeout = 60_000;
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const metricsPort = (await fl.listen(0, '127.0.0.1')).port;

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: Math.ceil(CONCURRENCY / 2) });
/** What the clients saw in the current minute. */
let seen = { byCode: new Map(), aborted: 0, errors: 0, sent: 0 };
let outstanding = 0;
let counter = 0;

function fire() {
  const i = counter++;
  const r = Math.random();
  outstanding++;
  seen.sent++;
  if (r < 0.01) {
    const req = http.get({ host: '127.0.0.1', port, path: '/abort', agent: false });
    req.on('error', () => {});
    req.on('close', () => outstanding--);
    setTimeout(() => req.destroy(), 50);
    return;
  }
  const code = CODES[i % CODES.length];
  const path = r < 0.05 ? `/scan/${Math.random().toString(36).slice(2)}?code=${code}` : `/x?route=${i % ROUTES.length}&code=${code}&q=${i}`;
  const close = r < 0.15;
  const req = http.request({ host: '127.0.0.1', port, method: ['GET', 'POST', 'PUT', 'DELETE'][i % 4], path, agent: close ? false : keepAlive, headers: close ? { Connection: 'close' } : {} }, (res) => {
    res.resume();
    res.on('end', () => {
      seen.byCode.set(res.statusCode, (seen.byCode.get(res.statusCode) ?? 0) + 1);
      outstanding--;
    });
  });
  req.on('error', () => {
    seen.errors++;
    outstanding--;
  });
  req.end();
}

// Load: a token bucket refilled every 10 ms, never more than CONCURRENCY outstanding.
let paused = false;
let tokens = 0;
const loadTimer = setInterval(() => {
  if (paused) return;
  tokens = Math.min(tokens + RATE / 100, RATE / 10);
  while (tokens >= 1 && outstanding < CONCURRENCY) {
    tokens--;
    fire();
  }
}, 10);

// Scraper: every second, alternating formats; every body must parse and end right.
let scrapes = { ok: 0, failed: 0 };
let scrapeNo = 0;
const scrapeTimer = setInterval(() => {
  const om = scrapeNo++ % 2 === 1;
  const req = http.get({ host: '127.0.0.1', port: metricsPort, path: '/metrics', agent: false, headers: om ? { Accept: 'application/openmetrics-text; version=1.0.0' } : {} }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => (body += d));
    res.on('end', () => {
      const good = res.statusCode === 200 && (!om || body.endsWith('# EOF\n')) && body.includes('http_server_responses_total');
      if (good) scrapes.ok++;
      else scrapes.failed++;
    });
  });
  req.on('error', () => scrapes.failed++);
}, 1000);

function sumOf(text, name) {
  const totals = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const code = /code="(\d+)"/.exec(line)?.[1] ?? '';
    totals.set(code, (totals.get(code) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return totals;
}

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const expected = { byCode: new Map(), aborted: 0 };
let exactMinutes = 0;
const rows = [];
process.stdout.write(`soak: ${MINUTES} min, <= ${RATE} req/s, <= ${CONCURRENCY} outstanding, scrape every 1 s (node ${process.version})\n`);
process.stdout.write(`${INTERVAL === 60 ? 'minute' : `${INTERVAL}s`.padStart(6)}      sent  responses(counted/expected)  aborted(counted/expected)  exact  rss_MB  heap_MB  eld_p99_ms  eld_max_ms  scrapes_ok/failed  client_errors\n`);
const ROWS = Math.max(1, Math.round((MINUTES * 60) / INTERVAL));
for (let minute = 1; minute <= ROWS; minute++) {
  await new Promise((resolve) => setTimeout(resolve, INTERVAL * 1000));
  paused = true;
  while (outstanding > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const p99 = eld.percentile(99) / 1e6;
  const max = eld.max / 1e6;
  eld.reset();
  // Let the server side catch up: the last 'close' events end what the clients already left.
  for (let i = 0; i < 100 && [...sumOf(await fl.metrics(), 'http_server_requests_in_flight').values()].some((v) => v !== 0); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const [code, n] of seen.byCode) expected.byCode.set(String(code), (expected.byCode.get(String(code)) ?? 0) + n);
  expected.aborted = abortsSeen;
  const text = await fl.metrics();
  const counted = sumOf(text, 'http_server_responses_total');
  const countedTotal = [...counted.values()].reduce((a, b) => a + b, 0);
  const expectedTotal = [...expected.byCode.values()].reduce((a, b) => a + b, 0);
  const aborted = [...sumOf(text, 'http_server_aborted_requests_total').values()].reduce((a, b) => a + b, 0);
  const inFlight = [...sumOf(text, 'http_server_requests_in_flight').values()].reduce((a, b) => a + b, 0);
  const sameCodes = counted.size === expected.byCode.size && [...expected.byCode].every(([code, n]) => counted.get(code) === n);
  const exact = sameCodes && aborted === expected.aborted && inFlight === 0 && seen.errors === 0;
  if (exact) exactMinutes++;
  const mem = process.memoryUsage();
  const row = [
    String(minute).padStart(6),
    String(seen.sent).padStart(9),
    `${countedTotal}/${expectedTotal}`.padStart(28),
    `${aborted}/${expected.aborted}`.padStart(26),
    (exact ? 'yes' : 'NO').padStart(6),
    (mem.rss / 1048576).toFixed(1).padStart(7),
    (mem.heapUsed / 1048576).toFixed(1).padStart(8),
    p99.toFixed(2).padStart(11),
    max.toFixed(2).padStart(11),
    `${scrapes.ok}/${scrapes.failed}`.padStart(18),
    String(seen.errors).padStart(14),
  ].join(' ');
  rows.push({ minute, rss: mem.rss, p99, exact });
  process.stdout.write(`${row}\n`);
  seen = { byCode: new Map(), aborted: 0, errors: 0, sent: 0 };
  scrapes = { ok: 0, failed: 0 };
  paused = false;
}

clearInterval(loadTimer);
clearInterval(scrapeTimer);
eld.disable();
const first = rows[0];
const last = rows.at(-1);
process.stdout.write(
  `summary: ${exactMinutes}/${ROWS} intervals exact; RSS ${(first.rss / 1048576).toFixed(1)} -> ${(last.rss / 1048576).toFixed(1)} MB; ` +
    `event-loop delay p99 ${first.p99.toFixed(2)} -> ${last.p99.toFixed(2)} ms\n`,
);
keepAlive.destroy();
server.closeAllConnections();
server.close();
await fl.close();
process.exit(exactMinutes === ROWS ? 0 : 1);
