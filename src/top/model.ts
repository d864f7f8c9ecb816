import type { Sample, Scrape } from './parse.js';

/** One status code's line in `faultline top`. */
export interface CodeRow {
  /** The code as written in the `code` label. */
  readonly code: string;
  readonly category: string;
  /** The catalog's text (from `http_status_code_info`), '' when the catalog has none. */
  readonly description: string;
  /** False when any response with this code was counted as undocumented. */
  readonly documented: boolean;
  /** Responses counted since the target started. */
  readonly total: number;
  /** Per second over the last interval; undefined before the second scrape. */
  readonly rate: number | undefined;
  /** Rates of the last intervals, oldest first (for the sparkline). */
  readonly history: readonly number[];
}

/** Totals and shares over the last interval (shares are undefined when nothing was counted). */
export interface Mix {
  readonly total: number;
  readonly rate: number | undefined;
  readonly clientShare: number | undefined;
  readonly serviceShare: number | undefined;
  readonly undocumentedShare: number | undefined;
}

/** The outbound calls to one upstream (`http_client_*`). */
export interface UpstreamView {
  readonly upstream: string;
  readonly mix: Mix;
  readonly failedTotal: number;
  readonly failedRate: number | undefined;
  readonly rows: readonly CodeRow[];
}

/** Everything `faultline top` shows for one scrape. */
export interface TopView {
  /** The metric-name prefix the target uses ('' by default). */
  readonly prefix: string;
  /** Seconds between the last two scrapes; undefined on the first. */
  readonly seconds: number | undefined;
  readonly mix: Mix;
  readonly inFlight: number;
  readonly abortedTotal: number;
  readonly abortedRate: number | undefined;
  /** Observations recorded under route `overflow` (series limit reached). */
  readonly overflow: number;
  readonly rows: readonly CodeRow[];
  readonly upstreams: readonly UpstreamView[];
}

/**
 * The scrape is not from a faultline endpoint (no `http_server_responses_total` family).
 * @example
 * ```ts
 * try { detectPrefix(scrape); } catch (err) { if (err instanceof NotFaultlineError) console.error('not faultline'); }
 * ```
 */
export class NotFaultlineError extends Error {
  override name = 'NotFaultlineError';
}

/**
 * Finds the prefix of the target's metric names from its `# TYPE` lines.
 * @throws NotFaultlineError when there is no `http_server_responses_total` counter.
 * @example
 * ```ts
 * detectPrefix(parseExposition('# TYPE shop_http_server_responses_total counter\n')); // 'shop_'
 * ```
 */
export function detectPrefix(scrape: Scrape): string {
  for (const [family, type] of scrape.types) {
    const m = /^(.*)http_server_responses(_total)?$/.exec(family);
    if (m && type === 'counter') return m[1]!;
  }
  throw new NotFaultlineError('no http_server_responses_total metric');
}

function seriesKey(s: Sample): string {
  return Object.keys(s.labels).sort().map((k) => `${k}=${s.labels[k]!}`).join(',');
}

/** Series of one metric: key -> sample. */
function series(scrape: Scrape, name: string): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const s of scrape.samples) if (s.name === name) out.set(seriesKey(s), s);
  return out;
}

/** How much a counter grew between two scrapes; a counter that went down was reset. */
function increase(now: number, before: number | undefined): number {
  if (before === undefined) return now;
  return now >= before ? now - before : now;
}

interface Agg { total: number; delta: number; category: string; documented: boolean }

interface Counted { byCode: Map<string, Agg>; total: number; delta: number; client: number; service: number; undocumented: number }

function count(now: Map<string, Sample>, before: Map<string, Sample> | undefined, keep: (s: Sample) => boolean): Counted {
  const out: Counted = { byCode: new Map(), total: 0, delta: 0, client: 0, service: 0, undocumented: 0 };
  for (const [key, s] of now) {
    if (!keep(s)) continue;
    const code = s.labels['code'] ?? '?';
    const category = s.labels['category'] ?? '';
    const delta = before === undefined ? 0 : increase(s.value, before.get(key)?.value);
    let agg = out.byCode.get(code);
    if (agg === undefined) {
      agg = { total: 0, delta: 0, category, documented: true };
      out.byCode.set(code, agg);
    }
    agg.total += s.value;
    agg.delta += delta;
    if (s.labels['documented'] === 'false' && s.value > 0) agg.documented = false;
    out.total += s.value;
    out.delta += delta;
    if (category === 'client_fault') out.client += delta;
    if (category === 'service_fault') out.service += delta;
    if (s.labels['documented'] === 'false') out.undocumented += delta;
  }
  return out;
}

function mixOf(c: Counted, seconds: number | undefined): Mix {
  const share = (n: number): number | undefined => (seconds === undefined || c.delta === 0 ? undefined : n / c.delta);
  return {
    total: c.total,
    rate: seconds === undefined ? undefined : c.delta / seconds,
    clientShare: share(c.client),
    serviceShare: share(c.service),
    undocumentedShare: share(c.undocumented),
  };
}

function byCodeNumber(a: string, b: string): number {
  const d = Number(a) - Number(b);
  return Number.isNaN(d) ? a.localeCompare(b) : d || a.localeCompare(b);
}

function sum(m: Map<string, Sample>, keep: (s: Sample) => boolean = () => true): number {
  let n = 0;
  for (const s of m.values()) if (keep(s)) n += s.value;
  return n;
}

/**
 * Turns successive scrapes of one endpoint into what `faultline top` shows: rates by code from
 * the growth of the counters, shares of client and service faults, undocumented codes, the
 * outbound calls per upstream, and a short history of each row's rate. Deterministic: the same
 * scrapes at the same times give the same views.
 *
 * @example
 * ```ts
 * const top = new TopModel();
 * top.update(parseExposition(first), 0);
 * const view = top.update(parseExposition(second), 2000); // rates over 2 s
 * ```
 */
export class TopModel {
  private previous: { scrape: Scrape; at: number } | undefined;
  private readonly histories = new Map<string, number[]>();

  /** @param historyLength how many past rates a row keeps for its sparkline */
  constructor(readonly historyLength = 10) {}

  /**
   * Adds a scrape taken at `atMs` (milliseconds, any clock) and returns the view.
   * @throws NotFaultlineError when the scrape has no faultline metrics.
   */
  update(scrape: Scrape, atMs: number): TopView {
    const prefix = detectPrefix(scrape);
    const prev = this.previous;
    const seconds = prev !== undefined && atMs > prev.at ? (atMs - prev.at) / 1000 : undefined;
    const before = (name: string): Map<string, Sample> | undefined => (seconds === undefined || prev === undefined ? undefined : series(prev.scrape, name));
    const info = new Map<string, { description: string; category: string }>();
    for (const s of series(scrape, `${prefix}http_status_code_info`).values()) {
      info.set(s.labels['code'] ?? '', { description: s.labels['description'] ?? '', category: s.labels['category'] ?? '' });
    }

    const responsesName = `${prefix}http_server_responses_total`;
    const server = count(series(scrape, responsesName), before(responsesName), () => true);
    const rows = this.rowsOf('server', server, seconds, info);

    const abortedName = `${prefix}http_server_aborted_requests_total`;
    const aborted = count(series(scrape, abortedName), before(abortedName), () => true);

    const clientName = `${prefix}http_client_responses_total`;
    const failedName = `${prefix}http_client_failed_requests_total`;
    const clientNow = series(scrape, clientName);
    const failedNow = series(scrape, failedName);
    const names = new Set<string>();
    for (const s of clientNow.values()) names.add(s.labels['upstream'] ?? '');
    for (const s of failedNow.values()) names.add(s.labels['upstream'] ?? '');
    const upstreams: UpstreamView[] = [...names].sort().map((upstream) => {
      const mine = (s: Sample): boolean => (s.labels['upstream'] ?? '') === upstream;
      const calls = count(clientNow, before(clientName), mine);
      const failed = count(failedNow, before(failedName), mine);
      return {
        upstream,
        mix: mixOf(calls, seconds),
        failedTotal: failed.total,
        failedRate: seconds === undefined ? undefined : failed.delta / seconds,
        rows: this.rowsOf(`upstream ${upstream}`, calls, seconds, info),
      };
    });

    this.previous = { scrape, at: atMs };
    return {
      prefix,
      seconds,
      mix: mixOf(server, seconds),
      inFlight: sum(series(scrape, `${prefix}http_server_requests_in_flight`)),
      abortedTotal: aborted.total,
      abortedRate: seconds === undefined ? undefined : aborted.delta / seconds,
      overflow: sum(series(scrape, `${prefix}faultline_series_overflow_total`), (s) => s.labels['metric'] !== undefined),
      rows,
      upstreams,
    };
  }

  private rowsOf(scope: string, counted: Counted, seconds: number | undefined, info: Map<string, { description: string; category: string }>): CodeRow[] {
    const codes = [...counted.byCode.keys()].sort(byCodeNumber);
    return codes.map((code) => {
      const agg = counted.byCode.get(code)!;
      const rate = seconds === undefined ? undefined : agg.delta / seconds;
      const key = `${scope} ${code}`;
      let history = this.histories.get(key);
      if (history === undefined) {
        history = [];
        this.histories.set(key, history);
      }
      if (rate !== undefined) {
        history.push(rate);
        if (history.length > this.historyLength) history.shift();
      }
      return {
        code,
        category: agg.category,
        description: info.get(code)?.description ?? '',
        documented: agg.documented,
        total: agg.total,
        rate,
        history: [...history],
      };
    });
  }
}
