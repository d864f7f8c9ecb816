// exporter: 'otel' with the real OpenTelemetry SDK: the Prometheus exporter's output equals
// faultline's own exposition series by series, and an OTLP/HTTP receiver gets the same points.
import http from 'node:http';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { createFaultline, ConfigError } from '../../src/index.js';
import type { Faultline } from '../../src/index.js';
import { close, listen, pool, request, waitFor } from '../helpers/net.js';
import { freePort } from '../helpers/prometheus.js';
import { parseExposition } from '../helpers/exposition.js';
import type { Sample } from '../helpers/exposition.js';
import { startOtlpReceiver } from '../helpers/otlp.js';
import type { OtlpPoint, OtlpReceiver } from '../helpers/otlp.js';

/** method, code, count: documented, undocumented (418, 429), invalid (999), `_OTHER` (PROPFIND). */
const PLAN: readonly [string, number, number][] = [
  ['GET', 200, 40], ['POST', 202, 10], ['GET', 404, 12], ['PUT', 409, 5], ['GET', 418, 6],
  ['DELETE', 429, 4], ['GET', 500, 7], ['GET', 503, 9], ['GET', 999, 3], ['PROPFIND', 207, 4],
];
const FAMILIES = [
  'http_server_responses_total',
  'http_server_response_duration_seconds_bucket',
  'http_server_response_duration_seconds_sum',
  'http_server_response_duration_seconds_count',
  'http_server_requests_in_flight',
  'http_server_aborted_requests_total',
  'http_status_code_info',
];

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
  metrics.disable();
});

/** A service: `/code/<n>` answers n (route `/code/:n`); `/hang` never answers. */
async function service(fl: Faultline): Promise<{ port: number; server: Server }> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/hang')) {
      fl.setRoute(req, res, '/hang');
      return;
    }
    fl.setRoute(req, res, '/code/:n');
    res.statusCode = Number(url.split('/')[2]);
    res.end('x');
  });
  fl.instrument(server);
  const port = await listen(server);
  cleanups.push(() => close(server));
  return { port, server };
}

async function sendPlan(port: number): Promise<void> {
  const tasks: (() => Promise<unknown>)[] = [];
  for (const [method, code, count] of PLAN) for (let i = 0; i < count; i++) tasks.push(() => request(port, { method, path: `/code/${code}` }));
  await pool(8, tasks);
}

/** One request whose connection the client closes before any answer. */
async function abortOne(port: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/hang', agent: false });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => req.destroy(), 100);
  });
}

async function otelProvider(): Promise<{ promPort: number; otlp: OtlpReceiver; reader: PeriodicExportingMetricReader }> {
  const promPort = await freePort();
  const otlp = await startOtlpReceiver();
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: otlp.url }), exportIntervalMillis: 3_600_000 });
  const prom = await new Promise<PrometheusExporter>((resolve, reject) => {
    const exporter = new PrometheusExporter({ port: promPort, host: '127.0.0.1' }, (err) => (err ? reject(err) : resolve(exporter)));
  });
  const provider = new MeterProvider({ readers: [prom, reader] });
  metrics.setGlobalMeterProvider(provider);
  cleanups.push(async () => { await provider.shutdown(); await otlp.stop(); });
  return { promPort, otlp, reader };
}

/** `name{labels} value` lines, sorted, without OpenTelemetry's scope label. */
function lines(samples: readonly Sample[], name: string): string[] {
  return samples
    .filter((s) => s.name === name)
    .map((s) => {
      const labels = Object.entries(s.labels).filter(([k]) => k !== 'otel_scope_name').sort(([a], [b]) => a.localeCompare(b));
      return `${name}{${labels.map(([k, v]) => `${k}=${v}`).join(',')}} ${s.value}`;
    })
    .sort();
}

describe('exporter: otel', () => {
  it('gives the Prometheus exporter exactly the series of faultline\'s own exposition, and OTLP the same points', async () => {
    const { promPort, otlp, reader } = await otelProvider();
    const fl = createFaultline({ exporter: 'otel', logger: () => {} });
    cleanups.push(() => fl.close());
    const { port } = await service(fl);
    await sendPlan(port);
    await abortOne(port);
    fl.observe({ method: 'PATCH', route: '/manual', statusCode: 502, durationSeconds: 0.3 });
    await waitFor(() => (fl.recorder.aborts.size === 1 ? true : undefined), 5000, 'the abort to be counted');

    const own = parseExposition(await fl.metrics('text'));
    const scraped = parseExposition(await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text());
    for (const family of FAMILIES) {
      expect(lines(own, family).length, family).toBeGreaterThan(0);
      expect(lines(scraped, family), family).toEqual(lines(own, family));
    }
    // Label sets: the contract's, plus only OpenTelemetry's scope label.
    const keys = (name: string): string[] => [...new Set(scraped.filter((s) => s.name === name).map((s) => Object.keys(s.labels).sort().join(',')))];
    expect(keys('http_server_responses_total')).toEqual(['category,code,documented,method,otel_scope_name,route']);
    expect(keys('http_server_response_duration_seconds_count')).toEqual(['category,code,method,otel_scope_name,route']);
    expect(keys('http_server_response_duration_seconds_bucket')).toEqual(['category,code,le,method,otel_scope_name,route']);
    expect(keys('http_server_requests_in_flight')).toEqual(['method,otel_scope_name']);
    expect(keys('http_server_aborted_requests_total')).toEqual(['method,otel_scope_name,route']);
    expect(keys('http_status_code_info')).toEqual(['category,code,description,otel_scope_name']);
    expect(new Set(scraped.filter((s) => s.labels['otel_scope_name'] !== undefined && s.name.startsWith('http_s')).map((s) => s.labels['otel_scope_name']))).toEqual(new Set(['faultline']));
    // Spot checks of the plan.
    const responses = scraped.filter((s) => s.name === 'http_server_responses_total');
    expect(responses.find((s) => s.labels['code'] === '503')?.labels).toEqual({ method: 'GET', route: '/code/:n', code: '503', category: 'service_fault', documented: 'true', otel_scope_name: 'faultline' });
    expect(responses.find((s) => s.labels['code'] === '503')?.value).toBe(9);
    expect(responses.find((s) => s.labels['code'] === '207')?.labels['method']).toBe('_OTHER');
    expect(responses.find((s) => s.labels['code'] === '999')?.labels['category']).toBe('invalid');
    expect(responses.reduce((a, s) => a + s.value, 0)).toBe(101);

    // The same points over OTLP/HTTP (JSON), as a Collector would receive them.
    await reader.forceFlush();
    const points = otlp.exports.at(-1)!.filter((p) => p.scope === 'faultline');
    const byMetric = (m: string): OtlpPoint[] => points.filter((p) => p.metric === m);
    const counterLines = byMetric('http.server.responses').map((p) => `${JSON.stringify(Object.entries(p.attributes).sort())} ${p.value}`).sort();
    const ownCounterLines = own.filter((s) => s.name === 'http_server_responses_total').map((s) => `${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`).sort();
    expect(counterLines).toEqual(ownCounterLines);
    expect(byMetric('http.server.responses').every((p) => p.kind === 'sum' && p.monotonic === true)).toBe(true);
    const hist = byMetric('http.server.response.duration_seconds');
    expect(hist.every((p) => p.kind === 'histogram' && p.unit === 's')).toBe(true);
    expect(hist.length).toBe(fl.recorder.responses.size);
    for (const s of fl.recorder.responses.values()) {
      const p = hist.find((h) => h.attributes['method'] === s.method && h.attributes['route'] === s.route && h.attributes['code'] === String(s.code));
      expect(p?.attributes).toEqual({ method: s.method, route: s.route, code: String(s.code), category: s.category });
      expect(p?.count).toBe(s.count);
      expect(p?.sum).toBe(s.sum);
      expect(p?.bucketCounts).toEqual(Array.from(s.buckets));
      expect(p?.explicitBounds).toEqual(Array.from(fl.recorder.buckets));
    }
    expect(byMetric('http.server.aborted_requests').map((p) => [p.attributes, p.value, p.monotonic])).toEqual([[{ method: 'GET', route: '/hang' }, 1, true]]);
    expect(byMetric('http.server.requests_in_flight').every((p) => p.kind === 'sum' && p.monotonic === false && p.value === 0)).toBe(true);
    expect(byMetric('http.status_code.info').length).toBe(14);
    expect(byMetric('http.status_code.info').every((p) => p.kind === 'gauge' && p.value === 1)).toBe(true);
  });

  it('picks up an SDK started after faultline: counters include earlier responses, the histogram starts with the SDK', async () => {
    const fl = createFaultline({ exporter: 'otel', logger: () => {} });
    cleanups.push(() => fl.close());
    const { port } = await service(fl);
    for (let i = 0; i < 3; i++) await request(port, { path: '/code/500' });
    const { promPort } = await otelProvider();
    for (let i = 0; i < 2; i++) await request(port, { path: '/code/500' });
    const scraped = parseExposition(await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text());
    expect(scraped.find((s) => s.name === 'http_server_responses_total')?.value).toBe(5);
    expect(scraped.find((s) => s.name === 'http_server_response_duration_seconds_count')?.value).toBe(2);
  });

  it('rejects a prefix that cannot start an OpenTelemetry instrument name, naming it', () => {
    expect(() => createFaultline({ exporter: 'otel', prefix: 'my:app_' })).toThrow(ConfigError);
    expect(() => createFaultline({ exporter: 'otel', prefix: 'my:app_' })).toThrow(
      'prefix="my:app_" cannot start an OpenTelemetry instrument name (exporter "otel"): use a letter first and no ":"',
    );
  });

  it('prepends the prefix to every instrument name', async () => {
    const { promPort } = await otelProvider();
    const fl = createFaultline({ exporter: 'otel', prefix: 'shop_', logger: () => {} });
    cleanups.push(() => fl.close());
    fl.observe({ method: 'GET', route: '/a', statusCode: 200, durationSeconds: 0.01 });
    const names = new Set(parseExposition(await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text()).map((s) => s.name));
    for (const family of ['http_server_responses_total', 'http_server_response_duration_seconds_count', 'http_status_code_info']) {
      expect(names.has(`shop_${family}`), family).toBe(true);
    }
  });
});
