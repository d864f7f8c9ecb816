import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { byLabels, parseExposition, total } from '../helpers/exposition.js';
import type { Sample } from '../helpers/exposition.js';
import { listen, pool, request, waitFor } from '../helpers/net.js';
import { CJS_REGISTER, ESM_REGISTER } from '../helpers/app.js';
import { findBinary, freePort, promtool } from '../helpers/prometheus.js';

// A real Node cluster (test/fixtures/cluster) under the built register: workers share one HTTP
// port, the primary serves FAULTLINE_PORT. Run `npm run build` first.

const FIXTURES = join(import.meta.dirname, '../fixtures/cluster');

interface AppEvent {
  event: 'listening' | 'exit';
  id: number;
  pid: number;
  port?: number;
  plain?: boolean;
}

interface ClusterApp {
  child: ChildProcess;
  metricsPort: number;
  events: AppEvent[];
  stderr(): string;
  /** The HTTP port the workers share (known after the first listening event). */
  port(): number;
}

const children: ChildProcess[] = [];
afterEach(async () => {
  // The fixture's primary kills its workers on SIGTERM; wait for it so tests do not overlap.
  await Promise.all(children.splice(0).map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    const force = setTimeout(() => c.kill('SIGKILL'), 5000);
    c.once('exit', () => { clearTimeout(force); resolve(); });
    c.kill('SIGTERM');
  })));
});

async function startCluster(flag: '--import' | '--require', env: Record<string, string>): Promise<ClusterApp> {
  const [register, app] = flag === '--import' ? [ESM_REGISTER, 'app.mjs'] : [CJS_REGISTER, 'app.cjs'];
  const metricsPort = await freePort();
  const child = spawn(process.execPath, [flag, register, join(FIXTURES, app)], {
    env: { ...process.env, FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const events: AppEvent[] = [];
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const lines = out.split('\n');
    out = lines.pop()!;
    for (const line of lines) if (line) events.push(JSON.parse(line) as AppEvent);
  });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const workers = Number(env['WORKERS'] ?? 2) + Number(env['PLAIN_WORKERS'] ?? 0);
  // Generous: on a loaded 2-core machine each worker needs seconds to load the hook.
  await waitFor(() => (events.filter((e) => e.event === 'listening').length >= workers ? true : undefined), 30_000, `${workers} workers to listen (stderr: ${stderr})`);
  return { child, metricsPort, events, stderr: () => stderr, port: () => events.find((e) => e.port !== undefined)!.port! };
}

async function scrape(app: ClusterApp, accept?: string): Promise<{ text: string; samples: Sample[] }> {
  const answer = await request(app.metricsPort, { path: '/metrics', headers: accept ? { accept } : {} });
  expect(answer.status).toBe(200);
  const text = answer.body.toString();
  return { text, samples: parseExposition(text) };
}

function workerStates(samples: Sample[]): Record<string, number> {
  return byLabels(samples, 'faultline_cluster_workers', ['state']);
}

function byCode(samples: Sample[]): Record<string, number> {
  return byLabels(samples, 'http_server_responses_total', ['code']);
}

/** Sends the requests (new connection each, so the primary spreads them); counts by pid and code. */
async function send(app: ClusterApp, paths: readonly string[]): Promise<Map<number, Record<string, number>>> {
  const served = new Map<number, Record<string, number>>();
  const answers = await pool(20, paths.map((path) => () => request(app.port(), { path })));
  for (const a of answers) {
    const pid = Number(a.headers['x-worker']);
    const counts = served.get(pid) ?? {};
    counts[String(a.status)] = (counts[String(a.status)] ?? 0) + 1;
    served.set(pid, counts);
  }
  return served;
}

function plan(entries: Record<number, number>, path = (code: number) => `/code/${code}`): string[] {
  return Object.entries(entries).flatMap(([code, n]) => Array.from({ length: n }, () => path(Number(code))));
}

function add(into: Record<string, number>, counts: Record<string, number> | undefined, sign = 1): void {
  for (const [code, n] of Object.entries(counts ?? {})) into[code] = (into[code] ?? 0) + sign * n;
}

function sumAll(served: Map<number, Record<string, number>>, except?: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [pid, counts] of served) if (pid !== except) add(out, counts);
  return out;
}

function expectMonotonic(before: Record<string, number>, after: Record<string, number>): void {
  for (const [code, n] of Object.entries(before)) expect(after[code] ?? 0).toBeGreaterThanOrEqual(n);
}

describe('Node cluster under --require faultline/register (CommonJS, 3 workers)', () => {
  it('serves the exact totals once, survives a killed worker, an exiting one and a busy one', async () => {
    const app = await startCluster('--require', { WORKERS: '3', FAULTLINE_CLUSTER_TIMEOUT_MS: '1000' });
    await waitFor(async () => (workerStates((await scrape(app)).samples)['answered'] === 3 ? true : undefined), 20_000, 'three workers to say hello');

    // 1. A fixed plan of 600 mixed codes: the primary's endpoint shows exactly that.
    const served = await send(app, plan({ 200: 300, 404: 120, 500: 90, 503: 60, 418: 30 }));
    expect([...served.keys()].length).toBeGreaterThanOrEqual(2); // really spread over workers
    const expected: Record<string, number> = { '200': 300, '404': 120, '500': 90, '503': 60, '418': 30 };
    let now = await scrape(app);
    expect(byCode(now.samples)).toEqual(expected);
    expect(byLabels(now.samples, 'http_server_response_duration_seconds_count', ['code'])).toEqual(expected);
    expect(total(now.samples, 'http_server_requests_in_flight')).toBe(0);
    expect(workerStates(now.samples)).toEqual({ answered: 3, timed_out: 0, unhooked: 0 });
    expect(total(now.samples, 'faultline_cluster_workers_retired_total')).toBe(0);
    expect(total(now.samples, 'http_status_code_info')).toBe(14); // the info metric once, not per worker

    // 2. FAULTLINE_PORT is bound once, by the primary: one listening socket, every scrape the
    // primary's merged answer, and no worker logged a failed bind.
    const listeners = execFileSync('ss', ['-Hltn', `sport = :${app.metricsPort}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(listeners).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect(byCode((await scrape(app)).samples)).toEqual(expected);
    const om = await scrape(app, 'application/openmetrics-text;version=1.0.0');
    expect(om.text).toMatch(/\nfaultline_cluster_workers\{state="answered"\} 3\nfaultline_cluster_workers\{state="timed_out"\} 0\nfaultline_cluster_workers\{state="unhooked"\} 0\n# HELP faultline_cluster_workers_retired Cluster workers that exited; their last snapshot stays in the totals\.\n# TYPE faultline_cluster_workers_retired counter\nfaultline_cluster_workers_retired_total 0\n# EOF\n$/);
    const promtoolBinary = findBinary('promtool');
    if (promtoolBinary !== undefined) expect(promtool(promtoolBinary, ['check', 'metrics'], now.text)).toEqual({ code: 0, output: '' });

    // 3. A worker killed (SIGKILL) after a batch the primary has not seen: its last snapshot
    // stays in the totals, what it served since is lost (documented), nothing is counted twice.
    const batch = await send(app, plan({ 202: 90 }));
    const victim = [...batch.keys()][0]!;
    process.kill(victim, 'SIGKILL');
    await waitFor(() => (app.events.some((e) => e.event === 'exit' && e.pid === victim) ? true : undefined), 10_000, 'the worker to exit');
    await waitFor(() => (app.events.filter((e) => e.event === 'listening').length === 4 ? true : undefined), 30_000, 'the re-forked worker to listen');
    const before = now;
    now = await waitFor(async () => {
      const s = await scrape(app);
      return workerStates(s.samples)['answered'] === 3 ? s : undefined;
    }, 20_000, 'the re-forked worker to answer');
    add(expected, sumAll(batch, victim));
    expect(byCode(now.samples)).toEqual(expected);
    expect(total(now.samples, 'faultline_cluster_workers_retired_total')).toBe(1);
    expectMonotonic(byCode(before.samples), byCode(now.samples));

    // 3b. A worker that exits by itself (process.exit) sends its final snapshot from its 'exit'
    // handler: nothing it served since the last scrape is lost (and the worker re-forked in 3.
    // counts from zero into the same totals).
    const unseen = await send(app, plan({ 201: 45 }));
    const exit = await request(app.port(), { path: '/exit/1' });
    const leaver = Number(exit.headers['x-worker']);
    await waitFor(() => (app.events.some((e) => e.event === 'exit' && e.pid === leaver) ? true : undefined), 10_000, 'the worker to exit');
    await waitFor(() => (app.events.filter((e) => e.event === 'listening').length === 5 ? true : undefined), 30_000, 'the next re-forked worker to listen');
    now = await waitFor(async () => {
      const s = await scrape(app);
      return workerStates(s.samples)['answered'] === 3 ? s : undefined;
    }, 20_000, 'the re-forked worker to answer');
    add(expected, sumAll(unseen));
    add(expected, { '200': 1 });
    expect(byCode(now.samples)).toEqual(expected);
    expect(total(now.samples, 'faultline_cluster_workers_retired_total')).toBe(2);

    // 4. A worker whose event loop is blocked for 3 s: the scrape answers after the bounded wait
    // (1 s) with its last snapshot and the partial flag; once it is free, exact totals again.
    let blockDone = false;
    const block = request(app.port(), { path: '/block/3000' }).then((a) => { blockDone = true; return a; });
    const partial = await waitFor(async () => {
      const s = await scrape(app);
      return workerStates(s.samples)['timed_out'] === 1 ? s : undefined;
    }, 2500, 'a scrape that timed out on the busy worker');
    expect(blockDone).toBe(false); // answered while the worker was still blocked
    expect(workerStates(partial.samples)).toEqual({ answered: 2, timed_out: 1, unhooked: 0 });
    expect(byCode(partial.samples)).toEqual(expected);
    expect((await block).status).toBe(200);
    add(expected, { '200': 1 });
    now = await waitFor(async () => {
      const s = await scrape(app);
      return workerStates(s.samples)['answered'] === 3 ? s : undefined;
    }, 5000, 'the freed worker to answer');
    expect(byCode(now.samples)).toEqual(expected);

    expect(app.stderr()).toBe('');
  });
});

describe('Node cluster under --import faultline/register (ES module, 2 workers + 1 without faultline)', () => {
  it('counts the hooked workers exactly (outbound calls too), does not wait for the unhooked one, leaves app IPC alone', async () => {
    // An upstream API the workers call, listed in FAULTLINE_UPSTREAMS.
    const upstream = http.createServer((req, res) => {
      res.statusCode = Number((req.url ?? '').split('/')[2]);
      res.end('u');
    });
    const upstreamPort = await listen(upstream);
    const dir = mkdtempSync(join(tmpdir(), 'faultline-cluster-'));
    const upstreams = join(dir, 'upstreams.json');
    writeFileSync(upstreams, JSON.stringify([{ base: `http://127.0.0.1:${upstreamPort}` }]));
    const app = await startCluster('--import', { WORKERS: '2', PLAIN_WORKERS: '1', FAULTLINE_UPSTREAMS: upstreams, UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}` });
    const plainPid = app.events.find((e) => e.event === 'listening' && e.plain === true)!.pid;
    await waitFor(async () => (workerStates((await scrape(app)).samples)['answered'] === 2 ? true : undefined), 20_000, 'two workers to say hello');

    const served = await send(app, [...plan({ 200: 150, 404: 60, 503: 60 }), ...plan({ 200: 30 }, () => '/ipc')]);
    expect(served.get(plainPid)).toBeDefined(); // the plain worker did serve some of them
    let now = await scrape(app);
    expect(byCode(now.samples)).toEqual(sumAll(served, plainPid));
    expect(workerStates(now.samples)).toEqual({ answered: 2, timed_out: 0, unhooked: 1 });

    // Outbound calls of both hooked workers are merged too (each /call/<n> makes one call).
    const calls = new Map<number, Record<string, number>>();
    for (const code of [200, 503, 429]) {
      for (const [pid, counts] of await send(app, plan({ [code]: 20 }, (c) => `/call/${c}`))) {
        const into = calls.get(pid) ?? {};
        add(into, { [String(code)]: counts['200'] ?? 0 });
        calls.set(pid, into);
      }
    }
    now = await scrape(app);
    expect(byLabels(now.samples, 'http_client_responses_total', ['code'])).toEqual(sumAll(calls, plainPid));
    expect(byLabels(now.samples, 'http_client_response_duration_seconds_count', ['code'])).toEqual(sumAll(calls, plainPid));
    upstream.close();
    rmSync(dir, { recursive: true, force: true });
    expect(app.stderr()).toBe('');
  });
});
