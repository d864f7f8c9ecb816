import type { Metric, Registry } from 'prom-client';
import type { ClientRenderSource } from '../exporter/render-client.js';
import { CLIENT_HELP } from './client-names.js';

type LabelValues = Record<string, string | number>;
interface Sample { value: number; labels: LabelValues; metricName?: string }
type MetricType = 'counter' | 'histogram';

/** A read-only prom-client metric over the client recorder (see prom-client-bridge.ts). */
class ClientBridgeMetric {
  readonly aggregator = 'sum';
  constructor(
    // prom-client's OpenMetrics registry rewrites `name` of counters in place; we read it back.
    public name: string,
    readonly help: string,
    readonly type: MetricType,
    private readonly samples: () => Sample[],
  ) {}
  get(): Promise<{ name: string; help: string; type: MetricType; aggregator: string; values: Sample[] }> {
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.samples() });
  }
  reset(): void {
    // counts are reset by creating a new instance, not through the registry
  }
}

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
  const add = (m: ClientBridgeMetric): void => {
    // ClientBridgeMetric implements what Registry uses of Metric (name, help, type, get, reset, aggregator).
    registry.registerMetric(m as unknown as Metric);
  };
  add(new ClientBridgeMetric(names.responses, CLIENT_HELP.responses, 'counter', () =>
    Array.from(recorder.responses.values(), (s) => ({
      value: s.count,
      labels: { method: s.method, upstream: s.upstream, route: s.route, code: s.code, category: s.category, documented: String(s.documented) },
    })),
  ));
  add(new ClientBridgeMetric(names.duration, CLIENT_HELP.duration, 'histogram', () => {
    const out: Sample[] = [];
    for (const s of recorder.responses.values()) {
      const labels = { method: s.method, upstream: s.upstream, route: s.route, code: s.code, category: s.category };
      let cumulative = 0;
      recorder.buckets.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        out.push({ value: cumulative, labels: { ...labels, le }, metricName: `${names.duration}_bucket` });
      });
      out.push({ value: s.observed, labels: { ...labels, le: '+Inf' }, metricName: `${names.duration}_bucket` });
      out.push({ value: s.sum, labels, metricName: `${names.duration}_sum` });
      out.push({ value: s.observed, labels, metricName: `${names.duration}_count` });
    }
    return out;
  }));
  add(new ClientBridgeMetric(names.failed, CLIENT_HELP.failed, 'counter', () =>
    Array.from(recorder.failures.values(), (s) => ({
      value: s.count,
      labels: { method: s.method, upstream: s.upstream, route: s.route, reason: s.reason },
    })),
  ));
}
