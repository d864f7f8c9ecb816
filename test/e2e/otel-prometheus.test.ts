// A real Prometheus scrapes two services with the OpenTelemetry SDK: one with
// FAULTLINE_EXPORTER=otel (scraped through OpenTelemetry's Prometheus exporter), one with
// faultline's own endpoint (OpenMetrics, trace exemplars, --enable-feature=exemplar-storage).
// Both must give the same series, the bundled rules must evaluate on both, and the exemplars
// Prometheus stores must lead to the server spans of their status code.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool, request, waitFor } from '../helpers/net.js';
import { findBinary, startPrometheus } from '../helpers/prometheus.js';
import type { PrometheusServer } from '../helpers/prometheus.js';
import { startOtelService } from '../helpers/otel-service.js';
import type { DumpedSpan, OtelService } from '../helpers/otel-service.js';

const prometheusBinary = findBinary('prometheus');
const RULES = fileURLToPath(new URL('../../alerts/faultline.rules.yml', import.meta.url));

/** method, code, count (130 requests). */
const PLAN: readonly [string, number, number][] = [
  ['GET', 200, 50], ['POST', 202, 10], ['GET', 404, 15], ['PUT', 409, 5], ['GET', 418, 6],
  ['DELETE', 429, 4], ['GET', 500, 12], ['GET', 503, 18], ['GET', 999, 3], ['PROPFIND', 207, 7],
];
const CATEGORY = (c: number): string => (c > 599 ? 'invalid' : c >= 500 ? 'service_fault' : c >= 400 ? 'client_fault' : c >= 300 ? 'redirection' : 'success');
const DOCUMENTED = new Set([200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 501, 503]);
/** `code|category|documented` -> count. */
const EXPECTED: Record<string, number> = Object.fromEntries(PLAN.map(([, code, n]) => [`${code}|${CATEGORY(code)}|${DOCUMENTED.has(code)}`, n]));

async function sendPlan(port: number): Promise<void> {
  const tasks: (() => Promise<unknown>)[] = [];
  for (const [method, code, count] of PLAN) for (let i = 0; i < count; i++) tasks.push(() => request(port, { method, path: `/code/${code}` }));
  await pool(8, tasks);
}

describe.skipIf(prometheusBinary === undefined)('OpenTelemetry path and exemplars through a real Prometheus', () => {
  let otel: OtelService;
  let own: OtelService;
  let prom: PrometheusServer;
  let ownSpans: DumpedSpan[] = [];

  beforeAll(async () => {
    [otel, own] = await Promise.all([
      startOtelService({ module: 'esm', exporter: 'otel', withoutScopeInfo: true }),
      startOtelService({ module: 'cjs', exporter: 'prometheus' }),
    ]);
    await Promise.all([sendPlan(otel.port), sendPlan(own.port)]);
    prom = await startPrometheus(prometheusBinary!, {
      jobs: { otel: [`127.0.0.1:${otel.otelPort}`], faultline: [`127.0.0.1:${own.faultlinePort}`] },
      ruleFiles: [RULES],
      flags: ['--enable-feature=exemplar-storage'],
    });
  });

  afterAll(async () => {
    await prom?.stop();
    await otel?.stop().catch(() => []);
    if (own !== undefined && ownSpans.length === 0) await own.stop().catch(() => []);
  });

  it('sum by (code, category, documented) (http_server_responses_total) equals the plan on both paths', async () => {
    for (const job of ['otel', 'faultline']) {
      const got = await waitFor(async () => {
        const result = await prom.query(`sum by (code, category, documented) (http_server_responses_total{job="${job}"})`);
        const out = Object.fromEntries(result.map((r) => [`${r.metric['code']}|${r.metric['category']}|${r.metric['documented']}`, Number(r.value[1])]));
        return Object.keys(out).length === PLAN.length ? out : undefined;
      }, 20_000, `job ${job} to be scraped`);
      expect(got, job).toEqual(EXPECTED);
    }
  });

  it('has the contract\'s label sets on the otel path (with withoutScopeInfo: true), the same as faultline\'s own', async () => {
    const labelKeys = async (metric: string, job: string): Promise<string[]> => {
      const series = await prom.api<Record<string, string>[]>(`/api/v1/series?match[]=${encodeURIComponent(`${metric}{job="${job}"}`)}`);
      return [...new Set(series.map((s) => Object.keys(s).sort().join(',')))];
    };
    const contract: Record<string, string> = {
      http_server_responses_total: '__name__,category,code,documented,instance,job,method,route',
      http_server_response_duration_seconds_bucket: '__name__,category,code,instance,job,le,method,route',
      http_server_response_duration_seconds_count: '__name__,category,code,instance,job,method,route',
      http_server_response_duration_seconds_sum: '__name__,category,code,instance,job,method,route',
      http_server_requests_in_flight: '__name__,instance,job,method',
      http_status_code_info: '__name__,category,code,description,instance,job',
    };
    for (const [metric, keys] of Object.entries(contract)) {
      expect(await labelKeys(metric, 'otel'), metric).toEqual([keys]);
      expect(await labelKeys(metric, 'faultline'), metric).toEqual([keys]);
    }
    // Same series on both paths (histogram buckets included: same bounds).
    const seriesOf = async (job: string): Promise<string[]> =>
      (await prom.query(`count by (__name__, method, route, code, category, documented, le) ({job="${job}", __name__=~"http_server_response.*"})`))
        .map((r) => JSON.stringify(Object.entries(r.metric).sort()))
        .sort();
    expect(await seriesOf('otel')).toEqual(await seriesOf('faultline'));
  });

  it('evaluates every bundled recording rule on the otel path as on faultline\'s own', async () => {
    const groups = await waitFor(async () => {
      const data = await prom.api<{ groups: { rules: { name: string; type: string; query: string; lastEvaluation: string }[] }[] }>('/api/v1/rules');
      const rules = data.groups.flatMap((g) => g.rules);
      return rules.length > 0 && rules.every((r) => !r.lastEvaluation.startsWith('0001')) ? rules : undefined;
    }, 20_000, 'the rules to be evaluated');
    // The rules over the server metrics (the file also holds rules over outbound-call metrics).
    const recording = groups.filter((r) => r.type === 'recording' && r.query.includes('http_server_')).map((r) => r.name);
    expect(recording.length).toBeGreaterThan(5);
    for (const name of recording) {
      const jobs = await waitFor(async () => {
        const r = (await prom.query(`count by (job) (${name})`)).map((x) => x.metric['job']).sort();
        return r.length === 2 ? r : undefined;
      }, 15_000, `${name} for both jobs`);
      expect(jobs, name).toEqual(['faultline', 'otel']);
    }
  });

  it('stores trace exemplars from OpenMetrics scrapes that lead to the server span of their code', async () => {
    const now = Date.now() / 1000;
    type Exemplars = { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[];
    const query = (q: string): Promise<Exemplars> =>
      prom.api<Exemplars>(`/api/v1/query_exemplars?query=${encodeURIComponent(q)}&start=${now - 600}&end=${now + 600}`);
    const counters = await waitFor(async () => {
      const r = await query('http_server_responses_total{job="faultline"}');
      return r.length === PLAN.length ? r : undefined;
    }, 20_000, 'exemplars of every counter series');
    const faultBuckets = await query('http_server_response_duration_seconds_bucket{job="faultline", category=~"client_fault|service_fault"}');
    // The otel path carries none (OpenTelemetry JS's Prometheus exporter writes no exemplars).
    expect(await query('http_server_responses_total{job="otel"}')).toEqual([]);

    ownSpans = (await own.stop()).filter((s) => s.kind === 1 && s.attributes['url.path'] !== '/metrics');
    expect(ownSpans.length).toBe(130);
    const idsOf = (code: string): Set<string> =>
      new Set(ownSpans.filter((s) => String(s.attributes['http.response.status_code']) === code).map((s) => `${s.traceId}/${s.spanId}`));

    for (const series of counters) {
      const ids = idsOf(series.seriesLabels['code']!);
      expect(series.exemplars.length).toBeGreaterThanOrEqual(1);
      for (const ex of series.exemplars) {
        expect(ids.has(`${ex.labels['trace_id']}/${ex.labels['span_id']}`), JSON.stringify(ex)).toBe(true);
        expect(ex.value).toBe('1');
      }
    }
    const faultCodes = new Set(faultBuckets.map((s) => s.seriesLabels['code']));
    expect([...faultCodes].sort()).toEqual(['404', '409', '418', '429', '500', '503']);
    for (const series of faultBuckets) {
      const ids = idsOf(series.seriesLabels['code']!);
      for (const ex of series.exemplars) {
        expect(ids.has(`${ex.labels['trace_id']}/${ex.labels['span_id']}`)).toBe(true);
        expect(Number(ex.value)).toBeLessThanOrEqual(series.seriesLabels['le'] === '+Inf' ? Infinity : Number(series.seriesLabels['le']));
      }
    }
  });
});
