import type { Attributes } from '@opentelemetry/api';
import type { Category } from '../catalog/types.js';

/** One (method, route, code) label set: the counter and the histogram series it feeds. */
export class ResponseSeries {
  count = 0;
  sum = 0;
  /** Non-cumulative bucket counts; the last slot is the +Inf bucket. */
  readonly buckets: Float64Array;
  /** An exemplar (OpenMetrics) for the latest traced response, filled by the tracing integration. */
  exemplar: Exemplar | undefined = undefined;
  /** Per bucket (same slots as `buckets`), the exemplar of the latest traced response in it; allocated on the first one. */
  bucketExemplars: (Exemplar | undefined)[] | undefined = undefined;
  /** OpenTelemetry attribute objects of this label set, built once by the otel sink (`exporter: 'otel'`). */
  otelAttributes: ResponseAttributes | undefined = undefined;

  constructor(
    readonly method: string,
    readonly route: string,
    readonly code: number,
    readonly category: Category,
    readonly documented: boolean,
    /** True for the series of route `overflow` (label sets past the series limit). */
    readonly overflow: boolean,
    /** Escaped `method="..",route="..",code="..",category=".."` (the histogram's labels). */
    readonly histogramLabels: string,
    /** The histogram's labels plus `documented=".."` (the counter's labels). */
    readonly counterLabels: string,
    bucketCount: number,
  ) {
    this.buckets = new Float64Array(bucketCount + 1);
  }
}

/** One (method, route) label set of the aborted-requests counter. */
export class AbortedSeries {
  count = 0;
  /** OpenTelemetry attributes of this label set, built once by the otel sink. */
  otelAttributes: Attributes | undefined = undefined;
  constructor(
    readonly method: string,
    readonly route: string,
    /** True for the series of route `overflow`. */
    readonly overflow: boolean,
    /** Escaped `method="..",route=".."`. */
    readonly labels: string,
  ) {}
}

/** A trace exemplar: the span that was active when the sample was recorded. */
export interface Exemplar {
  readonly traceId: string;
  readonly spanId: string;
  readonly value: number;
  /** Seconds since the epoch. */
  readonly timestamp: number;
}

/** The OpenTelemetry attribute objects of one response label set (built once, reused). */
export interface ResponseAttributes {
  /** method, route, code, category, documented. */
  readonly counter: Attributes;
  /** method, route, code, category. */
  readonly histogram: Attributes;
}
