import type { Category } from '../catalog/types.js';

/** One (method, route, code) label set: the counter and the histogram series it feeds. */
export class ResponseSeries {
  count = 0;
  sum = 0;
  /** Non-cumulative bucket counts; the last slot is the +Inf bucket. */
  readonly buckets: Float64Array;
  /** An exemplar (OpenMetrics) for the latest fault, filled by the tracing integration. */
  exemplar: Exemplar | undefined = undefined;

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
