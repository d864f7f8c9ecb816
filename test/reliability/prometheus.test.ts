// Matrix L5 (and B8 through a real scrape): a real Prometheus scrapes faultline's endpoint
// every second during 10,000 mixed requests. After it settles, Prometheus holds exactly the
// counts that were sent, no counter ever reset, and label values full of syntax characters
// arrive intact through its (OpenMetrics) scrape.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { close, listen, pool, request, waitFor } from '../helpers/net.js';
import { findBinary, startPrometheus } from '../helpers/prometheus.js';
import type { PrometheusServer } from '../helpers/prometheus.js';
import { codeServer, plan, LOAD_TIMEOUT_MS } from './support.js';

const binary = findBinary('prometheus');
const NASTY_ROUTES = ['/a"b', '/back\\slash', '/brace}', '/comma,eq=', '/数据库/{id}', '/new\nline'];

let fl: Faultline;
let server: http.Server;
let port: number;
let metrics: number;
let prometheus: PrometheusServer;

beforeAll(async () => {
  if (!binary) return;
  fl = createFaultline({ logger: () => {} });
  server = codeServer(fl);
  port = await listen(server);
  metrics = (await fl.listen(0, '127.0.0.1')).port;
  prometheus = await startPrometheus(binary, { jobs: { reliability: [`127.0.0.1:${metrics}`] } });
});

afterAll(async () => {
  if (!binary) return;
  await prometheus.stop();
  await close(server);
  await fl.close();
});

const value = async (expr: string): Promise<number | undefined> => {
  const r = await prometheus.query(expr);
  return r.length === 1 ? Number(r[0]!.value[1]) : undefined;
};

describe.skipIf(!binary)('a real Prometheus (L5)', () => {
  it('holds exactly the 10,000 responses sent under load, with no counter reset', async () => {
    for (const route of NASTY_ROUTES) fl.observe({ method: 'PATCH', route, statusCode: 202, durationSeconds: 0.001 });
    await waitFor(async () => ((await value('up{job="reliability"}')) === 1 ? true : undefined), 20_000, 'the first scrape');

    const items = plan(10_000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 200 });
    try {
      const answers = await pool(200, items.map(({ code, method }) => () => request(port, { method, path: `/c/${code}`, agent, timeoutMs: LOAD_TIMEOUT_MS })));
      expect(answers.filter((a, i) => a.status !== items[i]!.code)).toEqual([]);
    } finally {
      agent.destroy();
    }

    const selector = 'http_server_responses_total{job="reliability",route="/c/:code"}';
    await waitFor(async () => ((await value(`sum(${selector})`)) === 10_000 ? true : undefined), 20_000, 'Prometheus to see all 10,000 responses');
    const byCode = Object.fromEntries((await prometheus.query(`sum by (code, category) (${selector})`)).map((r) => [`${r.metric['code']}|${r.metric['category']}`, Number(r.value[1])]));
    expect(byCode).toEqual({ '200|success': 7000, '404|client_fault': 1000, '500|service_fault': 1000, '503|service_fault': 500, '418|client_fault': 500 });
    expect(await value(`sum(resets(http_server_responses_total{job="reliability"}[5m]))`)).toBe(0);
    expect(await value(`sum(resets(http_server_response_duration_seconds_count{job="reliability"}[5m]))`)).toBe(0);
    expect(await value(`sum(http_server_response_duration_seconds_count{job="reliability",route="/c/:code"})`)).toBe(10_000);
    expect(await value(`sum(http_server_requests_in_flight{job="reliability"})`)).toBe(0);
    expect(await value('sum(http_server_aborted_requests_total{job="reliability"})')).toBeUndefined();

    // The nasty labels arrived intact (the newline was cleaned to a space by faultline).
    const routes = (await prometheus.query('http_server_responses_total{job="reliability",method="PATCH"}')).map((r) => r.metric['route']).sort();
    expect(routes).toEqual(NASTY_ROUTES.map((r) => r.replace('\n', ' ')).sort());
  }, 150_000);

  it('F10: a restart (a new instance on the same endpoint) starts at 0 and Prometheus sees exactly one reset', async () => {
    await fl.close();
    await close(server);
    fl = createFaultline({ logger: () => {} });
    server = codeServer(fl);
    port = await listen(server);
    await fl.listen(metrics, '127.0.0.1');
    for (let i = 0; i < 20; i++) expect((await request(port, { path: '/c/200' })).status).toBe(200);
    const selector = 'http_server_responses_total{job="reliability",route="/c/:code",code="200",method="GET"}';
    await waitFor(async () => ((await value(selector)) === 20 ? true : undefined), 20_000, 'Prometheus to see the restarted counts');
    expect(await value(`resets(${selector}[5m])`)).toBe(1);
    expect(await value('sum(resets(http_server_responses_total{job="reliability",route="/c/:code",code="404"}[5m]))')).toBe(0);
  }, 60_000);
});
