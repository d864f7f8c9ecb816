import type { Attributes } from '@opentelemetry/api';
import { CATEGORIES } from '../catalog/types.js';
import type { Category } from '../catalog/types.js';

/**
 * How series are laid out. A key is route id * ROUTE_FACTOR + method index * METHOD_FACTOR +
 * code (< 1024), with at most MAX_METHODS method labels, `_OTHER` included. A series' slots in
 * its pool chunk, from its offset: the count, the sum, then the buckets (constant offsets: the
 * hot path reads no field to find them). Modules copy these into constants of their own (`const
 * { ... } = SERIES_LAYOUT`): the CommonJS build reads an imported binding as a property of the
 * module's exports at every use, which made `Recorder.response()` ~1.5 ns slower (of ~9).
 */
export const SERIES_LAYOUT = {
  ROUTE_FACTOR: 65536,
  METHOD_FACTOR: 1024,
  MAX_METHODS: 64,
  COUNT_SLOT: 0,
  SUM_SLOT: 1,
  FIRST_BUCKET: 2,
} as const;
const { ROUTE_FACTOR, METHOD_FACTOR, MAX_METHODS, COUNT_SLOT, SUM_SLOT, FIRST_BUCKET } = SERIES_LAYOUT;

/**
 * The counts of all the series of a recorder (the count, the sum, then the buckets) in chunks of
 * slots: a series holds its chunk and an offset, not a typed array of its own (saves ~180 bytes
 * of array objects per label set). Chunks are never copied or replaced: a pool grown by copying
 * one array left the slots it had not yet used (a third of them after a growth step) and, at
 * 10,000 label sets, the freed copies in the process's memory (malloc keeps them).
 */
export class BucketPool {
  /** Slots per series: the count, the sum, then the buckets (the last one +Inf). */
  readonly width: number;
  /** The chunk new series take their slots from. */
  current: Float64Array;
  private used = 0;
  constructor(
    /** Buckets per series, +Inf included. */
    readonly slots: number,
  ) {
    this.width = FIRST_BUCKET + slots;
    this.current = new Float64Array(this.width * FIRST_CHUNK_SERIES);
  }
  /**
   * Reserves `width` zeroed slots in `current` (read it after this call); returns their offset.
   * A full chunk is followed by one twice its size, up to MAX_CHUNK_SERIES series.
   */
  alloc(): number {
    if (this.used + this.width > this.current.length) {
      const series = Math.min(MAX_CHUNK_SERIES, (2 * this.current.length) / this.width);
      this.current = new Float64Array(this.width * series);
      this.used = 0;
    }
    const offset = this.used;
    this.used += this.width;
    return offset;
  }
}
/** Series in a recorder's first chunk of counts. */
const FIRST_CHUNK_SERIES = 16;
/** Series per chunk at most (~140 KB with the default 14 buckets). */
const MAX_CHUNK_SERIES = 1024;

/**
 * The label bytes (UTF-8, escaped) of all the routes of a recorder in one growing array: a
 * route keeps a start and an end, not a string, and rendering copies bytes instead of
 * re-encoding strings for each of its series' 17 sample lines.
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
  /** Bytes held (the labels of all routes, end to end). */
  get size(): number {
    return this.used;
  }
  /** The text of a range. */
  text(start: number, end: number): string {
    return Buffer.from(this.data.buffer, this.data.byteOffset + start, end - start).toString('utf8');
  }
}

/**
 * What the response series of one recorder share (one reference per series): the pools, and
 * the labels their keys stand for.
 */
export interface SeriesStore {
  /** The escaped label value of each route, UTF-8, at `routeLabelStarts[id]` to `routeLabelEnds[id]`. */
  readonly labels: LabelPool;
  readonly routeLabelStarts: readonly number[];
  readonly routeLabelEnds: readonly number[];
  /** `method="<label>",route="` as UTF-8, by method index: what a series' labels start with. */
  readonly methodHeads: readonly Uint8Array[];
  readonly pool: BucketPool;
  /** Method labels by method index. */
  readonly methodLabels: readonly string[];
  /** Route templates by route id. */
  readonly routeNames: readonly string[];
}

// A series' flags: the category's index in CATEGORIES (bits 0-2), documented, overflow.
const CATEGORY_MASK = 7;
const DOCUMENTED = 8;
const OVERFLOW = 16;

/**
 * One (method, route, code) label set: the counter and the histogram series it feeds. Its
 * labels are kept as a key and flags (method, route, code, category, documented, overflow are
 * read from them), and its count, sum and buckets in a chunk of its recorder's pool: a series
 * is ~100 bytes of heap where one with a field per label and two boxed numbers was ~170.
 */
export class ResponseSeries {
  /**
   * Exemplars (OpenMetrics) of the latest traced responses, filled by the tracing integration:
   * one per bucket (the slots of `buckets`), then the counter's; allocated on the first. One
   * field for both, as most series never have one (8 bytes per series).
   */
  exemplars: (Exemplar | undefined)[] | undefined = undefined;
  /** OpenTelemetry attribute objects of this label set, built once by the otel sink (`exporter: 'otel'`). */
  otelAttributes: ResponseAttributes | undefined = undefined;
  /** Category index, documented and overflow (see the constants above). */
  private readonly flags: number;

  constructor(
    /** route id * ROUTE_FACTOR + method index * METHOD_FACTOR + code. */
    readonly key: number,
    category: Category,
    documented: boolean,
    /** True for the series of route `overflow` (label sets past the series limit). */
    overflow: boolean,
    /** The pools and label bytes of the recorder's series, and the labels the key stands for. */
    readonly store: SeriesStore,
    /**
     * The end of the histogram's labels, `",code="..",category=".."` as UTF-8 (one array shared by
     * the series of a code and category). They are the method's head, the route's label and
     * this: rendering copies the three, where a copy of the whole per series was ~90 bytes more
     * per label set.
     */
    readonly suffix: Uint8Array,
    /**
     * The chunk of the recorder's pool holding this series' slots: from `data[offset]`, the
     * count (COUNT_SLOT), the sum (SUM_SLOT), then the bucket counts (FIRST_BUCKET on,
     * `store.pool.slots` of them, non-cumulative, the last +Inf).
     */
    readonly data: Float64Array,
    readonly offset: number,
  ) {
    this.flags = CATEGORIES.indexOf(category) | (documented ? DOCUMENTED : 0) | (overflow ? OVERFLOW : 0);
  }

  /** The index of the method's label. */
  get methodIndex(): number {
    return Math.floor(this.key / METHOD_FACTOR) % MAX_METHODS;
  }

  /** The route's id. */
  get routeId(): number {
    return Math.floor(this.key / ROUTE_FACTOR);
  }

  get method(): string {
    return this.store.methodLabels[this.methodIndex]!;
  }

  get route(): string {
    return this.store.routeNames[this.routeId]!;
  }

  get code(): number {
    return this.key % METHOD_FACTOR;
  }

  get category(): Category {
    return CATEGORIES[this.flags & CATEGORY_MASK]!;
  }

  get documented(): boolean {
    return (this.flags & DOCUMENTED) !== 0;
  }

  /** True for the series of route `overflow` (label sets past the series limit). */
  get overflow(): boolean {
    return (this.flags & OVERFLOW) !== 0;
  }

  /** Responses counted. */
  get count(): number {
    return this.data[this.offset + COUNT_SLOT]!;
  }

  set count(value: number) {
    this.data[this.offset + COUNT_SLOT] = value;
  }

  /** Sum of the responses' durations, in seconds. */
  get sum(): number {
    return this.data[this.offset + SUM_SLOT]!;
  }

  set sum(value: number) {
    this.data[this.offset + SUM_SLOT] = value;
  }

  /** Non-cumulative bucket counts (a view into the pool); the last slot is the +Inf bucket. */
  get buckets(): Float64Array {
    return this.data.subarray(this.offset + FIRST_BUCKET, this.offset + FIRST_BUCKET + this.store.pool.slots);
  }

  /** The counter's exemplar: the latest traced response's. */
  get exemplar(): Exemplar | undefined {
    return this.exemplars?.[this.store.pool.slots];
  }

  set exemplar(exemplar: Exemplar | undefined) {
    this.exemplarSlots()[this.store.pool.slots] = exemplar;
  }

  /** `exemplars`, allocated if it was not. */
  exemplarSlots(): (Exemplar | undefined)[] {
    return (this.exemplars ??= new Array<Exemplar | undefined>(this.store.pool.slots + 1).fill(undefined));
  }

  /** Escaped `method="..",route="..",code="..",category=".."` (the histogram's labels); built when asked. */
  get histogramLabels(): string {
    const store = this.store;
    const route = this.routeId;
    return Buffer.from(store.methodHeads[this.methodIndex]!).toString('utf8') +
      store.labels.text(store.routeLabelStarts[route]!, store.routeLabelEnds[route]!) +
      Buffer.from(this.suffix).toString('utf8');
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
