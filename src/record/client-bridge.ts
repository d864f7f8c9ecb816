import type { Registry } from 'prom-client';
import { BridgeMetric, addBridgeMetric, histogramSamples } from './prom-client-bridge.js';
import type { Sample } from './prom-client-bridge.js';
import type { ClientRenderSource } from '../exporter/render-client.js';
import { CLIENT_HELP } from './client-names.js';

/**
 * Adds the three client metrics to the prom-client Registry of `fl.registry`.
 * @example
 * ```ts
 * addClientBridgeMetrics(registry, outbound);
 * await registry.getSingleMetricAsString('http_client_responses_total');
 * ```
 */
export function addClientBridgeMetrics(registry: Registry, source: ClientRenderSource): void {
  const { recorder, names } = source;
  const add = (m: BridgeMetric): void => addBridgeMetric(registry, m);
  add(new BridgeMetric(names.responses, CLIENT_HELP.responses, 'counter', () =>
    Array.from(recorder.responses.values(), (s) => ({
      value: s.count,
      labels: { method: s.method, upstream: s.upstream, route: s.route, code: s.code, category: s.category, documented: String(s.documented) },
    })),
  ));
  add(new BridgeMetric(names.duration, CLIENT_HELP.duration, 'histogram', () => {
    const out: Sample[] = [];
    for (const s of recorder.responses.values()) {
      out.push(...histogramSamples(names.duration, recorder.buckets, s.buckets, s.sum, s.observed, { method: s.method, upstream: s.upstream, route: s.route, code: s.code, category: s.category }));
    }
    return out;
  }));
  add(new BridgeMetric(names.failed, CLIENT_HELP.failed, 'counter', () =>
    Array.from(recorder.failures.values(), (s) => ({
      value: s.count,
      labels: { method: s.method, upstream: s.upstream, route: s.route, reason: s.reason },
    })),
  ));
}
