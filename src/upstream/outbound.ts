import { performance } from 'node:perf_hooks';
import { loadCatalog } from '../catalog/load.js';
import { ConfigError } from '../config.js';
import { addWatch, removeWatches } from '../hooks/client.js';
import type { ClientCall, ClientOwner, ClientWatch } from '../hooks/client.js';
import { ClientRecorder } from '../record/client-recorder.js';
import type { ClientResponseSeries } from '../record/client-recorder.js';
import { clientMetricNames } from '../record/client-names.js';
import type { ClientMetricNames } from '../record/client-names.js';
import type { Recorder } from '../record/recorder.js';
import { OtelClientSink } from '../record/otel-client-sink.js';
import { Upstream, parseBase } from './upstream.js';
import type { UpstreamOptions } from './upstream.js';
import type { LoadedUpstream } from './file.js';

/** One watched upstream: the runtime's key data plus the instance's label ids and route cache. */
class WatchedUpstream implements ClientWatch {
  readonly protocol: string;
  readonly origin: string;
  readonly authority: string;
  readonly prefix: string;
  private readonly routeIds = new Map<string, number>();
  constructor(
    readonly owner: Outbound,
    readonly upstream: Upstream,
    /** The upstream label's index in the ClientRecorder. */
    readonly index: number,
  ) {
    const b = upstream.base;
    this.protocol = b.protocol;
    this.origin = b.origin;
    this.authority = b.authority;
    this.prefix = b.prefix;
  }

  /** The route id of a catalog template (cached: templates are bounded by the catalog). */
  routeId(template: string, client: ClientRecorder): number {
    let id = this.routeIds.get(template);
    if (id === undefined) {
      id = client.route(this.upstream.routeLabel(template));
      this.routeIds.set(template, id);
    }
    return id;
  }
}

class OutboundCall implements ClientCall {
  state = 0;
  timedOut = false;
  next: ClientCall | undefined = undefined;
  series: ClientResponseSeries | undefined = undefined;
  constructor(
    readonly owner: Outbound,
    readonly target: WatchedUpstream,
    readonly start: number,
    readonly method: number,
    readonly route: number,
    /** The catalog's own template (for operation-scoped codes), undefined when unmatched. */
    readonly template: string | undefined,
  ) {}
}

/**
 * The outbound side of one faultline instance: the upstreams it watches, the hooks' owner and
 * the client metrics. Created by the instance on its first upstream.
 *
 * @example
 * ```ts
 * const outbound = new Outbound(recorder, '', (kind, err) => fl.fault(kind, err), false);
 * outbound.add({ base: 'https://rds.example.com/v3', catalog: './rds-openapi.yaml' });
 * ```
 */
export class Outbound implements ClientOwner {
  /** The client counts. */
  readonly recorder: ClientRecorder;
  /** The client metric names (with the prefix). */
  readonly names: ClientMetricNames;
  private readonly watched = new Map<string, WatchedUpstream>();
  /** The OpenTelemetry mirror (`exporter: 'otel'`). */
  private readonly otel: OtelClientSink | undefined;
  private closed = false;

  constructor(
    server: Recorder,
    prefix: string,
    private readonly fault: (kind: string, err: unknown) => void,
    otel = false,
  ) {
    this.recorder = new ClientRecorder(server);
    this.names = clientMetricNames(prefix);
    this.otel = otel ? new OtelClientSink(this.recorder, prefix, fault) : undefined;
  }

  /** The upstreams watched, by normalised base URL. */
  get upstreams(): readonly Upstream[] {
    return [...this.watched.values()].map((w) => w.upstream);
  }

  /**
   * Watches an upstream (idempotent per base URL: a base already watched keeps its catalog).
   * @throws ConfigError naming the bad base; CatalogError for a bad catalog.
   */
  add(options: UpstreamOptions | LoadedUpstream): void {
    if (this.closed) return;
    const base = typeof options.base === 'string' ? parseBase(options.base) : options.base;
    if (typeof base === 'string') throw new ConfigError('upstream.base', String((options as UpstreamOptions).base), base.replace(/^"[^"]*" /, ''));
    if (this.watched.has(base.href)) return;
    const catalog = typeof options.catalog === 'object' && 'codes' in options.catalog ? options.catalog : loadCatalog(options.catalog);
    const upstream = new Upstream(base, catalog);
    const watch = new WatchedUpstream(this, upstream, this.recorder.upstream(upstream.label));
    this.watched.set(base.href, watch);
    addWatch(watch);
  }

  /** Stops watching (the counts stay readable). */
  close(): void {
    this.closed = true;
    removeWatches(this);
    this.otel?.close();
  }

  /** @internal ClientOwner */
  begin(watch: ClientWatch, method: string, path: string): ClientCall {
    const w = watch as WatchedUpstream;
    let route = this.recorder.unmatchedRoute;
    let template: string | undefined;
    try {
      template = w.upstream.template(path);
      if (template !== undefined) route = w.routeId(template, this.recorder);
    } catch (err) {
      template = undefined;
      this.fault('client_route', err);
    }
    return new OutboundCall(this, w, performance.now(), this.recorder.method(method), route, template);
  }

  /** @internal ClientOwner */
  response(call: ClientCall, code: number): void {
    const c = call as OutboundCall;
    try {
      if (this.closed) return;
      if (!Number.isInteger(code) || code < 100 || code > 999) {
        this.fault('client_invalid_status', new RangeError(`an upstream answered with status ${String(code)}; not counted`));
        return;
      }
      c.series = this.recorder.response(c.method, c.target.index, c.route, code, c.target.upstream.catalog, c.template);
    } catch (err) {
      this.fault('client_hook', err);
    }
  }

  /** @internal ClientOwner */
  ended(call: ClientCall): void {
    const c = call as OutboundCall;
    try {
      if (c.series === undefined) return;
      const seconds = (performance.now() - c.start) / 1000;
      this.recorder.observe(c.series, seconds);
      this.otel?.duration(c.series, seconds);
    } catch (err) {
      this.fault('client_hook', err);
    }
  }

  /** @internal ClientOwner */
  failed(call: ClientCall, reason: number): void {
    const c = call as OutboundCall;
    try {
      if (this.closed) return;
      this.recorder.failed(c.method, c.target.index, c.route, reason);
    } catch (err) {
      this.fault('client_hook', err);
    }
  }
}
