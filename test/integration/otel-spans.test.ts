// ESM and CommonJS services in subprocesses with the real NodeSDK, instrumentation-http and an
// InMemorySpanExporter, plus `faultline/register`: span tagging, no port in otel mode, the
// Prometheus exporter's totals, and trace exemplars on faultline's own endpoint.
import { afterAll, describe, expect, it } from 'vitest';
import { request, waitFor } from '../helpers/net.js';
import { parseExposition } from '../helpers/exposition.js';
import { listeningPorts, startOtelService } from '../helpers/otel-service.js';
import { startOtlpReceiver } from '../helpers/otlp.js';
import type { DumpedSpan, OtelService, OtelServiceOptions } from '../helpers/otel-service.js';

/** path, expected code, count. */
const TRAFFIC: readonly [string, number, number][] = [
  ['/code/200', 200, 3], ['/code/404', 404, 2], ['/code/418', 418, 1], ['/code/503', 503, 2], ['/child/500', 500, 1],
];
const EXPECTED: Record<number, { category: string; documented: boolean }> = {
  200: { category: 'success', documented: true },
  404: { category: 'client_fault', documented: true },
  418: { category: 'client_fault', documented: false },
  500: { category: 'service_fault', documented: true },
  503: { category: 'service_fault', documented: true },
};

const running: OtelService[] = [];
afterAll(async () => {
  for (const s of running) await s.stop().catch(() => []);
});

async function run(options: OtelServiceOptions): Promise<OtelService> {
  const service = await startOtelService(options);
  running.push(service);
  for (const [path, code, count] of TRAFFIC) {
    for (let i = 0; i < count; i++) expect((await request(service.port, { path })).status).toBe(code);
  }
  return service;
}

async function stop(service: OtelService): Promise<DumpedSpan[]> {
  running.splice(running.indexOf(service), 1);
  return service.stop();
}

/** Server spans of the traffic, by status code. */
function serverSpans(spans: readonly DumpedSpan[]): DumpedSpan[] {
  return spans.filter((s) => s.kind === 1 && s.attributes['url.path'] !== '/metrics');
}

function checkSpans(spans: readonly DumpedSpan[]): void {
  const server = serverSpans(spans);
  expect(server.length).toBe(9);
  for (const span of server) {
    const code = span.attributes['http.response.status_code'] as number;
    expect({ code, category: span.attributes['faultline.category'], documented: span.attributes['faultline.documented'] })
      .toEqual({ code, ...EXPECTED[code] });
    // OpenTelemetry's own rules stay intact: ERROR for 5xx only, and faultline sets no error.type
    // (instrumentation-http 0.223 puts it on its metric, not on server spans).
    expect(span.status).toBe(code >= 500 ? 2 : 0);
    expect(span.attributes['error.type']).toBeUndefined();
    expect(Object.keys(span.attributes).filter((k) => k.startsWith('faultline.')).sort()).toEqual(['faultline.category', 'faultline.documented']);
  }
  // /child/500 ended inside an application span: the server span is tagged, the child is not.
  const child = spans.find((s) => s.name === 'work');
  expect(child?.attributes['faultline.category']).toBeUndefined();
  expect(server.filter((s) => s.attributes['http.response.status_code'] === 500).length).toBe(1);
}

async function otelTotals(service: OtelService): Promise<Record<string, number>> {
  const samples = parseExposition(await (await fetch(`http://127.0.0.1:${service.otelPort}/metrics`)).text());
  const out: Record<string, number> = {};
  for (const s of samples.filter((x) => x.name === 'http_server_responses_total')) {
    out[`${s.labels['code']}|${s.labels['category']}|${s.labels['documented']}`] = s.value;
  }
  return out;
}

const EXPECTED_TOTALS = { '200|success|true': 3, '404|client_fault|true': 2, '418|client_fault|false': 1, '500|service_fault|true': 1, '503|service_fault|true': 2 };

describe('FAULTLINE_EXPORTER=otel in a service with the OpenTelemetry SDK', () => {
  // The documented order for both module systems, and faultline first (the SDK starts later) for
  // ESM, where load order matters most (import-in-the-middle). Each start costs seconds here.
  for (const [module, order] of [['esm', 'sdk-first'], ['cjs', 'sdk-first'], ['esm', 'faultline-first']] as const) {
    it(`${module}, ${order}: tags server spans, opens no port, and the SDK's Prometheus and OTLP exporters have the exact totals`, async () => {
      const otlp = await startOtlpReceiver();
      try {
        const service = await run({ module, exporter: 'otel', order, otlpUrl: otlp.url });
        // faultline's own endpoint is not started; the fixture listens on its app port and the
        // SDK exporter's only.
        const ports = listeningPorts(service.pid);
        expect(ports.has(service.faultlinePort)).toBe(false);
        expect([...ports].sort()).toEqual([service.port, service.otelPort].sort());
        // Scrapes of the SDK's own exporter are not counted: the totals stay those of the traffic.
        expect(await otelTotals(service)).toEqual(EXPECTED_TOTALS);
        expect(await otelTotals(service)).toEqual(EXPECTED_TOTALS);
        // The same instruments over OTLP/HTTP, as a Collector receives them.
        const points = await waitFor(() => {
          const last = otlp.exports.at(-1)?.filter((p) => p.scope === 'faultline');
          const responses = last?.filter((p) => p.metric === 'http.server.responses') ?? [];
          return responses.length === Object.keys(EXPECTED_TOTALS).length && responses.reduce((a, p) => a + p.value!, 0) === 9 ? last : undefined;
        }, 10_000, 'an OTLP export with every response');
        expect(Object.fromEntries(points.filter((p) => p.metric === 'http.server.responses').map((p) => [`${p.attributes['code']}|${p.attributes['category']}|${p.attributes['documented']}`, p.value])))
          .toEqual(EXPECTED_TOTALS);
        const histogram = points.filter((p) => p.metric === 'http.server.response.duration_seconds');
        expect(histogram.every((p) => p.unit === 's' && p.explicitBounds!.length === 14)).toBe(true);
        expect(histogram.reduce((a, p) => a + p.count!, 0)).toBe(9); // the SDK starts before the first request in both orders
        checkSpans(await stop(service));
        expect(service.stderr()).toBe('');
      } finally {
        await otlp.stop();
      }
    });
  }
});

describe('trace exemplars on faultline\'s own endpoint (FAULTLINE_EXPORTER=prometheus)', () => {
  // ESM is covered end to end through a real Prometheus in test/e2e/otel-prometheus.test.ts.
  for (const module of ['cjs'] as const) {
    it(`${module}: OpenMetrics scrapes carry the server span's ids on counters and buckets; text scrapes none`, async () => {
      const service = await run({ module, exporter: 'prometheus' });
      const url = `http://127.0.0.1:${service.faultlinePort}/metrics`;
      const om = await (await fetch(url, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
      const text = await (await fetch(url)).text();
      const spans = serverSpans(await stop(service));
      checkSpans(spans);
      expect(text).not.toContain(' # {');

      const samples = parseExposition(om);
      const counters = samples.filter((s) => s.name === 'http_server_responses_total');
      expect(counters.length).toBe(5);
      for (const c of counters) {
        const code = Number(c.labels['code']);
        const ids = spans.filter((s) => s.attributes['http.response.status_code'] === code).map((s) => `${s.traceId}/${s.spanId}`);
        expect(c.exemplar?.value).toBe(1);
        expect(ids).toContain(`${c.exemplar?.labels['trace_id']}/${c.exemplar?.labels['span_id']}`);
        expect(Object.keys(c.exemplar?.labels ?? {}).sort()).toEqual(['span_id', 'trace_id']);
        // Bucket exemplars: each in its own bucket's range, pointing at a span of that code.
        const buckets = samples.filter((s) => s.name === 'http_server_response_duration_seconds_bucket' && s.labels['code'] === c.labels['code']);
        const withExemplar = buckets.filter((b) => b.exemplar !== undefined);
        expect(withExemplar.length).toBeGreaterThanOrEqual(1);
        for (const b of withExemplar) {
          expect(ids).toContain(`${b.exemplar?.labels['trace_id']}/${b.exemplar?.labels['span_id']}`);
          const le = Number(b.labels['le']);
          const lower = Math.max(...buckets.map((x) => Number(x.labels['le'])).filter((x) => x < le), 0);
          expect(b.exemplar!.value).toBeLessThanOrEqual(le);
          expect(b.exemplar!.value).toBeGreaterThan(lower === 0 ? -1 : lower);
        }
      }
    });
  }
});
