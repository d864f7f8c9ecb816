import type { Catalog, Category } from '../catalog/types.js';
import { classify } from '../classify/classify.js';
import { ROUTE_OVERFLOW, ROUTE_UNMATCHED, escapeLabelValue, sanitizeRoute } from './labels.js';
import type { Recorder } from './recorder.js';

/**
 * Why an outbound call got no response.
 * @example
 * ```ts
 * const reason: FailureReason = 'timeout';
 * ```
 */
export type FailureReason = 'connect' | 'timeout' | 'reset' | 'aborted' | 'other';
/**
 * Every failure reason; a reason's index is its number in `ClientRecorder.failed()`.
 * @example
 * ```ts
 * FAILURE_REASONS.indexOf('reset'); // 2
 * ```
 */
export const FAILURE_REASONS: readonly FailureReason[] = ['connect', 'timeout', 'reset', 'aborted', 'other'];

/**
 * One (method, upstream, route, code) label set: the counter and the histogram series it feeds.
 * @example
 * ```ts
 * const series = client.response(method, upstream, route, 503, catalog, template);
 * series.count; // responses so far
 * ```
 */
export class ClientResponseSeries {
  /** Responses counted (when their headers arrived). */
  count = 0;
  /** Durations observed (when the body ended); at most `count`. */
  observed = 0;
  /** Recorded under route `overflow` (series limit). */
  overflow = false;
  sum = 0;
  /** Non-cumulative bucket counts; the last slot is the +Inf bucket. */
  readonly buckets: Float64Array;
  /** OpenTelemetry attribute objects, made once by the otel sink (`exporter: 'otel'`). */
  otelAttributes: { readonly counter: Readonly<Record<string, string>>; readonly histogram: Readonly<Record<string, string>> } | undefined = undefined;
  constructor(
    readonly method: string,
    readonly upstream: string,
    readonly route: string,
    readonly code: number,
    readonly category: Category,
    readonly documented: boolean,
    /** Escaped `method="..",upstream="..",route="..",code="..",category=".."`. */
    readonly histogramLabels: string,
    /** The histogram's labels plus `documented=".."`. */
    readonly counterLabels: string,
    bucketCount: number,
  ) {
    this.buckets = new Float64Array(bucketCount + 1);
  }
}

/**
 * One (method, upstream, route, reason) label set of the failed-calls counter.
 * @example
 * ```ts
 * for (const s of client.failures.values()) console.log(s.upstream, s.reason, s.count);
 * ```
 */
export class ClientFailureSeries {
  count = 0;
  /** Recorded under route `overflow` (series limit). */
  overflow = false;
  /** OpenTelemetry attributes, made once by the otel sink. */
  otelAttributes: Readonly<Record<string, string>> | undefined = undefined;
  constructor(
    readonly method: string,
    readonly upstream: string,
    readonly route: string,
    readonly reason: FailureReason,
    /** Escaped `method="..",upstream="..",route="..",reason=".."`. */
    readonly labels: string,
  ) {}
}

// Series keys: ((route * MAX_UPSTREAMS + upstream) * 64 + method) * 1024 + code for responses,
// ((route * MAX_UPSTREAMS + upstream) * 64 + method) * 8 + reason for failures. Route ids stay
// below seriesLimit + 2, so the keys are exact integers for any sane limit (< 2^27 routes).
const MAX_UPSTREAMS = 1024;
const METHODS = 64;

/**
 * The outbound-call counts of one faultline instance, beside its server Recorder (whose method
 * table, buckets, series limit and language it shares). Plain numbers in series objects found
 * by an integer key: `response`, `observe` and `failed` allocate nothing once a label set exists.
 *
 * @example
 * ```ts
 * const client = new ClientRecorder(recorder);
 * const up = client.upstream('db.example.com');
 * const route = client.route('/v3/{project_id}/instances');
 * const series = client.response(recorder.method('GET'), up, route, 503, catalog, '/v3/{project_id}/instances');
 * client.observe(series, 0.120);
 * ```
 */
export class ClientRecorder {
  readonly buckets: Float64Array;
  readonly seriesLimit: number;
  readonly lang: string;
  /** Method labels by index, shared with the server Recorder (`_OTHER` last). */
  readonly methodLabels: readonly string[];

  private readonly upstreamIds = new Map<string, number>();
  private readonly upstreamLabels: string[] = [];
  private readonly upstreamNames: string[] = [];

  private readonly routeIds = new Map<string, number>();
  private readonly routeLabels: string[] = [];
  private readonly routeNames: string[] = [];
  readonly unmatchedRoute: number;
  readonly overflowRoute: number;

  readonly responses = new Map<number, ClientResponseSeries>();
  readonly failures = new Map<number, ClientFailureSeries>();
  /** Observations recorded under route `overflow`, by metric. */
  readonly overflowed = { responses: 0, failed: 0 };

  constructor(private readonly server: Recorder) {
    this.buckets = server.buckets;
    this.seriesLimit = server.seriesLimit;
    this.lang = server.lang;
    this.methodLabels = server.methodLabels;
    this.unmatchedRoute = this.internRoute(ROUTE_UNMATCHED);
    this.overflowRoute = this.internRoute(ROUTE_OVERFLOW);
  }

  /** The index of a method's label (`_OTHER` for unknown ones), as on the server side. */
  method(method: string | undefined): number {
    return this.server.method(method);
  }

  /** The index of an upstream label (its host, with port when not the scheme's default). */
  upstream(label: string): number {
    let id = this.upstreamIds.get(label);
    if (id === undefined) {
      if (this.upstreamNames.length >= MAX_UPSTREAMS) throw new RangeError(`at most ${MAX_UPSTREAMS} distinct upstream hosts can be watched`);
      id = this.upstreamNames.length;
      this.upstreamNames.push(label);
      this.upstreamLabels.push(escapeLabelValue(label));
      this.upstreamIds.set(label, id);
    }
    return id;
  }

  /** How many upstream labels are known (0: nothing to render). */
  get upstreamCount(): number {
    return this.upstreamNames.length;
  }

  /** The id of a route label; undefined = `unmatched`; past the series limit, `overflow`. */
  route(route: string | undefined): number {
    if (route === undefined) return this.unmatchedRoute;
    const id = this.routeIds.get(route);
    if (id !== undefined) return id;
    if (this.routeNames.length >= this.seriesLimit + 2) return this.overflowRoute;
    return this.internRoute(route);
  }

  private internRoute(raw: string): number {
    const clean = sanitizeRoute(raw);
    let id = this.routeIds.get(clean);
    if (id === undefined) {
      id = this.routeNames.length;
      this.routeNames.push(clean);
      this.routeLabels.push(escapeLabelValue(clean));
      this.routeIds.set(clean, id);
    }
    if (clean !== raw) this.routeIds.set(raw, id);
    return id;
  }

  /**
   * Counts one response whose headers arrived. `catalog` and `operationRoute` (the catalog's own
   * template, which may carry the base's path prefix) classify the code when the label set is new.
   * Returns the series, for `observe()` when the body ends.
   */
  response(method: number, upstream: number, route: number, code: number, catalog: Catalog, operationRoute: string | undefined): ClientResponseSeries {
    const key = ((route * MAX_UPSTREAMS + upstream) * METHODS + method) * 1024 + code;
    let series = this.responses.get(key);
    if (series === undefined) series = this.newResponseSeries(key, method, upstream, route, code, catalog, operationRoute);
    series.count += 1;
    if (series.overflow) this.overflowed.responses += 1;
    return series;
  }

  private newResponseSeries(
    key: number, method: number, upstream: number, route: number, code: number, catalog: Catalog, operationRoute: string | undefined,
  ): ClientResponseSeries {
    if (this.responses.size >= this.seriesLimit && route !== this.overflowRoute) {
      route = this.overflowRoute;
      operationRoute = undefined;
      key = ((route * MAX_UPSTREAMS + upstream) * METHODS + method) * 1024 + code;
      const existing = this.responses.get(key);
      if (existing) return existing;
    }
    const methodLabel = this.methodLabels[method]!;
    const c = classify(code, operationRoute === undefined ? undefined : { method: methodLabel, route: operationRoute }, catalog, this.lang);
    const histogramLabels =
      `method="${methodLabel}",upstream="${this.upstreamLabels[upstream]!}",route="${this.routeLabels[route]!}",code="${code}",category="${c.category}"`;
    const series = new ClientResponseSeries(
      methodLabel, this.upstreamNames[upstream]!, this.routeNames[route]!, code, c.category, c.documented,
      histogramLabels, `${histogramLabels},documented="${c.documented ? 'true' : 'false'}"`,
      this.buckets.length,
    );
    series.overflow = route === this.overflowRoute;
    this.responses.set(key, series);
    return series;
  }

  /** Records the duration of a counted response (once per response, when its body ended). */
  observe(series: ClientResponseSeries, seconds: number): void {
    if (!(seconds >= 0)) return;
    const bounds = this.buckets;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    series.buckets[i]! += 1;
    series.sum += seconds;
    series.observed += 1;
  }

  /** Counts one call that got no response; `reason` indexes FAILURE_REASONS. */
  failed(method: number, upstream: number, route: number, reason: number): void {
    let series = this.failures.get(((route * MAX_UPSTREAMS + upstream) * METHODS + method) * 8 + reason);
    if (series === undefined) {
      if (this.failures.size >= this.seriesLimit && route !== this.overflowRoute) {
        route = this.overflowRoute;
        series = this.failures.get(((route * MAX_UPSTREAMS + upstream) * METHODS + method) * 8 + reason);
      }
      if (series === undefined) {
        const methodLabel = this.methodLabels[method]!;
        const reasonLabel = FAILURE_REASONS[reason] ?? 'other';
        series = new ClientFailureSeries(
          methodLabel, this.upstreamNames[upstream]!, this.routeNames[route]!, reasonLabel,
          `method="${methodLabel}",upstream="${this.upstreamLabels[upstream]!}",route="${this.routeLabels[route]!}",reason="${reasonLabel}"`,
        );
        series.overflow = route === this.overflowRoute;
        this.failures.set(((route * MAX_UPSTREAMS + upstream) * METHODS + method) * 8 + reason, series);
      }
    }
    series.count += 1;
    if (series.overflow) this.overflowed.failed += 1;
  }
}
