import { VALUE_TYPE_DOUBLE, VALUE_TYPE_INT, otelApi } from './otel-api.js';
import type { BatchObservableResult, Histogram, Meter, MeterProvider, Observable, ObservableCounter } from '@opentelemetry/api';
import { CLIENT_HELP } from './client-names.js';
import type { ClientFailureSeries, ClientRecorder, ClientResponseSeries } from './client-recorder.js';
import { OTEL_METER_NAME, otelInstrumentNames, removeBatchCallback } from './otel-sink.js';

/**
 * The OpenTelemetry instrument names of the client metrics.
 * @example
 * ```ts
 * const names: OtelClientInstrumentNames = otelClientInstrumentNames('');
 * ```
 */
export interface OtelClientInstrumentNames {
  /** Counter -> `http_client_responses_total`. */
  readonly responses: string;
  /** Histogram, unit `s` -> `http_client_response_duration_seconds_{bucket,sum,count}`. */
  readonly duration: string;
  /** Counter -> `http_client_failed_requests_total`. */
  readonly failed: string;
}

/**
 * The client instrument names of the otel path, with the prefix (checked as on the server side).
 * @example
 * ```ts
 * otelClientInstrumentNames('').failed; // 'http.client.failed_requests'
 * ```
 */
export function otelClientInstrumentNames(prefix = ''): OtelClientInstrumentNames {
  otelInstrumentNames(prefix); // throws ConfigError for a prefix OpenTelemetry cannot take
  return {
    responses: `${prefix}http.client.responses`,
    duration: `${prefix}http.client.response.duration_seconds`,
    failed: `${prefix}http.client.failed_requests`,
  };
}

interface Instruments {
  readonly meter: Meter;
  readonly duration: Histogram;
  readonly responses: ObservableCounter;
  readonly failed: ObservableCounter;
  readonly observables: Observable[];
}

/**
 * Mirrors a ClientRecorder into the global MeterProvider (`exporter: 'otel'`), the way
 * OtelSink mirrors the server Recorder: the two counters are observable instruments read at
 * collection time, the duration histogram is recorded once per observed response with an
 * attribute object cached on the series. After OpenTelemetry's Prometheus translation the
 * series have the contract's names and labels.
 *
 * @example
 * ```ts
 * const sink = new OtelClientSink(outbound.recorder, '', (kind, err) => fl.fault(kind, err));
 * sink.duration(series, 0.120);
 * ```
 */
export class OtelClientSink {
  readonly names: OtelClientInstrumentNames;
  private provider: MeterProvider | undefined;
  /** The api's metrics entry, read once (the api loads with the first sink). */
  private readonly metricsApi = otelApi().metrics;
  private instruments: Instruments | undefined;
  private closed = false;

  constructor(
    private readonly recorder: ClientRecorder,
    prefix: string,
    private readonly fault: (kind: string, err: unknown) => void,
  ) {
    this.names = otelClientInstrumentNames(prefix);
    this.bind(this.metricsApi.getMeterProvider());
  }

  /** Records one observed duration. Never throws. */
  duration(series: ClientResponseSeries, seconds: number): void {
    try {
      const provider = this.metricsApi.getMeterProvider();
      if (provider !== this.provider) this.bind(provider);
      this.instruments?.duration.record(seconds >= 0 ? seconds : 0, (series.otelAttributes ?? this.responseAttributes(series)).histogram);
    } catch (err) {
      this.fault('otel_client_record', err);
    }
  }

  /** Detaches from the provider. */
  close(): void {
    this.closed = true;
    this.unbind();
  }

  private responseAttributes(s: ClientResponseSeries): NonNullable<ClientResponseSeries['otelAttributes']> {
    const histogram = { method: s.method, upstream: s.upstream, route: s.route, code: String(s.code), category: s.category };
    s.otelAttributes = { histogram, counter: { ...histogram, documented: s.documented ? 'true' : 'false' } };
    return s.otelAttributes;
  }

  private failureAttributes(s: ClientFailureSeries): Readonly<Record<string, string>> {
    s.otelAttributes ??= { method: s.method, upstream: s.upstream, route: s.route, reason: s.reason };
    return s.otelAttributes;
  }

  private bind(provider: MeterProvider): void {
    this.unbind();
    this.provider = provider;
    if (this.closed) return;
    const n = this.names;
    const meter = provider.getMeter(OTEL_METER_NAME);
    const responses = meter.createObservableCounter(n.responses, { description: CLIENT_HELP.responses, valueType: VALUE_TYPE_INT });
    const failed = meter.createObservableCounter(n.failed, { description: CLIENT_HELP.failed, valueType: VALUE_TYPE_INT });
    const duration = meter.createHistogram(n.duration, {
      description: CLIENT_HELP.duration,
      unit: 's',
      valueType: VALUE_TYPE_DOUBLE,
      advice: { explicitBucketBoundaries: Array.from(this.recorder.buckets) },
    });
    const observables: Observable[] = [responses, failed];
    meter.addBatchObservableCallback(this.collect, observables);
    this.instruments = { meter, duration, responses, failed, observables };
  }

  private unbind(): void {
    const old = this.instruments;
    this.instruments = undefined;
    removeBatchCallback(old, this.collect, (err) => this.fault('otel_client_unbind', err));
  }

  private readonly collect = (result: BatchObservableResult): void => {
    const inst = this.instruments;
    if (inst === undefined) return;
    try {
      for (const s of this.recorder.responses.values()) result.observe(inst.responses, s.count, (s.otelAttributes ?? this.responseAttributes(s)).counter);
      for (const s of this.recorder.failures.values()) result.observe(inst.failed, s.count, this.failureAttributes(s));
    } catch (err) {
      this.fault('otel_client_collect', err);
    }
  };
}
