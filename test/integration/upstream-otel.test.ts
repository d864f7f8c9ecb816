import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { createFaultline } from '../../src/index.js';
import { parseExposition } from '../helpers/exposition.js';
import type { Sample } from '../helpers/exposition.js';
import { freePort } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/net.js';
import { startFakeUpstream } from '../helpers/upstream.js';

// exporter: 'otel': the client metrics go through the global MeterProvider under the same
// names and labels (after OpenTelemetry's Prometheus translation) as faultline's own exposition.

const OPENAPI = new URL('../fixtures/upstream/rds-openapi.yaml', import.meta.url).pathname;
const FAMILIES = [
  'http_client_responses_total',
  'http_client_response_duration_seconds_count',
  'http_client_response_duration_seconds_bucket',
  'http_client_failed_requests_total',
];
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

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

function get(url: string, answer: number): Promise<void> {
  return new Promise((resolve) => {
    http.get(url, { headers: { 'x-answer': String(answer) } }, (res) => { res.resume(); res.on('close', () => resolve()); }).on('error', () => resolve());
  });
}

describe('outbound calls with exporter: otel', () => {
  it('gives OpenTelemetry\'s Prometheus exporter exactly the client series of faultline\'s own exposition', async () => {
    const promPort = await freePort();
    const exporter = await new Promise<PrometheusExporter>((resolve, reject) => {
      const e = new PrometheusExporter({ port: promPort, host: '127.0.0.1' }, (err) => (err ? reject(err) : resolve(e)));
    });
    const provider = new MeterProvider({ readers: [exporter] });
    metrics.setGlobalMeterProvider(provider);
    cleanups.push(async () => { await provider.shutdown(); metrics.disable(); });
    const upstream = await startFakeUpstream();
    cleanups.push(() => upstream.stop());
    const dead = `127.0.0.1:${await freePort()}`;

    const fl = createFaultline({ exporter: 'otel', logger: () => {} });
    cleanups.push(() => fl.close());
    const U = `http://127.0.0.1:${upstream.port}/v3`;
    fl.upstream({ base: U, catalog: OPENAPI }).upstream({ base: `http://${dead}/v3`, catalog: OPENAPI });

    for (let i = 0; i < 3; i++) await (await fetch(`${U}/p1/instances`)).text();
    for (let i = 0; i < 2; i++) await (await fetch(`${U}/p1/instances`, { method: 'POST', headers: { 'x-answer': '413' } })).text();
    await get(`${U}/p1/instances/i-1`, 503);
    await get(`${U}/p1/instances/i-1`, 504);
    await fetch(`http://${dead}/v3/p1/instances`).catch(() => undefined);
    await waitFor(() => {
      let observed = 0;
      for (const s of fl.outboundView?.recorder.responses.values() ?? []) observed += s.observed;
      return observed === 7 ? true : undefined;
    }, 5000, 'every duration to be observed');

    const own = parseExposition(await fl.metrics('text'));
    const scraped = parseExposition(await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text());
    for (const family of FAMILIES) {
      expect(lines(own, family).length, family).toBeGreaterThan(0);
      expect(lines(scraped, family), family).toEqual(lines(own, family));
    }
    expect(lines(scraped, 'http_client_failed_requests_total')).toEqual([
      `http_client_failed_requests_total{method=GET,reason=connect,route=/{project_id}/instances,upstream=${dead}} 1`,
    ]);
    const sum = (samples: readonly Sample[]): number => samples.filter((s) => s.name === 'http_client_response_duration_seconds_sum').reduce((a, s) => a + s.value, 0);
    expect(sum(scraped)).toBeCloseTo(sum(own), 6);
  });
});
