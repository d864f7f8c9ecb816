import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import type { Catalog, RouteMatcher } from './catalog/types.js';
import { loadCatalog } from './catalog/load.js';
import { SegmentTrie } from './catalog/route-matcher.js';
import type { FaultlineOptions, ResolvedOptions } from './config.js';
import { resolveOptions } from './config.js';
import { OnceLogger } from './log.js';
import { DEFAULT_BUCKETS, DEFAULT_SERIES_LIMIT, Recorder } from './record/recorder.js';
import { metricNames } from './record/names.js';
import type { MetricNames } from './record/names.js';
import { createBridgeRegistry } from './record/prom-client-bridge.js';
import { OtelSink } from './record/otel-sink.js';
import { linkActiveSpan, tracingMaybeRegistered, tracingRegistered } from './record/trace-link.js';
import { isExporterServer } from './hooks/exporter-servers.js';
import type { ResponseSeries } from './record/series.js';
import { RenderPlan, renderChunked } from './exporter/render.js';
import type { ExpositionFormat } from './exporter/render.js';
import { createEndpoint, createScrapeGate } from './exporter/handler.js';
import type { Admission, EndpointSource, ScrapeRequest } from './exporter/handler.js';
import { startMetricsServer, startMetricsServerHere } from './exporter/server.js';
import type { MetricsServer } from './exporter/server.js';
import { METHOD, STATUS_CODE, addOwner, findTracked, removeOwner, trackResponse, watchersChanged } from './hooks/runtime.js';
import type { Tracked, TrackingOwner } from './hooks/runtime.js';
import { expressMiddleware } from './hooks/express.js';
import type { ExpressMiddleware } from './hooks/express.js';
import { fastifyPlugin } from './hooks/fastify.js';
import type { FastifyPlugin } from './hooks/fastify.js';
import { koaMiddleware } from './hooks/koa.js';
import type { KoaMiddleware } from './hooks/koa.js';
import { completelySent, isRequestEmitter } from './hooks/http2.js';
import { registered } from './registered.js';
import { Outbound } from './upstream/outbound.js';
import type { UpstreamOptions } from './upstream/upstream.js';
import { loadUpstreamsFile } from './upstream/file.js';
import { addClientBridgeMetrics } from './record/client-bridge.js';

/** The longest duration `observe()` accepts (a year): more is a bug, and would push the histogram's sum towards +Inf. */
export const MAX_DURATION_SECONDS = 31_536_000;

/** One response to count by hand with `fl.observe()`. */
export interface ObservedResponse {
  /** The request method, e.g. `GET` (unknown methods are labelled `_OTHER`). */
  readonly method: string;
  /** The route template, e.g. `/items/:id`; `unmatched` when omitted. Never a raw URL. */
  readonly route?: string;
  /** The status code sent, an integer 100-999. */
  readonly statusCode: number;
  /** Seconds from request start to the end of the response; omitted = not observed in the histogram's sum. */
  readonly durationSeconds?: number;
}

/** A request handler `(req, res)` that also fits Express's `(req, res, next)`. */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse, next?: unknown) => void;

/** An instance's record of one response: the method index it counts the request under. */
interface ResponseTrack extends Tracked {
  readonly method: number;
}

/**
 * A new record, as an object literal: one shape, allocated inline by optimised code (a class
 * with field initialisers is constructed through V8's generic construct stub, ~65 instructions).
 */
function newResponseTrack(owner: TrackingOwner, start: number, method: number): ResponseTrack {
  return { owner, start, method, route: undefined, lateRoute: undefined, lateRouteContext: undefined, adapterState: undefined, skip: false, ended: false, next: undefined };
}

/**
 * One faultline instance: a catalog, the counts, the hooks that feed them and the endpoint
 * that serves them. Create it with `createFaultline()`.
 */
export class Faultline implements TrackingOwner {
  /** The catalog in use. */
  readonly catalog: Catalog;
  /** The options in effect. */
  readonly options: ResolvedOptions;
  /** The metric names in effect (with the prefix). */
  readonly names: MetricNames;
  /** @internal the counts */
  readonly recorder: Recorder;
  private readonly plan: RenderPlan;
  private readonly log: OnceLogger;
  private readonly servers = new WeakSet<object>();
  private metricsServer: MetricsServer | undefined;
  private bridge: Registry | undefined;
  private handler: MetricsHandler | undefined;
  private gate: ((scrape: ScrapeRequest) => Admission) | undefined;
  /** The OpenTelemetry mirror (`exporter: 'otel'`). */
  private readonly otel: OtelSink | undefined;
  private closed = false;
  /** The outbound side (upstreams watched), created by the first `upstream()`. */
  private outbound: Outbound | undefined;
  private clientBridged = false;

  constructor(options: FaultlineOptions = {}) {
    this.options = resolveOptions(options, { buckets: DEFAULT_BUCKETS, seriesLimit: DEFAULT_SERIES_LIMIT });
    this.log = new OnceLogger(options.logger);
    this.catalog = loadCatalog(options.catalog);
    this.names = metricNames(this.options.prefix);
    this.recorder = new Recorder({
      catalog: this.catalog,
      lang: this.options.lang,
      seriesLimit: this.options.seriesLimit,
      buckets: this.options.buckets,
      methods: this.options.methods,
    });
    this.plan = new RenderPlan(this.names, this.recorder);
    if (options.upstreams !== undefined) this.addUpstreams(options.upstreams);
    this.otel = this.options.exporter === 'otel' ? new OtelSink(this.recorder, this.options.prefix, (kind, err) => this.fault(kind, err)) : undefined;
    addOwner(this);
    if (registered() !== undefined) {
      // Two instances count the same responses into two registries: never do that silently.
      this.log.log(
        'warning: faultline/register is already counting every server of this process; this second instance counts the same responses again. Use registered() to reuse the registered instance.',
      );
    }
  }

  /**
   * The prom-client Registry holding faultline's metrics, to merge with the application's own
   * (`Registry.merge([register, fl.registry])`).
   */
  get registry(): Registry {
    this.bridge ??= createBridgeRegistry(this.recorder, this.names);
    this.bridgeClient();
    return this.bridge;
  }

  /**
   * Counts what an upstream API answers this service's outbound calls (`http.request`/`https`
   * and `fetch`/undici, through diagnostics channels): `http_client_responses_total`,
   * `http_client_response_duration_seconds` and `http_client_failed_requests_total`, labelled
   * with `upstream` = the base's host (with the port when not the scheme's default) and
   * `route` = the upstream catalog's path template without the base's path prefix (or
   * `unmatched`). Only calls whose URL starts with `base` are counted. The catalog (file, OpenAPI
   * document or Catalog; default built-in) says which codes are documented. Idempotent per base
   * (a base already watched keeps its first catalog). Call it before merging `registry` into
   * another Registry. `FAULTLINE_UPSTREAMS` / the `upstreams` option do the same from a file.
   * @throws ConfigError naming a bad base; CatalogError for a bad catalog.
   * @example
   * ```ts
   * fl.upstream({ base: 'https://rds.example.com/v3', catalog: './rds-openapi.yaml' });
   * await fetch('https://rds.example.com/v3/p1/instances'); // counted, route "/{project_id}/instances"
   * ```
   */
  upstream(options: UpstreamOptions): this {
    if (this.closed) return this;
    this.outboundSide().add(options);
    this.bridgeClient();
    return this;
  }

  private addUpstreams(source: string | readonly UpstreamOptions[]): void {
    try {
      if (typeof source === 'string') {
        for (const loaded of loadUpstreamsFile(source)) {
          this.outboundSide().add(loaded);
        }
      } else {
        for (const u of source) this.upstream(u);
      }
    } catch (err) {
      // the constructor fails: leave no hook behind
      this.outbound?.close();
      throw err;
    }
  }

  private outboundSide(): Outbound {
    this.outbound ??= new Outbound(this.recorder, this.options.prefix, (kind, err) => this.fault(kind, err), this.options.exporter === 'otel');
    return this.outbound;
  }

  /** @internal the outbound side, for renderers (undefined until the first upstream). */
  get outboundView(): Outbound | undefined {
    return this.outbound;
  }

  private bridgeClient(): void {
    if (this.bridge === undefined || this.outbound === undefined || this.clientBridged) return;
    this.clientBridged = true;
    addClientBridgeMetrics(this.bridge, this.outbound);
  }

  /**
   * Counts the requests of a node:http or node:https server, or of a `node:http2` server's
   * compat API (hooked through its 'request' event: Node 20 has no HTTP/2 diagnostics
   * channels). Idempotent.
   * @example
   * ```ts
   * const server = http.createServer(app);
   * fl.instrument(server);
   * ```
   */
  instrument(server: Server | object): this {
    if (this.servers.has(server)) return this;
    this.servers.add(server);
    watchersChanged();
    // HTTP/2 servers publish no diagnostics_channel events on Node 20: listen to 'request'.
    if (isRequestEmitter(server)) {
      server.prependListener('request', (req, res) => {
        if (this.closed) return;
        try {
          trackResponse(this, req, res);
        } catch (err) {
          this.fault('hook', err);
        }
      });
    }
    return this;
  }

  /**
   * Counts one response by hand, for servers faultline cannot hook. Never throws: a bad value
   * is counted in `faultline_internal_errors_total{kind="invalid_observation"}` and logged once.
   * @example
   * ```ts
   * fl.observe({ method: 'GET', route: '/items/:id', statusCode: 404, durationSeconds: 0.012 });
   * ```
   */
  observe(response: ObservedResponse): void {
    try {
      const code = response.statusCode;
      const seconds = response.durationSeconds;
      if (!Number.isInteger(code) || code < 100 || code > 999) {
        this.fault('invalid_observation', new RangeError(`observe(): statusCode ${String(code)} is not an integer 100-999; not counted`));
        return;
      }
      if (seconds !== undefined && !(Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_DURATION_SECONDS)) {
        this.fault('invalid_observation', new RangeError(`observe(): durationSeconds ${String(seconds)} is not a number of seconds from 0 to ${MAX_DURATION_SECONDS}; not counted`));
        return;
      }
      const method = this.recorder.method(typeof response.method === 'string' ? response.method.toUpperCase() : undefined);
      const route = this.recorder.route(typeof response.route === 'string' ? response.route : undefined);
      this.counted(this.recorder.response(method, route, code, seconds ?? -1), seconds ?? -1, tracingRegistered());
    } catch (err) {
      this.fault('observe', err);
    }
  }

  /**
   * A handler serving the metrics inside an existing app (its requests are not counted).
   * @example
   * ```ts
   * app.get('/metrics', fl.metricsHandler());
   * ```
   */
  metricsHandler(): MetricsHandler {
    this.handler ??= createEndpoint({ ...this.endpointSource(), skip: (req, res) => this.skip(req, res) }, this.admit());
    return this.handler;
  }

  /** What both endpoints render and count faults with. */
  private endpointSource(): EndpointSource {
    return {
      render: (format) => this.metricsBody(format),
      recycle: (body) => this.plan.giveBack(body),
      fault: (kind, err) => this.fault(`endpoint_${kind}`, err),
    };
  }

  /** Decides scrapes for both endpoints (they share the concurrent-scrape slots). */
  private admit(): (scrape: ScrapeRequest) => Admission {
    this.gate ??= createScrapeGate({ token: this.options.token, maxConcurrentScrapes: this.options.maxConcurrentScrapes });
    return this.gate;
  }

  /**
   * @internal what the endpoint serves instead of this instance's own counts: set by
   * `attachCluster()` in a cluster primary (the totals of every worker).
   */
  collector: ((format: ExpositionFormat) => Promise<string>) | undefined = undefined;

  /** Renders the metrics in the text format (default) or OpenMetrics. */
  async metrics(format: ExpositionFormat = 'text'): Promise<string> {
    const body = await this.metricsBody(format);
    if (typeof body === 'string') return body;
    const text = body.toString('utf8');
    this.plan.giveBack(body);
    return text;
  }

  /** The exposition as the endpoint sends it: rendered in time slices that yield to the event loop. */
  private metricsBody(format: ExpositionFormat): Promise<string | Buffer> {
    if (this.collector !== undefined) return this.collector(format);
    return renderChunked(this.recorder, this.plan, format, this.outbound);
  }

  /**
   * Starts faultline's own metrics endpoint on `port`/`host` (defaults 9464 / 0.0.0.0), served
   * from a worker thread of its own unless `endpointThread` is false (it resolves once that
   * thread listens, ~50 ms). It does not keep the process alive. Rejects when the port cannot be
   * bound.
   * @example
   * ```ts
   * const { port } = await fl.listen(9464, '0.0.0.0'); // http://<host>:9464/metrics
   * ```
   */
  listen(port = this.options.port ?? 9464, host = this.options.host): Promise<AddressInfo> {
    const onError = (err: Error): void => this.fault('metrics_server', err);
    const started = this.options.endpointThread
      ? startMetricsServer(this.endpointSource(), this.admit(), this.options.path, port, host, onError)
      : startMetricsServerHere(this.metricsHandler(), this.options.path, port, host, onError);
    return started.then((endpoint) => {
      this.metricsServer = endpoint;
      return endpoint.address;
    });
  }

  /** Stops counting and closes the metrics endpoint. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    removeOwner(this);
    this.otel?.close();
    this.outbound?.close();
    const endpoint = this.metricsServer;
    this.metricsServer = undefined;
    await endpoint?.close();
  }

  /** @internal TrackingOwner */
  watches(server: unknown): boolean {
    if (this.options.attachAll) return !isExporterServer(server);
    return typeof server === 'object' && server !== null && this.servers.has(server);
  }

  /** @internal TrackingOwner */
  begin(req: IncomingMessage, _res: ServerResponse): Tracked {
    const method = this.recorder.method(req[METHOD]);
    this.recorder.requestStarted(method);
    return newResponseTrack(this, performance.now(), method);
  }

  /** @internal TrackingOwner: the response closed, sent or not. */
  end(tracked: Tracked, res: ServerResponse, now: number, sent?: true): void {
    const t = tracked as ResponseTrack;
    try {
      this.recorder.requestEnded(t.method);
      if (t.skip || this.closed) return;
      const route = this.recorder.route(t.route ?? (t.lateRoute !== undefined ? this.lateRoute(t) : undefined) ?? this.matchRoute(res));
      if (sent !== true && !completelySent(res)) {
        this.recorder.aborted(t.method, route);
        return;
      }
      const code = res[STATUS_CODE];
      if (!Number.isInteger(code) || code < 100 || code > 999) {
        this.invalidStatus(code);
        return;
      }
      const seconds = (now - t.start) / 1000;
      this.counted(this.recorder.response(t.method, route, code, seconds), seconds, tracingMaybeRegistered(now));
    } catch (err) {
      this.fault('hook', err);
    }
  }

  // The rare branches of end() are methods of their own: V8 inlines end() and what it calls into
  // the runtime's endResponse within a cumulative budget of bytecode, which rare code would
  // use up (it once left performance.now()'s brand check out of line; the runtime now reads
  // the clock itself).

  private invalidStatus(code: unknown): void {
    this.fault('invalid_status', new RangeError(`a response finished with status ${String(code)}; not counted`));
  }

  /**
   * After a response was counted: tag the active server span (+ exemplars) when `tracing` says an
   * SDK is registered (checked once per response), mirror to OpenTelemetry.
   */
  private counted(series: ResponseSeries, seconds: number, tracing: boolean): void {
    if (tracing) this.linkSpan(series, seconds);
    this.otel?.response(series, seconds);
  }

  private linkSpan(series: ResponseSeries, seconds: number): void {
    try {
      linkActiveSpan(series, this.recorder.buckets, seconds);
    } catch (err) {
      this.fault('trace_link', err);
    }
  }

  /** An adapter's late route; a fault there leaves the response counted without a route. */
  private lateRoute(t: ResponseTrack): string | undefined {
    try {
      return t.lateRoute!(t.lateRouteContext ?? {});
    } catch (err) {
      this.fault('route', err);
      return undefined;
    }
  }

  /** Small enough for V8 to inline into end() when no catalog names routes (the default). */
  private matchRoute(res: ServerResponse): string | undefined {
    const matcher = this.catalog.routes;
    return matcher === undefined ? undefined : this.matchUrl(matcher, res);
  }

  private matchUrl(matcher: RouteMatcher, res: ServerResponse): string | undefined {
    const url = res.req?.url;
    if (url === undefined) return undefined;
    const q = url.indexOf('?');
    // faultline's own matcher reads the path in place (no copy of it per request).
    if (matcher instanceof SegmentTrie) return matcher.matchUntil(url, q < 0 ? url.length : q);
    return matcher.match(q < 0 ? url : url.slice(0, q));
  }

  /**
   * @internal for adapters: the tracking record of a request (created when the hook has not
   * seen it), so the adapter can set the route template.
   */
  track(req: IncomingMessage, res: ServerResponse): Tracked {
    return trackResponse(this, req, res);
  }

  /**
   * Tells faultline the route template of a request on a plain node:http server (frameworks'
   * adapters do this for you). Starts tracking the request if its server is not instrumented.
   * @example
   * ```ts
   * http.createServer((req, res) => {
   *   fl.setRoute(req, res, '/items/:id');
   *   res.end('ok');
   * });
   * ```
   */
  setRoute(req: IncomingMessage, res: ServerResponse, route: string): void {
    try {
      (findTracked(this, res) ?? trackResponse(this, req, res)).route = route;
    } catch (err) {
      this.fault('set_route', err);
    }
  }

  /**
   * Express 4/5 middleware, placed first: counts each response once and labels it with the full
   * route template, mount paths of nested routers included (`/v3/:project_id/instances/:id`);
   * `unmatched` for Express's 404.
   * @example
   * ```ts
   * const app = express();
   * app.use(fl.express());
   * ```
   */
  express(): ExpressMiddleware {
    return expressMiddleware(this);
  }

  /**
   * The Fastify 5 plugin (a `fastify-plugin`; the same value every time, registering it again
   * is harmless): route = `request.routeOptions.url`, `unmatched` for Fastify's 404.
   * @example
   * ```ts
   * const app = Fastify();
   * await app.register(fl.fastify);
   * ```
   */
  get fastify(): FastifyPlugin {
    return fastifyPlugin(this);
  }

  /**
   * Koa 2/3 middleware, placed first: route = @koa/router's matched template; thrown errors
   * count as the status Koa sends.
   * @example
   * ```ts
   * const app = new Koa();
   * app.use(fl.koa());
   * app.use(router.routes()).use(router.allowedMethods());
   * ```
   */
  koa(): KoaMiddleware {
    return koaMiddleware(this);
  }

  private skip(req: IncomingMessage, res: ServerResponse): void {
    const t = findTracked(this, res);
    if (t) t.skip = true;
    void req;
  }

  /** @internal counts a fault inside faultline and logs it once per kind. */
  fault(kind: string, err: unknown): void {
    this.recorder.internalError(kind);
    const message = err instanceof Error ? err.message : String(err);
    this.log.once(kind, `${kind}: ${message} (counted in ${this.names.internalErrors}; further ones are not logged)`);
  }
}

/**
 * Creates a faultline instance. Options mirror the `FAULTLINE_*` environment variables.
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { createFaultline } from 'faultline';
 *
 * const fl = createFaultline({ catalog: './catalog.yaml' });
 * const server = http.createServer((req, res) => res.end('ok'));
 * fl.instrument(server);
 * await fl.listen(9464); // http://localhost:9464/metrics
 * ```
 */
export function createFaultline(options: FaultlineOptions = {}): Faultline {
  return new Faultline(options);
}
