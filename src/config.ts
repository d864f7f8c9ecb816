import type { CatalogSource } from './catalog/load.js';
import type { Logger } from './log.js';
import type { UpstreamOptions } from './upstream/upstream.js';

/** Options of `createFaultline()`; each mirrors an environment variable of `faultline/register`. */
export interface FaultlineOptions {
  /** Port of faultline's own metrics endpoint (`FAULTLINE_PORT`). Programmatic instances open it only when set (or on `listen()`). Default 9464. */
  port?: number;
  /** Host the metrics endpoint binds (`FAULTLINE_HOST`). Default `0.0.0.0`. */
  host?: string;
  /** Path of the metrics endpoint (`FAULTLINE_PATH`). Default `/metrics`. */
  path?: string;
  /** Catalog file, OpenAPI document or a Catalog (`FAULTLINE_CATALOG`). Default: the built-in catalog. */
  catalog?: CatalogSource;
  /** Language of descriptions (`FAULTLINE_LANG`). Default `en`. */
  lang?: string;
  /** When set, scrapes need `Authorization: Bearer <token>` (`FAULTLINE_TOKEN`). */
  token?: string;
  /**
   * Upstream APIs whose answers to this service's outbound calls are counted
   * (`FAULTLINE_UPSTREAMS`): the path of a YAML/JSON file listing `{ base, catalog? }` entries
   * (catalog paths relative to the file), or the entries themselves. See `fl.upstream()`.
   */
  upstreams?: string | readonly UpstreamOptions[];
  /** `prometheus` (default) or `otel` (`FAULTLINE_EXPORTER`). */
  exporter?: 'prometheus' | 'otel';
  /** Prepended to every metric name (`FAULTLINE_PREFIX`). Default ''. */
  prefix?: string;
  /** Label sets per metric before new ones are recorded under route `overflow` (`FAULTLINE_SERIES_LIMIT`). Default 2000. */
  seriesLimit?: number;
  /** Histogram bucket bounds in seconds. Default: OpenTelemetry's HTTP advice, 0.005 ... 10. */
  buckets?: readonly number[];
  /** Extra HTTP methods labelled as themselves (`FAULTLINE_METHODS`, comma-separated), e.g. `PROPFIND`. */
  methods?: readonly string[];
  /** Scrapes served at once; more get 503 (`FAULTLINE_MAX_SCRAPES`). Default 4. */
  maxConcurrentScrapes?: number;
  /**
   * Serve `listen()`'s endpoint from a worker thread of its own (`FAULTLINE_ENDPOINT_THREAD`,
   * `true` or `false`). Default true: scrapes then run none of Node's HTTP code on the
   * application's thread, which keeps the application's own responses as cheap after a scrape as
   * before it; the thread costs ~11 MB of RSS. `false` serves from the application's thread.
   */
  endpointThread?: boolean;
  /** Count requests of every node:http/https server in the process (what `faultline/register` does). Default false: only `instrument()`ed servers and adapters. */
  attachAll?: boolean;
  /** Where faultline logs (once per problem). Default: stderr. */
  logger?: Logger;
  /** Node cluster primary: how long a scrape waits for the workers' snapshots, in ms (`FAULTLINE_CLUSTER_TIMEOUT_MS`). Default 1000. */
  clusterTimeoutMs?: number;
}

/** A bad configuration value: the message names the variable (or option) and the value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly problem: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} ${problem}`);
  }
}

function port(variable: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new ConfigError(variable, raw, 'is not a port number (0-65535)');
  return Number(raw);
}

function positiveInt(variable: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new ConfigError(variable, raw, 'is not a positive integer');
  return Number(raw);
}

const METHOD_RE = /^[A-Z][A-Z0-9-]*$/;
const LANG_RE = /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/;
const PREFIX_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Reads the `FAULTLINE_*` environment variables into options, validating each.
 * @throws ConfigError naming the first bad variable.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): FaultlineOptions {
  const options: FaultlineOptions = {};
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  let v: string | undefined;
  if ((v = get('FAULTLINE_PORT')) !== undefined) options.port = port('FAULTLINE_PORT', v);
  if ((v = get('FAULTLINE_HOST')) !== undefined) {
    if (/[\s/]/.test(v)) throw new ConfigError('FAULTLINE_HOST', v, 'is not a host name or address');
    options.host = v;
  }
  if ((v = get('FAULTLINE_PATH')) !== undefined) {
    if (!v.startsWith('/') || /[\s?#]/.test(v)) throw new ConfigError('FAULTLINE_PATH', v, 'must be a path starting with "/" without spaces, "?" or "#"');
    options.path = v;
  }
  if ((v = get('FAULTLINE_CATALOG')) !== undefined) options.catalog = v;
  if ((v = get('FAULTLINE_LANG')) !== undefined) {
    if (!LANG_RE.test(v)) throw new ConfigError('FAULTLINE_LANG', v, 'is not a language tag such as "en" or "zh"');
    options.lang = v;
  }
  if ((v = env['FAULTLINE_TOKEN']) !== undefined) {
    if (v.length < 8 || /\s/.test(v)) throw new ConfigError('FAULTLINE_TOKEN', '***', 'must be at least 8 characters without spaces');
    options.token = v;
  }
  if ((v = get('FAULTLINE_UPSTREAMS')) !== undefined) options.upstreams = v;
  if ((v = get('FAULTLINE_EXPORTER')) !== undefined) {
    if (v !== 'prometheus' && v !== 'otel') throw new ConfigError('FAULTLINE_EXPORTER', v, 'must be "prometheus" or "otel"');
    options.exporter = v;
  }
  if ((v = get('FAULTLINE_PREFIX')) !== undefined) {
    if (!PREFIX_RE.test(v)) throw new ConfigError('FAULTLINE_PREFIX', v, 'is not a valid metric name prefix');
    options.prefix = v;
  }
  if ((v = get('FAULTLINE_SERIES_LIMIT')) !== undefined) options.seriesLimit = positiveInt('FAULTLINE_SERIES_LIMIT', v);
  if ((v = get('FAULTLINE_MAX_SCRAPES')) !== undefined) options.maxConcurrentScrapes = positiveInt('FAULTLINE_MAX_SCRAPES', v);
  if ((v = get('FAULTLINE_ENDPOINT_THREAD')) !== undefined) {
    if (v !== 'true' && v !== 'false') throw new ConfigError('FAULTLINE_ENDPOINT_THREAD', v, 'must be "true" or "false"');
    options.endpointThread = v === 'true';
  }
  if ((v = get('FAULTLINE_CLUSTER_TIMEOUT_MS')) !== undefined) options.clusterTimeoutMs = positiveInt('FAULTLINE_CLUSTER_TIMEOUT_MS', v);
  if ((v = get('FAULTLINE_METHODS')) !== undefined) {
    const methods = v.split(',').map((m) => m.trim()).filter(Boolean);
    const bad = methods.find((m) => !METHOD_RE.test(m));
    if (bad !== undefined) throw new ConfigError('FAULTLINE_METHODS', v, `holds "${bad}", not an upper-case method name`);
    options.methods = methods;
  }
  return options;
}

/** Options with defaults applied and checked. */
export interface ResolvedOptions {
  readonly port: number | undefined;
  readonly host: string;
  readonly path: string;
  readonly lang: string;
  readonly token: string | undefined;
  readonly exporter: 'prometheus' | 'otel';
  readonly prefix: string;
  readonly seriesLimit: number;
  readonly buckets: readonly number[];
  readonly methods: readonly string[];
  readonly maxConcurrentScrapes: number;
  readonly endpointThread: boolean;
  readonly attachAll: boolean;
  readonly clusterTimeoutMs: number;
}

/**
 * Applies defaults and validates programmatic options.
 * @throws ConfigError naming the option.
 */
export function resolveOptions(o: FaultlineOptions, defaults: { buckets: readonly number[]; seriesLimit: number }): ResolvedOptions {
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) throw new ConfigError('port', String(o.port), 'is not a port number (0-65535)');
  if (o.path !== undefined && !o.path.startsWith('/')) throw new ConfigError('path', o.path, 'must start with "/"');
  if (o.lang !== undefined && !LANG_RE.test(o.lang)) throw new ConfigError('lang', o.lang, 'is not a language tag such as "en" or "zh"');
  if (o.prefix !== undefined && o.prefix !== '' && !PREFIX_RE.test(o.prefix)) throw new ConfigError('prefix', o.prefix, 'is not a valid metric name prefix');
  if (o.seriesLimit !== undefined && (!Number.isInteger(o.seriesLimit) || o.seriesLimit < 1)) throw new ConfigError('seriesLimit', String(o.seriesLimit), 'is not a positive integer');
  if (o.maxConcurrentScrapes !== undefined && (!Number.isInteger(o.maxConcurrentScrapes) || o.maxConcurrentScrapes < 1)) throw new ConfigError('maxConcurrentScrapes', String(o.maxConcurrentScrapes), 'is not a positive integer');
  if (o.clusterTimeoutMs !== undefined && (!Number.isInteger(o.clusterTimeoutMs) || o.clusterTimeoutMs < 1)) throw new ConfigError('clusterTimeoutMs', String(o.clusterTimeoutMs), 'is not a positive integer (milliseconds)');
  if (o.endpointThread !== undefined && typeof o.endpointThread !== 'boolean') throw new ConfigError('endpointThread', String(o.endpointThread), 'must be true or false');
  if (o.exporter !== undefined && o.exporter !== 'prometheus' && o.exporter !== 'otel') throw new ConfigError('exporter', String(o.exporter), 'must be "prometheus" or "otel"');
  const buckets = o.buckets ?? defaults.buckets;
  if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || b <= 0 || (i > 0 && b <= buckets[i - 1]!))) {
    throw new ConfigError('buckets', JSON.stringify(buckets), 'must be finite positive numbers in increasing order');
  }
  const methods = (o.methods ?? []).map((m) => m.toUpperCase());
  const bad = methods.find((m) => !METHOD_RE.test(m));
  if (bad !== undefined) throw new ConfigError('methods', bad, 'is not a method name');
  return {
    port: o.port,
    host: o.host ?? '0.0.0.0',
    path: o.path ?? '/metrics',
    lang: o.lang ?? 'en',
    token: o.token,
    exporter: o.exporter ?? 'prometheus',
    prefix: o.prefix ?? '',
    seriesLimit: o.seriesLimit ?? defaults.seriesLimit,
    buckets,
    methods,
    maxConcurrentScrapes: o.maxConcurrentScrapes ?? 4,
    endpointThread: o.endpointThread ?? true,
    attachAll: o.attachAll ?? false,
    clusterTimeoutMs: o.clusterTimeoutMs ?? 1000,
  };
}
