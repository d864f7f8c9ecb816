import { CATEGORIES } from '../catalog/types.js';
import type { Recorder } from '../record/recorder.js';
import type { ClientRecorder } from '../record/client-recorder.js';
import { isClientPart, mergeClientParts, takeClientPart } from './cluster-client.js';
import type { ClientPart } from './cluster-client.js';

/**
 * The compact, JSON-safe picture of one process's counts that a cluster worker sends to the
 * primary: label strings and plain numbers, no label text built twice. About 100-150 bytes per
 * response label set, so 2,000 label sets from each of 8 workers are ~2 MB per scrape.
 */
export interface Snapshot {
  /** Format version. */
  readonly v: 1;
  /**
   * Responses: `[method, route, code, category, documented (1|0), count, sum, ...buckets]`,
   * buckets non-cumulative with the trailing zeros left off (the +Inf slot is the last).
   */
  readonly r: ResponseRow[];
  /** Aborted requests: `[method, route, count]`. */
  readonly a: [string, string, number][];
  /** Requests in flight: `[method, value]` (methods that have had requests). */
  readonly f: [string, number][];
  /** Observations recorded under route `overflow`: `[responses, aborted]`. */
  readonly o: [number, number];
  /** Faults inside faultline: `[kind, count]`. */
  readonly e: [string, number][];
  /** Counter exemplars: `[row index in r, trace_id, span_id, value, timestamp]`. */
  readonly x: [number, string, string, number, number][];
  /** Outbound calls (`http_client_*`), when the process watches upstreams. */
  readonly c?: ClientPart;
}

/** One response row of a Snapshot. */
export type ResponseRow = [string, string, number, string, number, number, number, ...number[]];

/** The snapshot of a process that has counted nothing. */
export function emptySnapshot(): Snapshot {
  return { v: 1, r: [], a: [], f: [], o: [0, 0], e: [], x: [] };
}

/**
 * Takes the snapshot of a Recorder (reads it, changes nothing).
 * @example
 * ```ts
 * process.send?.({ snapshot: takeSnapshot(fl.recorder) });
 * ```
 */
export function takeSnapshot(recorder: Recorder, client?: ClientRecorder): Snapshot {
  const r: ResponseRow[] = [];
  const x: Snapshot['x'] = [];
  for (const s of recorder.responses.values()) {
    const row: ResponseRow = [s.method, s.route, s.code, s.category, s.documented ? 1 : 0, s.count, s.sum];
    const b = s.buckets;
    let last = b.length - 1;
    while (last >= 0 && b[last] === 0) last--;
    for (let i = 0; i <= last; i++) row.push(b[i]!);
    const ex = s.exemplar;
    if (ex !== undefined) x.push([r.length, ex.traceId, ex.spanId, ex.value, ex.timestamp]);
    r.push(row);
  }
  const a: Snapshot['a'] = [];
  for (const s of recorder.aborts.values()) a.push([s.method, s.route, s.count]);
  const f: Snapshot['f'] = [];
  recorder.methodLabels.forEach((m, i) => {
    if (recorder.methodSeen[i] === 1 || recorder.inFlight[i] !== 0) f.push([m, recorder.inFlight[i]!]);
  });
  const snapshot: Snapshot = { v: 1, r, a, f, o: [recorder.overflowed.responses, recorder.overflowed.aborted], e: [...recorder.internalErrors], x };
  return client === undefined ? snapshot : { ...snapshot, c: takeClientPart(client) };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isString = (v: unknown): v is string => typeof v === 'string';
const isStatusCode = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 100 && (v as number) <= 999;
const CATEGORY_SET = new Set<string>(CATEGORIES);

function isPairs(v: unknown, check: (row: unknown[]) => boolean): boolean {
  return Array.isArray(v) && v.every((row) => Array.isArray(row) && check(row as unknown[]));
}

/**
 * Checks a snapshot that arrived over IPC: the shape, status codes 100-999, finite non-negative
 * counts, known categories, and at most `bucketSlots` bucket values per row (the primary's
 * buckets + Inf). Returns the snapshot, or a short reason why it is refused.
 * @example
 * ```ts
 * const checked = parseSnapshot(message.snapshot, fl.recorder.buckets.length + 1);
 * if (typeof checked === 'string') fl.fault('cluster_snapshot', new Error(checked));
 * ```
 */
export function parseSnapshot(value: unknown, bucketSlots: number): Snapshot | string {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const s = value as Record<string, unknown>;
  if (s['v'] !== 1) return `unknown snapshot version ${JSON.stringify(s['v'])}`;
  const rowsOk = isPairs(s['r'], (row) =>
    row.length >= 7 && row.length <= 7 + bucketSlots &&
    isString(row[0]) && isString(row[1]) && isStatusCode(row[2]) && CATEGORY_SET.has(row[3] as string) &&
    (row[4] === 0 || row[4] === 1) && row.slice(5).every(isCount));
  if (!rowsOk) return 'malformed response rows (or more buckets than this process has)';
  if (!isPairs(s['a'], (row) => row.length === 3 && isString(row[0]) && isString(row[1]) && isCount(row[2]))) return 'malformed aborted rows';
  if (!isPairs(s['f'], (row) => row.length === 2 && isString(row[0]) && typeof row[1] === 'number' && Number.isInteger(row[1]))) return 'malformed in-flight rows';
  const o = s['o'];
  if (!Array.isArray(o) || o.length !== 2 || !o.every(isCount)) return 'malformed overflow pair';
  if (!isPairs(s['e'], (row) => row.length === 2 && isString(row[0]) && isCount(row[1]))) return 'malformed internal-error rows';
  const rows = (s['r'] as unknown[]).length;
  const exOk = isPairs(s['x'], (row) =>
    row.length === 5 && Number.isInteger(row[0]) && (row[0] as number) >= 0 && (row[0] as number) < rows &&
    isString(row[1]) && isString(row[2]) && typeof row[3] === 'number' && typeof row[4] === 'number');
  if (!exOk) return 'malformed exemplar rows';
  if (s['c'] !== undefined && !isClientPart(s['c'], bucketSlots, CATEGORY_SET)) return 'malformed outbound-call rows';
  return value as Snapshot;
}

/** One part of a merge; `inFlight: false` leaves its in-flight gauge out (an exited worker's). */
export interface SnapshotPart {
  readonly snapshot: Snapshot;
  readonly inFlight: boolean;
}

interface MergedRow {
  readonly row: ResponseRow;
  readonly buckets: number[];
  exemplar: Snapshot['x'][number] | undefined;
}

function addTo(map: Map<string, number>, key: string, value: number): void {
  map.set(key, (map.get(key) ?? 0) + value);
}

/**
 * Merges snapshots: counts, sums and bucket counts added per label set, in-flight added per
 * method (for parts with `inFlight`), overflow and internal errors added; of the exemplars of
 * a label set the newest is kept. Pure: the parts are not changed.
 * @example
 * ```ts
 * const total = mergeSnapshots([{ snapshot: own, inFlight: true }, { snapshot: retired, inFlight: false }]);
 * ```
 */
export function mergeSnapshots(parts: readonly SnapshotPart[]): Snapshot {
  const rows = new Map<string, MergedRow>();
  const aborts = new Map<string, [string, string, number]>();
  const inFlight = new Map<string, number>();
  const errors = new Map<string, number>();
  const o: [number, number] = [0, 0];
  const clients: ClientPart[] = [];
  for (const { snapshot, inFlight: withInFlight } of parts) {
    if (snapshot.c !== undefined) clients.push(snapshot.c);
    const exemplars = new Map<number, Snapshot['x'][number]>();
    for (const ex of snapshot.x) exemplars.set(ex[0], ex);
    snapshot.r.forEach((row, index) => {
      const key = `${row[0]}\u0000${row[1]}\u0000${row[2]}\u0000${row[3]}\u0000${row[4]}`;
      let merged = rows.get(key);
      if (merged === undefined) {
        merged = { row: [row[0], row[1], row[2], row[3], row[4], 0, 0], buckets: [], exemplar: undefined };
        rows.set(key, merged);
      }
      merged.row[5] += row[5];
      merged.row[6] += row[6];
      for (let i = 7; i < row.length; i++) merged.buckets[i - 7] = (merged.buckets[i - 7] ?? 0) + (row[i] as number);
      const ex = exemplars.get(index);
      if (ex !== undefined && (merged.exemplar === undefined || ex[4] > merged.exemplar[4])) merged.exemplar = ex;
    });
    for (const [method, route, count] of snapshot.a) {
      const key = `${method}\u0000${route}`;
      const merged = aborts.get(key);
      if (merged === undefined) aborts.set(key, [method, route, count]);
      else merged[2] += count;
    }
    if (withInFlight) for (const [method, value] of snapshot.f) addTo(inFlight, method, value);
    o[0] += snapshot.o[0];
    o[1] += snapshot.o[1];
    for (const [kind, count] of snapshot.e) addTo(errors, kind, count);
  }
  const r: ResponseRow[] = [];
  const x: Snapshot['x'] = [];
  for (const merged of rows.values()) {
    const row = merged.row;
    let last = merged.buckets.length - 1;
    while (last >= 0 && !merged.buckets[last]) last--;
    for (let i = 0; i <= last; i++) row.push(merged.buckets[i] ?? 0);
    if (merged.exemplar !== undefined) {
      const [, traceId, spanId, value, timestamp] = merged.exemplar;
      x.push([r.length, traceId, spanId, value, timestamp]);
    }
    r.push(row);
  }
  const merged: Snapshot = { v: 1, r, a: [...aborts.values()], f: [...inFlight], o, e: [...errors], x };
  return clients.length === 0 ? merged : { ...merged, c: mergeClientParts(clients) };
}

/**
 * Fills an empty Recorder with a (merged) snapshot, so that the ordinary renderer serves it.
 * Goes through the Recorder's own API, so labels and classification are built exactly as for
 * counted responses; give the view a series limit no snapshot reaches. Methods the Recorder
 * does not label are merged into `_OTHER`.
 * @example
 * ```ts
 * const view = new Recorder({ ...settings, seriesLimit: Number.MAX_SAFE_INTEGER });
 * fillRecorder(view, mergeSnapshots(parts));
 * render(view, plan, 'text');
 * ```
 */
export function fillRecorder(view: Recorder, snapshot: Snapshot): void {
  const slots = view.buckets.length + 1;
  const exemplars = new Map<number, Snapshot['x'][number]>();
  for (const ex of snapshot.x) exemplars.set(ex[0], ex);
  snapshot.r.forEach((row, index) => {
    const [method, route, code, , , count, sum] = row;
    // response() counts one observation without a duration (in the first bucket): undo it.
    const series = view.response(view.method(method), view.route(route), code, -1);
    series.count += count - 1;
    series.sum += sum;
    series.buckets[0]! -= 1;
    for (let i = 7; i < row.length && i - 7 < slots; i++) series.buckets[i - 7]! += row[i] as number;
    const ex = exemplars.get(index);
    if (ex !== undefined && (series.exemplar === undefined || ex[4] > series.exemplar.timestamp)) {
      series.exemplar = { traceId: ex[1], spanId: ex[2], value: ex[3], timestamp: ex[4] };
    }
  });
  if (snapshot.a.length > 0) {
    const wanted = new Map<string, number>();
    for (const [method, route, count] of snapshot.a) {
      const m = view.method(method);
      const r = view.route(route);
      view.aborted(m, r);
      const key = `${view.methodLabels[m]!}\u0000${view.routeName(r)}`;
      wanted.set(key, (wanted.get(key) ?? 0) + count - 1);
    }
    for (const series of view.aborts.values()) series.count += wanted.get(`${series.method}\u0000${series.route}`) ?? 0;
  }
  for (const [method, value] of snapshot.f) {
    const i = view.method(method);
    view.inFlight[i]! += value;
    view.methodSeen[i] = 1;
  }
  view.overflowed.responses = snapshot.o[0];
  view.overflowed.aborted = snapshot.o[1];
  for (const [kind, count] of snapshot.e) view.internalErrors.set(kind, (view.internalErrors.get(kind) ?? 0) + count);
}
