import type * as PromClient from 'prom-client';
import type { Metric, Registry } from 'prom-client';
import { dependency } from '../dependency.js';
import type { Recorder } from './recorder.js';
import type { MetricNames } from './names.js';
import { HELP } from './names.js';
import { categoryOfCode, pickText } from '../classify/classify.js';

type LabelValues = Record<string, string | number>;
/** One sample as prom-client's Registry reads it from `Metric.get()`. */
export interface Sample { value: number; labels: LabelValues; metricName?: string }
type MetricType = 'counter' | 'gauge' | 'histogram';

/**
 * A read-only prom-client metric over a Recorder: prom-client renders and aggregates it
 * (Registry.merge, AggregatorRegistry) like its own, while faultline keeps counting in plain
 * numbers. It implements the part of prom-client's Metric interface that a Registry calls.
 */
export class BridgeMetric {
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
    // faultline's counters are reset by creating a new instance, not through the registry
  }
}

/**
 * Registers a bridge metric in a prom-client Registry.
 * @example
 * ```ts
 * addBridgeMetric(registry, new BridgeMetric('x_total', 'help', 'counter', () => [{ value: 1, labels: {} }]));
 * ```
 */
export function addBridgeMetric(registry: Registry, metric: BridgeMetric): void {
  // BridgeMetric implements what Registry uses of Metric (name, help, type, get, reset, aggregator).
  registry.registerMetric(metric as unknown as Metric);
}

/**
 * The samples of one histogram series: cumulative buckets (with `+Inf`), `_sum` and `_count`.
 * @example
 * ```ts
 * out.push(...histogramSamples('d_seconds', new Float64Array([0.1, 1]), new Float64Array([1, 0, 2]), 2.5, 3, { route: '/a' }));
 * ```
 */
export function histogramSamples(name: string, bounds: Float64Array, counts: Float64Array, sum: number, observed: number, labels: LabelValues): Sample[] {
  const out: Sample[] = [];
  let cumulative = 0;
  bounds.forEach((le, i) => {
    cumulative += counts[i]!;
    out.push({ value: cumulative, labels: { ...labels, le }, metricName: `${name}_bucket` });
  });
  out.push({ value: observed, labels: { ...labels, le: '+Inf' }, metricName: `${name}_bucket` });
  out.push({ value: sum, labels, metricName: `${name}_sum` });
  out.push({ value: observed, labels, metricName: `${name}_count` });
  return out;
}

/** Builds the prom-client Registry that `fl.registry` exposes (prom-client is loaded here, on first use). */
export function createBridgeRegistry(recorder: Recorder, names: MetricNames): Registry {
  const registry = new (dependency<typeof PromClient>('prom-client').Registry)();
  const add = (m: BridgeMetric): void => addBridgeMetric(registry, m);
  add(new BridgeMetric(names.responses, HELP.responses, 'counter', () =>
    Array.from(recorder.responses.values(), (s) => ({
      value: s.count,
      labels: { method: s.method, route: s.route, code: s.code, category: s.category, documented: String(s.documented) },
    })),
  ));
  add(new BridgeMetric(names.duration, HELP.duration, 'histogram', () => {
    const out: Sample[] = [];
    for (const s of recorder.responses.values()) {
      out.push(...histogramSamples(names.duration, recorder.buckets, s.buckets, s.sum, s.count, { method: s.method, route: s.route, code: s.code, category: s.category }));
    }
    return out;
  }));
  add(new BridgeMetric(names.inFlight, HELP.inFlight, 'gauge', () =>
    recorder.methodLabels.flatMap((method, i) =>
      recorder.inFlight[i] !== 0 || recorder.methodSeen[i] === 1 ? [{ value: recorder.inFlight[i]!, labels: { method } }] : []),
  ));
  add(new BridgeMetric(names.aborted, HELP.aborted, 'counter', () =>
    Array.from(recorder.aborts.values(), (s) => ({ value: s.count, labels: { method: s.method, route: s.route } })),
  ));
  add(new BridgeMetric(names.codeInfo, HELP.codeInfo, 'gauge', () =>
    [...recorder.catalog.codes.values()].sort((a, b) => a.code - b.code).map((e) => ({
      value: 1,
      labels: { code: e.code, category: e.category ?? categoryOfCode(e.code), description: pickText(e.description, recorder.lang) },
    })),
  ));
  return registry;
}
