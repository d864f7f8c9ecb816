import type { Attributes } from '@opentelemetry/api';
import type { Category } from '../catalog/types.js';

/**
 * The bucket counts of all the series of a recorder in one growing array: a series holds an
 * offset, not a typed array of its own (saves ~180 bytes of array objects per label set).
 */
export class BucketPool {
  data: Float64Array;
  private used = 0;
  constructor(readonly width: number) {
    this.data = new Float64Array(width * 64);
  }
  /** Reserves `width` zeroed slots; returns their offset. */
  alloc(): number {
    if (this.used + this.width > this.data.length) {
      // By half again, not double: at 10,000 label sets doubling left ~0.5 MB of slots unused.
      const next = new Float64Array(this.width * Math.ceil((this.data.length * 1.5) / this.width));
      next.set(this.data);
      this.data = next;
    }
    const offset = this.used;
    this.used += this.width;
    return offset;
  }
}

/**
 * The label bytes (UTF-8, escaped) of all the series of a recorder in one growing array: a
 * series keeps a start and an end, not a string, and rendering copies bytes instead of
 * re-encoding strings for each of its 17 sample lines.
 */
export class LabelPool {
  data = new Uint8Array(16 * 1024);
  private used = 0;
  /** Appends `text` as UTF-8; returns its start (its end is start + the returned length). */
  add(text: string): [start: number, end: number] {
    const bytes = Buffer.from(text);
    if (this.used + bytes.length > this.data.length) {
      let size = Math.ceil(this.data.length * 1.5); // by half again, as BucketPool
      while (size < this.used + bytes.length) size = Math.ceil(size * 1.5);
      const next = new Uint8Array(size);
      next.set(this.data.subarray(0, this.used));
      this.data = next;
    }
    const start = this.used;
    this.data.set(bytes, start);
    this.used += bytes.length;
    return [start, this.used];
  }
  /** Bytes held (the label sets of all response series, end to end). */
  get size(): number {
    return this.used;
  }
  /** The text of a range. */
  text(start: number, end: number): string {
    return Buffer.from(this.data.buffer, this.data.byteOffset + start, end - start).toString('utf8');
  }
}

/** The pools the response series of one recorder share (one reference per series, not two). */
export interface SeriesStore {
  readonly labels: LabelPool;
  readonly pool: BucketPool;
}

/** One (method, route, code) label set: the counter and the histogram series it feeds. */
export class ResponseSeries {
  count = 0;
  sum = 0;
  /**
   * Exemplars (OpenMetrics) of the latest traced responses, filled by the tracing integration:
   * one per bucket (the slots of `buckets`), then the counter's; allocated on the first. One
   * field for both, as most series never have one (8 bytes per series).
   */
  exemplars: (Exemplar | undefined)[] | undefined = undefined;
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
    /** The label bytes and bucket counts of the recorder's series. */
    readonly store: SeriesStore,
    /** Where the escaped `method="..",route="..",code="..",category=".."` (the histogram's labels) are in `store.labels`. */
    readonly labelStart: number,
    readonly labelEnd: number,
    /** Where the bucket counts live: `store.pool.data[offset ... offset + store.pool.width - 1]`. */
    readonly offset: number,
  ) {}

  /** Non-cumulative bucket counts (a view into the pool); the last slot is the +Inf bucket. */
  get buckets(): Float64Array {
    const pool = this.store.pool;
    return pool.data.subarray(this.offset, this.offset + pool.width);
  }

  /** The counter's exemplar: the latest traced response's. */
  get exemplar(): Exemplar | undefined {
    return this.exemplars?.[this.store.pool.width];
  }

  set exemplar(exemplar: Exemplar | undefined) {
    this.exemplarSlots()[this.store.pool.width] = exemplar;
  }

  /** `exemplars`, allocated if it was not. */
  exemplarSlots(): (Exemplar | undefined)[] {
    return (this.exemplars ??= new Array<Exemplar | undefined>(this.store.pool.width + 1).fill(undefined));
  }

  /** Escaped `method="..",route="..",code="..",category=".."` (the histogram's labels); built when asked. */
  get histogramLabels(): string {
    return this.store.labels.text(this.labelStart, this.labelEnd);
  }

  /** The histogram's labels plus `documented=".."` (the counter's labels); built when asked, not stored. */
  get counterLabels(): string {
    return `${this.histogramLabels},documented="${this.documented ? 'true' : 'false'}"`;
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
