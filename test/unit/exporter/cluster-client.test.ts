import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillClientRecorder, isClientPart, mergeClientParts, takeClientPart } from '../../../src/exporter/cluster-client.js';
import { mergeSnapshots, parseSnapshot, takeSnapshot } from '../../../src/exporter/cluster-merge.js';
import { RenderPlan, render } from '../../../src/exporter/render.js';
import { ClientRecorder } from '../../../src/record/client-recorder.js';
import { clientMetricNames } from '../../../src/record/client-names.js';
import { metricNames } from '../../../src/record/names.js';
import { Recorder } from '../../../src/record/recorder.js';
import { CATEGORIES, builtinCatalog } from '../../../src/index.js';
import type { Catalog } from '../../../src/index.js';
import { parseExposition } from '../../helpers/exposition.js';

const BUCKETS = [0.1, 1];

function pair(seriesLimit = 2000): { server: Recorder; client: ClientRecorder } {
  const server = new Recorder({ catalog: builtinCatalog(), lang: 'en', seriesLimit, buckets: BUCKETS, methods: [] });
  return { server, client: new ClientRecorder(server) };
}

/** A catalog that documents 429 as a service fault (an override the replay must keep). */
const upstreamCatalog: Catalog = { ...builtinCatalog(), codes: new Map([...builtinCatalog().codes, [429, { code: 429, category: 'service_fault', description: { en: 'Throttled.' } }]]) };

/** The client lines of a rendering, sorted. */
function clientSamples(p: { server: Recorder; client: ClientRecorder }): string[] {
  const text = render(p.server, new RenderPlan(metricNames(), p.server), 'text', { recorder: p.client, names: clientMetricNames() });
  return parseExposition(text).filter((s) => s.name.startsWith('http_client_') || s.name === 'faultline_series_overflow_total')
    .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).sort();
}

describe('the outbound part of cluster snapshots', () => {
  it('takes label strings and numbers, and passes the snapshot check after JSON', () => {
    const p = pair();
    const c = p.client;
    const s = c.response(c.method('GET'), c.upstream('db.example.com'), c.route('/v3/{project_id}/instances'), 429, upstreamCatalog, undefined);
    c.observe(s, 0.5);
    c.response(c.method('GET'), c.upstream('db.example.com'), c.route('/v3/{project_id}/instances'), 429, upstreamCatalog, undefined);
    c.failed(c.method('POST'), c.upstream('db.example.com'), c.unmatchedRoute, 1);
    expect(takeClientPart(c)).toEqual({
      r: [['GET', 'db.example.com', '/v3/{project_id}/instances', 429, 'service_fault', 1, 2, 1, 0.5, 0, 1]],
      f: [['POST', 'db.example.com', 'unmatched', 'timeout', 1]],
      o: [0, 0],
    });
    const snap = takeSnapshot(p.server, c);
    expect(parseSnapshot(JSON.parse(JSON.stringify(snap)), 3)).toEqual(snap);
    expect(parseSnapshot({ ...snap, c: { ...snap.c, f: [['POST', 'x', 'y', 'timeout', -1]] } }, 3)).toBe('malformed outbound-call rows');
    expect(isClientPart({ r: [['GET', 'h', '/r', 200, 'great', 1, 1, 1, 0]], f: [], o: [0, 0] }, 3, new Set(CATEGORIES))).toBe(false);
  });

  it('replays merged parts into exactly what one process would have rendered', () => {
    const call = fc.record({
      worker: fc.integer({ min: 0, max: 2 }),
      method: fc.constantFrom('GET', 'POST'),
      upstream: fc.constantFrom('db.example.com', 'auth.example.com:8443'),
      route: fc.constantFrom('/a', '/b/{id}', undefined),
      code: fc.constantFrom(200, 404, 429, 503, 999),
      sixtyFourths: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
      failure: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(call, { maxLength: 50 }), (calls) => {
        const one = pair();
        const workers = [pair(), pair(), pair()];
        for (const k of calls) {
          for (const { client: c } of [one, workers[k.worker]!]) {
            const m = c.method(k.method);
            const u = c.upstream(k.upstream);
            const r = c.route(k.route);
            if (k.failure !== undefined) c.failed(m, u, r, k.failure);
            else {
              const s = c.response(m, u, r, k.code, upstreamCatalog, undefined);
              if (k.sixtyFourths !== undefined) c.observe(s, k.sixtyFourths / 64);
            }
          }
        }
        const merged = mergeSnapshots(workers.map((w) => ({ snapshot: takeSnapshot(w.server, w.client), inFlight: true })));
        const view = pair(Number.MAX_SAFE_INTEGER);
        fillClientRecorder(view.client, merged.c!);
        expect(clientSamples(view)).toEqual(clientSamples(one));
      }),
      { numRuns: 50 },
    );
  });

  it('adds overflow counts and keeps parts without outbound calls out of the way', () => {
    const a = { r: [], f: [], o: [2, 1] as [number, number] };
    const b = { r: [], f: [], o: [3, 0] as [number, number] };
    expect(mergeClientParts([a, b]).o).toEqual([5, 1]);
    const server = pair().server;
    expect(mergeSnapshots([{ snapshot: takeSnapshot(server), inFlight: true }]).c).toBeUndefined();
  });
});
