import { VALUE_TYPE_DOUBLE, VALUE_TYPE_INT, otelApi } from './otel-api.js';
import type {
  BatchObservableCallback,
  Attributes,
  BatchObservableResult,
  Histogram,
  Meter,
  MeterProvider,
  Observable,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
} from '@opentelemetry/api';
import { categoryOfCode, pickText } from '../classify/classify.js';
import { ConfigError } from '../config.js';
import { HELP } from './names.js';
import type { Recorder } from './recorder.js';
import type { AbortedSeries, ResponseAttributes, ResponseSeries } from './series.js';

/** The name of the Meter faultline records through (`otel_scope_name` after Prometheus translation). */
export const OTEL_METER_NAME = 'faultline';

/** The OpenTelemetry instrument names, chosen so that Prometheus translation gives the contract's names. */
export interface OtelInstrumentNames {
  /** Counter -> `http_server_responses_total`. */
  readonly responses: string;
  /** Histogram, unit `s` -> `http_server_response_duration_seconds_{bucket,sum,count}`. */
  readonly duration: string;
  /** UpDownCounter -> gauge `http_server_requests_in_flight`. */
  readonly inFlight: string;
  /** Counter -> `http_server_aborted_requests_total`. */
  readonly aborted: string;
  /** Gauge, always 1 -> `http_status_code_info`. */
  readonly codeInfo: string;
}

// OpenTelemetry instrument names: a letter, then letters, digits, `_`, `.`, `-`, `/`.
const OTEL_NAME_RE = /^[A-Za-z][A-Za-z0-9_.\-/]*$/;

/**
 * The instrument names of the otel path, with faultline's `prefix` prepended. The duration
 * histogram carries `_seconds` in its name because OpenTelemetry JS's Prometheus exporter
 * (0.223) does not append unit suffixes; the Collector and Prometheus's OTLP receiver do not
 * append one either when the name already holds it, so every path yields the same name.
 * @throws ConfigError when the prefix cannot start an OpenTelemetry instrument name.
 * @example
 * ```ts
 * otelInstrumentNames('').responses; // 'http.server.responses'
 * otelInstrumentNames('shop_').duration; // 'shop_http.server.response.duration_seconds'
 * ```
 */
export function otelInstrumentNames(prefix = ''): OtelInstrumentNames {
  if (prefix !== '' && !OTEL_NAME_RE.test(prefix)) {
    throw new ConfigError('prefix', prefix, 'cannot start an OpenTelemetry instrument name (exporter "otel"): use a letter first and no ":"');
  }
  return {
    responses: `${prefix}http.server.responses`,
    duration: `${prefix}http.server.response.duration_seconds`,
    inFlight: `${prefix}http.server.requests_in_flight`,
    aborted: `${prefix}http.server.aborted_requests`,
    codeInfo: `${prefix}http.status_code.info`,
  };
}

interface Instruments {
  readonly meter: Meter;
  readonly duration: Histogram;
  readonly responses: ObservableCounter;
  readonly aborted: ObservableCounter;
  readonly inFlight: ObservableUpDownCounter;
  readonly codeInfo: ObservableGauge;
  readonly observables: Observable[];
}

/**
 * Mirrors a Recorder into OpenTelemetry instruments of the global MeterProvider
 * (`exporter: 'otel'`). The Recorder stays the one place of normalisation, classification and
 * the series limit; this sink only translates:
 * - the counters, the in-flight gauge and the info gauge are *observable* instruments read
 *   from the Recorder at collection time: no work per response, and exact totals even for
 *   responses counted before the SDK was started;
 * - the duration histogram is recorded per response (OpenTelemetry has no observable
 *   histogram) with an attribute object cached on the series: no allocation on our side.
 * The global provider is looked up on each recorded response (a property read), so an SDK
 * started after faultline — or restarted — is picked up.
 *
 * @example
 * ```ts
 * const sink = new OtelSink(recorder, '', (kind, err) => fl.fault(kind, err));
 * sink.response(recorder.response(method, route, 200, 0.012), 0.012);
 * ```
 */
export class OtelSink {
  readonly names: OtelInstrumentNames;
  private provider: MeterProvider | undefined;
  /** The api's metrics entry, read once (the api loads with the first sink). */
  private readonly metricsApi = otelApi().metrics;
  private instruments: Instruments | undefined;
  private readonly methodAttributes: (Attributes | undefined)[] = [];
  private readonly infoAttributes: readonly Attributes[];
  private closed = false;

  constructor(
    private readonly recorder: Recorder,
    prefix: string,
    private readonly fault: (kind: string, err: unknown) => void,
  ) {
    this.names = otelInstrumentNames(prefix);
    const entries = [...recorder.catalog.codes.values()].sort((a, b) => a.code - b.code);
    this.infoAttributes = entries.map((e) => ({
      code: String(e.code),
      category: e.category ?? categoryOfCode(e.code),
      description: pickText(e.description, recorder.lang),
    }));
    this.bind(this.metricsApi.getMeterProvider());
  }

  /** Records one counted response in the duration histogram. Never throws. */
  response(series: ResponseSeries, seconds: number): void {
    try {
      const provider = this.metricsApi.getMeterProvider();
      if (provider !== this.provider) this.bind(provider);
      const attributes = series.otelAttributes ?? this.responseAttributes(series);
      this.instruments?.duration.record(seconds >= 0 ? seconds : 0, attributes.histogram);
    } catch (err) {
      this.fault('otel_record', err);
    }
  }

  /** Detaches the observable callback from the provider. */
  close(): void {
    this.closed = true;
    this.unbind();
  }

  private responseAttributes(series: ResponseSeries): ResponseAttributes {
    const histogram: Attributes = { method: series.method, route: series.route, code: String(series.code), category: series.category };
    const counter: Attributes = { ...histogram, documented: series.documented ? 'true' : 'false' };
    series.otelAttributes = { counter, histogram };
    return series.otelAttributes;
  }

  private abortedAttributes(series: AbortedSeries): Attributes {
    series.otelAttributes ??= { method: series.method, route: series.route };
    return series.otelAttributes;
  }

  private bind(provider: MeterProvider): void {
    this.unbind();
    this.provider = provider;
    if (this.closed) return;
    const n = this.names;
    const meter = provider.getMeter(OTEL_METER_NAME);
    const instruments: Instruments = {
      meter,
      duration: meter.createHistogram(n.duration, {
        description: HELP.duration,
        unit: 's',
        valueType: VALUE_TYPE_DOUBLE,
        advice: { explicitBucketBoundaries: Array.from(this.recorder.buckets) },
      }),
      responses: meter.createObservableCounter(n.responses, { description: HELP.responses, valueType: VALUE_TYPE_INT }),
      aborted: meter.createObservableCounter(n.aborted, { description: HELP.aborted, valueType: VALUE_TYPE_INT }),
      inFlight: meter.createObservableUpDownCounter(n.inFlight, { description: HELP.inFlight, valueType: VALUE_TYPE_INT }),
      codeInfo: meter.createObservableGauge(n.codeInfo, { description: HELP.codeInfo, valueType: VALUE_TYPE_INT }),
      observables: [],
    };
    instruments.observables.push(instruments.responses, instruments.aborted, instruments.inFlight, instruments.codeInfo);
    meter.addBatchObservableCallback(this.collect, instruments.observables);
    this.instruments = instruments;
  }

  private unbind(): void {
    const old = this.instruments;
    this.instruments = undefined;
    removeBatchCallback(old, this.collect, (err) => this.fault('otel_unbind', err));
  }

  /** Reads the Recorder into the observable instruments (at each collection of the SDK). */
  private readonly collect = (result: BatchObservableResult): void => {
    const inst = this.instruments;
    if (inst === undefined) return;
    try {
      const r = this.recorder;
      for (const s of r.responses.values()) {
        result.observe(inst.responses, s.count, (s.otelAttributes ?? this.responseAttributes(s)).counter);
      }
      for (const s of r.aborts.values()) result.observe(inst.aborted, s.count, this.abortedAttributes(s));
      for (let i = 0; i < r.methodLabels.length; i++) {
        const v = r.inFlight[i]!;
        if (v === 0 && r.methodSeen[i] !== 1) continue;
        const attributes = (this.methodAttributes[i] ??= { method: r.methodLabels[i]! });
        result.observe(inst.inFlight, v, attributes);
      }
      for (const attributes of this.infoAttributes) result.observe(inst.codeInfo, 1, attributes);
    } catch (err) {
      this.fault('otel_collect', err);
    }
  };
}

/**
 * Detaches a batch observable callback from the meter it was bound to (when the global
 * MeterProvider changes or the instance closes); a failing SDK is reported, never thrown.
 * @example
 * ```ts
 * removeBatchCallback(old, collect, (err) => fl.fault('otel_unbind', err));
 * ```
 */
export function removeBatchCallback(
  bound: { readonly meter: Meter; readonly observables: Observable[] } | undefined,
  collect: BatchObservableCallback,
  onError: (err: unknown) => void,
): void {
  if (bound === undefined) return;
  try {
    bound.meter.removeBatchObservableCallback(collect, bound.observables);
  } catch (err) {
    onError(err);
  }
}
