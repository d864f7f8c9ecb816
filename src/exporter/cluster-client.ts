import type { Catalog, Category } from '../catalog/types.js';
import { FAILURE_REASONS } from '../record/client-recorder.js';
import type { ClientRecorder, FailureReason } from '../record/client-recorder.js';

// The outbound-call (http_client_*) part of a cluster snapshot: taken, merged and replayed
// like the server part in cluster-merge.ts.

/** `[method, upstream, route, code, category, documented (1|0), count, observed, sum, ...buckets]`. */
export type ClientRow = [string, string, string, number, string, number, number, number, number, ...number[]];
/** `[method, upstream, route, reason, count]`. */
export type ClientFailureRow = [string, string, string, string, number];

/** The outbound part of a snapshot. */
export interface ClientPart {
  readonly r: ClientRow[];
  readonly f: ClientFailureRow[];
  /** Observations under route `overflow`: `[responses, failed]`. */
  readonly o: [number, number];
}

/**
 * Takes the outbound part of a snapshot (buckets without trailing zeros).
 * @example
 * ```ts
 * const part = takeClientPart(fl.outboundView.recorder);
 * ```
 */
export function takeClientPart(client: ClientRecorder): ClientPart {
  const r: ClientRow[] = [];
  for (const s of client.responses.values()) {
    const row: ClientRow = [s.method, s.upstream, s.route, s.code, s.category, s.documented ? 1 : 0, s.count, s.observed, s.sum];
    let last = s.buckets.length - 1;
    while (last >= 0 && s.buckets[last] === 0) last--;
    for (let i = 0; i <= last; i++) row.push(s.buckets[i]!);
    r.push(row);
  }
  const f: ClientFailureRow[] = [];
  for (const s of client.failures.values()) f.push([s.method, s.upstream, s.route, s.reason, s.count]);
  return { r, f, o: [client.overflowed.responses, client.overflowed.failed] };
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isString = (v: unknown): boolean => typeof v === 'string';

/**
 * Checks the outbound part of a snapshot that arrived over IPC; true when well-formed.
 * @example
 * ```ts
 * if (!isClientPart(snapshot.c, 15)) refuse('malformed outbound rows');
 * ```
 */
export function isClientPart(value: unknown, bucketSlots: number, categories: ReadonlySet<string>): value is ClientPart {
  if (typeof value !== 'object' || value === null) return false;
  const { r, f, o } = value as Record<string, unknown>;
  return Array.isArray(r) && r.every((row: unknown) =>
    Array.isArray(row) && row.length >= 9 && row.length <= 9 + bucketSlots &&
    isString(row[0]) && isString(row[1]) && isString(row[2]) && Number.isInteger(row[3]) && (row[3] as number) >= 100 && (row[3] as number) <= 999 &&
    categories.has(row[4] as string) && (row[5] === 0 || row[5] === 1) && row.slice(6).every(isCount)) &&
    Array.isArray(f) && f.every((row: unknown) => Array.isArray(row) && row.length === 5 && row.slice(0, 4).every(isString) && isCount(row[4])) &&
    Array.isArray(o) && o.length === 2 && o.every(isCount);
}

/**
 * Merges outbound parts: counts, observations, sums and buckets added per label set.
 * @example
 * ```ts
 * const total = mergeClientParts([a.c, b.c]);
 * ```
 */
export function mergeClientParts(parts: readonly ClientPart[]): ClientPart {
  const rows = new Map<string, { row: ClientRow; buckets: number[] }>();
  const failures = new Map<string, ClientFailureRow>();
  const o: [number, number] = [0, 0];
  for (const part of parts) {
    for (const row of part.r) {
      const key = row.slice(0, 6).join('\u0000');
      let merged = rows.get(key);
      if (merged === undefined) {
        merged = { row: [row[0], row[1], row[2], row[3], row[4], row[5], 0, 0, 0], buckets: [] };
        rows.set(key, merged);
      }
      merged.row[6] += row[6];
      merged.row[7] += row[7];
      merged.row[8] += row[8];
      for (let i = 9; i < row.length; i++) merged.buckets[i - 9] = (merged.buckets[i - 9] ?? 0) + (row[i] as number);
    }
    for (const row of part.f) {
      const key = row.slice(0, 4).join('\u0000');
      const merged = failures.get(key);
      if (merged === undefined) failures.set(key, [...row]);
      else merged[4] += row[4];
    }
    o[0] += part.o[0];
    o[1] += part.o[1];
  }
  const r: ClientRow[] = [];
  for (const { row, buckets } of rows.values()) {
    let last = buckets.length - 1;
    while (last >= 0 && !buckets[last]) last--;
    for (let i = 0; i <= last; i++) row.push(buckets[i] ?? 0);
    r.push(row);
  }
  return { r, f: [...failures.values()], o };
}

/** A catalog that classifies exactly as the worker did: its code documented (with its category) or not. */
function catalogOf(code: number, category: string, documented: boolean): Catalog {
  return {
    name: 'cluster-snapshot',
    source: 'cluster-snapshot',
    codes: documented ? new Map([[code, { code, category: category as Category, description: {} }]]) : new Map(),
    ranges: [],
    operations: new Map(),
  };
}

/**
 * Replays a (merged) outbound part into an empty ClientRecorder, so that the ordinary renderer
 * serves it; labels and categories come out as the workers recorded them.
 * @example
 * ```ts
 * fillClientRecorder(new ClientRecorder(view), merged.c);
 * ```
 */
export function fillClientRecorder(view: ClientRecorder, part: ClientPart): void {
  const slots = view.buckets.length + 1;
  for (const row of part.r) {
    const [method, upstream, route, code, category, documented, count, observed, sum] = row;
    // response() counts one: undo it, then add the row's numbers.
    const series = view.response(view.method(method), view.upstream(upstream), view.route(route), code, catalogOf(code, category, documented === 1), undefined);
    series.count += count - 1;
    series.observed += observed;
    series.sum += sum;
    for (let i = 9; i < row.length && i - 9 < slots; i++) series.buckets[i - 9]! += row[i] as number;
  }
  if (part.f.length > 0) {
    const wanted = new Map<string, number>();
    for (const [method, upstream, route, reason, count] of part.f) {
      const m = view.method(method);
      const r = view.route(route);
      const index = FAILURE_REASONS.indexOf(reason as FailureReason);
      view.failed(m, view.upstream(upstream), r, index < 0 ? FAILURE_REASONS.length - 1 : index);
      const key = [view.methodLabels[m], upstream, route, index < 0 ? 'other' : reason].join('\u0000');
      wanted.set(key, (wanted.get(key) ?? 0) + count - 1);
    }
    for (const s of view.failures.values()) s.count += wanted.get([s.method, s.upstream, s.route, s.reason].join('\u0000')) ?? 0;
  }
  view.overflowed.responses = part.o[0];
  view.overflowed.failed = part.o[1];
}
