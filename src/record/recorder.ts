import { CATEGORIES } from '../catalog/types.js';
import type { Catalog, Category } from '../catalog/types.js';
import { classify } from '../classify/classify.js';
import { AbortedSeries, BucketPool, LabelPool, ResponseSeries, SERIES_LAYOUT } from './series.js';
import type { Exemplar, SeriesStore } from './series.js';
import {
  OTHER_METHOD,
  ROUTE_OVERFLOW,
  ROUTE_UNMATCHED,
  STANDARD_METHODS,
  MAX_ROUTE_LENGTH,
  escapeLabelValue,
  sanitizeRoute,
} from './labels.js';

// This module's own copies (see SERIES_LAYOUT).
const { ROUTE_FACTOR, METHOD_FACTOR, MAX_METHODS, COUNT_SLOT, SUM_SLOT, FIRST_BUCKET } = SERIES_LAYOUT;

/** The default histogram buckets: OpenTelemetry's HTTP duration advice, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
/** The default number of label sets per metric before new ones go to route `overflow`. */
export const DEFAULT_SERIES_LIMIT = 2000;

/** What a Recorder needs to know. */
export interface RecorderSettings {
  readonly catalog: Catalog;
  readonly lang: string;
  readonly seriesLimit: number;
  readonly buckets: readonly number[];
  /** Extra methods labelled as themselves (upper-case). */
  readonly methods: readonly string[];
}

/**
 * Slots of the series cache in front of `responses` (a power of two): a direct-mapped cache hit
 * is an array read and a key comparison where the Map lookup was ~70 instructions per response
 * under callgrind.
 */
const SERIES_CACHE_BITS = 10;

/**
 * Slots of the route cache in front of `routeIds`, chosen by a route string's length: a route
 * template is usually one string object for the life of the process (Fastify's route config,
 * the catalog's templates), so a hit is a pointer comparison where the Map lookup hashed and
 * probed (~60-70 instructions per response under callgrind). Strings of the same length share
 * a slot; `===` compares content, so a collision only costs a lookup, never a wrong id.
 */
const ROUTE_CACHE_SLOTS = 16;

/**
 * The counts of one faultline instance, kept as plain numbers in series objects found by an
 * integer key. The hot path (`response`, `aborted`, `requestStarted`/`requestEnded`) allocates
 * nothing once a label set has been seen; rendering reads the series directly.
 */
export class Recorder {
  readonly buckets: Float64Array;
  readonly seriesLimit: number;
  readonly catalog: Catalog;
  readonly lang: string;

  /** Method labels by index; the last one is `_OTHER`. */
  readonly methodLabels: readonly string[];
  private readonly methodIndex = new Map<string, number>();
  readonly otherMethod: number;
  /** Requests in flight, by method index. */
  readonly inFlight: Int32Array;
  /** 1 for each method index that has had a request (its in-flight series is shown). */
  readonly methodSeen: Uint8Array;

  private readonly routeIds = new Map<string, number>();
  /** The route cache: the string each slot holds (by length, see ROUTE_CACHE_SLOTS) and its id. */
  private readonly cachedRoutes: (string | undefined)[] = new Array<string | undefined>(ROUTE_CACHE_SLOTS).fill(undefined);
  private readonly cachedRouteIds = new Int32Array(ROUTE_CACHE_SLOTS);
  private readonly routeNames: string[] = [];
  readonly unmatchedRoute: number;
  readonly overflowRoute: number;

  readonly responses = new Map<number, ResponseSeries>();
  /**
   * The same series in the order they were made (series are never removed): the render walks
   * this array by index, since a Map iterator allocated a result object per series (~0.9 MB
   * per scrape of 10,000 label sets).
   */
  readonly responseList: ResponseSeries[] = [];
  /** The series cache: the key each slot holds (-1: none) and its series. */
  private readonly cachedKeys = new Float64Array(1 << SERIES_CACHE_BITS).fill(-1);
  private readonly cachedSeries: ResponseSeries[] = [];
  /**
   * The last method string seen and its index. Node's parser hands out one string object per
   * method, not the interned literal: comparing it with 'GET' compared characters (~40
   * instructions under callgrind), comparing it with itself is a pointer check.
   */
  private lastMethod: string | undefined = undefined;
  private lastMethodIndex: number;
  /** The count, sum and bucket counts of every response series. */
  readonly pool: BucketPool;
  /** The escaped label of every route, as UTF-8 (see `routeLabelStarts`). */
  readonly labels = new LabelPool();
  /** Where each route's label is in `labels`, by route id. */
  private readonly routeLabelStarts: number[] = [];
  private readonly routeLabelEnds: number[] = [];
  /** `method="<label>",route="` as UTF-8, by method index. */
  readonly methodHeads: readonly Uint8Array[];
  /** The ends of response series' labels, `",code="..",category=".."`, by code * 8 + category index. */
  private readonly suffixes = new Map<number, Uint8Array>();
  /** Bytes of the labels of all response series, end to end (sizes a render's buffer). */
  responseLabelBytes = 0;
  /** The pools and label tables, as each series refers to them. */
  private readonly store: SeriesStore;
  readonly aborts = new Map<number, AbortedSeries>();
  /** The aborted-requests series in the order they were made (see `responseList`). */
  readonly abortList: AbortedSeries[] = [];
  /** Characters of the labels of all aborted-requests series (sizes a render's buffer). */
  abortLabelLength = 0;
  /** Observations recorded under route `overflow`, by metric name. */
  readonly overflowed = { responses: 0, aborted: 0 };
  /** Faults inside faultline (never thrown into the application), by kind. */
  readonly internalErrors = new Map<string, number>();

  constructor(settings: RecorderSettings) {
    this.catalog = settings.catalog;
    this.lang = settings.lang;
    this.seriesLimit = settings.seriesLimit;
    this.buckets = Float64Array.from(settings.buckets);
    this.pool = new BucketPool(this.buckets.length + 1);
    const methods = [...STANDARD_METHODS];
    for (const m of settings.methods) if (!methods.includes(m)) methods.push(m);
    if (methods.length >= MAX_METHODS) throw new RangeError(`at most ${MAX_METHODS - 1} methods can be labelled, got ${methods.length}`);
    methods.forEach((m, i) => this.methodIndex.set(m, i));
    this.otherMethod = methods.length;
    this.lastMethodIndex = this.otherMethod;
    this.methodLabels = [...methods, OTHER_METHOD];
    this.inFlight = new Int32Array(this.methodLabels.length);
    this.methodSeen = new Uint8Array(this.methodLabels.length);
    this.methodHeads = this.methodLabels.map((m) => Buffer.from(`method="${m}",route="`));
    this.store = {
      labels: this.labels, routeLabelStarts: this.routeLabelStarts, routeLabelEnds: this.routeLabelEnds, methodHeads: this.methodHeads,
      pool: this.pool, methodLabels: this.methodLabels, routeNames: this.routeNames,
    };
    this.unmatchedRoute = this.internRoute(ROUTE_UNMATCHED);
    this.overflowRoute = this.internRoute(ROUTE_OVERFLOW);
  }

  /** The index of a method's label (`_OTHER` for unknown ones). Case-sensitive, as HTTP is. */
  method(method: string | undefined): number {
    if (method === this.lastMethod) return this.lastMethodIndex;
    const idx = method === undefined ? this.otherMethod : (this.methodIndex.get(method) ?? this.otherMethod);
    this.lastMethod = method;
    this.lastMethodIndex = idx;
    return idx;
  }

  /** The id of a route template; past the series limit of distinct routes, `overflow`. */
  route(route: string | undefined): number {
    if (typeof route !== 'string') return this.unmatchedRoute;
    const slot = route.length & (ROUTE_CACHE_SLOTS - 1);
    if (this.cachedRoutes[slot] === route) return this.cachedRouteIds[slot]!;
    const id = this.routeIds.get(route) ?? this.internRoute(route);
    this.cachedRoutes[slot] = route;
    this.cachedRouteIds[slot] = id;
    return id;
  }

  private internRoute(raw: string): number {
    const clean = sanitizeRoute(raw);
    let id = this.routeIds.get(clean);
    if (id === undefined) {
      if (this.routeNames.length >= this.seriesLimit + 2) return this.overflowRoute;
      id = this.routeNames.length;
      this.routeNames.push(clean);
      const [start, end] = this.labels.add(escapeLabelValue(clean));
      this.routeLabelStarts.push(start);
      this.routeLabelEnds.push(end);
      this.routeIds.set(clean, id);
    }
    // Raw spellings of a cleaned label are remembered only while few and short: distinct long
    // strings sharing one 256-character prefix must not grow the map without end.
    if (clean !== raw && raw.length <= 4 * MAX_ROUTE_LENGTH && this.routeIds.size < 2 * (this.seriesLimit + 2)) {
      this.routeIds.set(raw, id);
    }
    return id;
  }

  /** The route template of an id. */
  routeName(id: number): string {
    return this.routeNames[id] ?? ROUTE_UNMATCHED;
  }

  requestStarted(method: number): void {
    this.inFlight[method]! += 1;
    this.methodSeen[method] = 1;
  }

  requestEnded(method: number): void {
    this.inFlight[method]! -= 1;
  }

  /**
   * Counts one completely sent response. `code` must be an integer 100-999 (Node's own limit).
   * Returns the series, so that callers can attach an exemplar.
   */
  response(method: number, route: number, code: number, seconds: number): ResponseSeries {
    const key = route * ROUTE_FACTOR + method * METHOD_FACTOR + code;
    const slot = Math.imul(key, 0x9e3779b1) >>> (32 - SERIES_CACHE_BITS);
    const series = this.cachedKeys[slot] === key ? this.cachedSeries[slot]! : this.uncachedSeries(key, slot, method, route, code);
    const data = series.data;
    const offset = series.offset;
    data[offset + COUNT_SLOT]! += 1;
    if (series.overflow) this.overflowed.responses += 1;
    if (seconds >= 0) {
      // Linear scan: 14 buckets, cheaper than a binary search at this size.
      const bounds = this.buckets;
      let i = 0;
      while (i < bounds.length && seconds > bounds[i]!) i++;
      data[offset + FIRST_BUCKET + i]! += 1;
      data[offset + SUM_SLOT]! += seconds;
    } else {
      data[offset + FIRST_BUCKET]! += 1;
    }
    return series;
  }

  /** A series the cache does not hold in `slot`: looked up (or made) and cached there. */
  private uncachedSeries(key: number, slot: number, method: number, route: number, code: number): ResponseSeries {
    const series = this.responses.get(key) ?? this.newResponseSeries(method, route, code);
    this.cachedKeys[slot] = key;
    this.cachedSeries[slot] = series;
    return series;
  }

  private newResponseSeries(method: number, route: number, code: number): ResponseSeries {
    if (this.responses.size >= this.seriesLimit && route !== this.overflowRoute) {
      const key = this.overflowRoute * ROUTE_FACTOR + method * METHOD_FACTOR + code;
      const existing = this.responses.get(key);
      if (existing) return existing;
      route = this.overflowRoute;
    }
    const methodLabel = this.methodLabels[method]!;
    const routeName = this.routeName(route);
    const c = classify(code, { method: methodLabel, route: routeName }, this.catalog, this.lang);
    const suffix = this.suffix(code, c.category);
    this.responseLabelBytes += this.methodHeads[method]!.length + this.routeLabelEnds[route]! - this.routeLabelStarts[route]! + suffix.length;
    const key = route * ROUTE_FACTOR + method * METHOD_FACTOR + code;
    const offset = this.pool.alloc();
    const series = new ResponseSeries(key, c.category, c.documented, route === this.overflowRoute, this.store, suffix, this.pool.current, offset);
    this.responses.set(key, series);
    this.responseList.push(series);
    return series;
  }

  /** The end of the labels of the series of a code and category (made once per pair). */
  private suffix(code: number, category: Category): Uint8Array {
    const key = code * 8 + CATEGORIES.indexOf(category);
    let suffix = this.suffixes.get(key);
    if (suffix === undefined) {
      suffix = Buffer.from(`",code="${code}",category="${category}"`);
      this.suffixes.set(key, suffix);
    }
    return suffix;
  }

  /** Counts one request whose connection closed before its response was completely sent. */
  aborted(method: number, route: number): void {
    let series = this.aborts.get(route * MAX_METHODS + method);
    if (series === undefined) {
      if (this.aborts.size >= this.seriesLimit && route !== this.overflowRoute) {
        route = this.overflowRoute;
        series = this.aborts.get(route * MAX_METHODS + method);
      }
      if (series === undefined) {
        const methodLabel = this.methodLabels[method]!;
        series = new AbortedSeries(methodLabel, this.routeName(route), route === this.overflowRoute, ['method="', methodLabel, '",route="', this.labels.text(this.routeLabelStarts[route]!, this.routeLabelEnds[route]!), '"'].join(''));
        this.aborts.set(route * MAX_METHODS + method, series);
        this.abortList.push(series);
        this.abortLabelLength += series.labels.length;
      }
    }
    series.count += 1;
    if (series.overflow) this.overflowed.aborted += 1;
  }

  /** Counts a fault inside faultline. */
  internalError(kind: string): void {
    this.internalErrors.set(kind, (this.internalErrors.get(kind) ?? 0) + 1);
  }

  /** Attaches an exemplar to a series (OpenMetrics scrapes show it). */
  setExemplar(series: ResponseSeries, exemplar: Exemplar): void {
    series.exemplar = exemplar;
  }
}
