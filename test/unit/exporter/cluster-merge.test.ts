import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptySnapshot, fillRecorder, mergeSnapshots, parseSnapshot, takeSnapshot } from '../../../src/exporter/cluster-merge.js';
import type { Snapshot } from '../../../src/exporter/cluster-merge.js';
import { RenderPlan, render } from '../../../src/exporter/render.js';
import { metricNames } from '../../../src/record/names.js';
import { Recorder } from '../../../src/record/recorder.js';
import { builtinCatalog } from '../../../src/index.js';
import { parseExposition } from '../../helpers/exposition.js';

const BUCKETS = [0.1, 1];

function recorder(methods: string[] = [], seriesLimit = 2000): Recorder {
  return new Recorder({ catalog: builtinCatalog(), lang: 'en', seriesLimit, buckets: BUCKETS, methods });
}

/** The exposition of a Recorder as sorted sample lines (series order is insertion order). */
function samples(r: Recorder): string[] {
  const text = render(r, new RenderPlan(metricNames(), r), 'text');
  return parseExposition(text).map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.value}`).sort();
}

function view(snapshot: Snapshot, methods: string[] = []): Recorder {
  const v = recorder(methods, Number.MAX_SAFE_INTEGER);
  fillRecorder(v, snapshot);
  return v;
}

describe('takeSnapshot', () => {
  it('writes label strings and numbers, buckets without trailing zeros', () => {
    const r = recorder();
    const get = r.method('GET');
    const items = r.route('/items/{id}');
    r.response(get, items, 200, 0.05);
    r.response(get, items, 200, 0.5);
    r.response(r.method('POST'), items, 503, 0.01);
    r.aborted(get, r.route('/slow'));
    r.requestStarted(get);
    r.internalError('hook');
    expect(takeSnapshot(r)).toEqual({
      v: 1,
      r: [
        ['GET', '/items/{id}', 200, 'success', 1, 2, 0.55, 1, 1],
        ['POST', '/items/{id}', 503, 'service_fault', 1, 1, 0.01, 1],
      ],
      a: [['GET', '/slow', 1]],
      f: [['GET', 1]],
      o: [0, 0],
      e: [['hook', 1]],
      x: [],
    });
  });

  it('is JSON-safe: a round trip through JSON passes parseSnapshot unchanged', () => {
    const r = recorder();
    r.response(r.method('GET'), r.route('/a "quoted" \\ route'), 404, 3);
    const snap = takeSnapshot(r);
    expect(parseSnapshot(JSON.parse(JSON.stringify(snap)), BUCKETS.length + 1)).toEqual(snap);
  });

  it('stays compact: 2,000 label sets are under 120 bytes each as JSON', () => {
    const r = recorder([], 2000);
    for (let i = 0; i < 2000; i++) r.response(r.method(i % 2 ? 'GET' : 'POST'), r.route(`/v3/{project_id}/instances/{instance_id}/op${i}`), 200 + (i % 5), 0.003 * (i % 400));
    const bytes = JSON.stringify(takeSnapshot(r)).length;
    expect(r.responses.size).toBe(2000);
    expect(bytes).toBeLessThan(2000 * 120);
  });
});

describe('mergeSnapshots', () => {
  it('adds counts, sums and buckets per label set, and in-flight only for live parts', () => {
    const a = recorder();
    const b = recorder();
    const get = a.method('GET');
    a.response(get, a.route('/x'), 200, 0.05);
    b.response(get, b.route('/x'), 200, 5);
    b.response(get, b.route('/y'), 500, 0.5);
    a.aborted(get, a.route('/x'));
    b.aborted(get, b.route('/x'));
    a.requestStarted(get);
    b.requestStarted(get);
    b.requestStarted(get);
    a.internalError('hook');
    b.internalError('hook');
    b.internalError('observe');
    const merged = mergeSnapshots([
      { snapshot: takeSnapshot(a), inFlight: true },
      { snapshot: takeSnapshot(b), inFlight: false },
    ]);
    expect(merged).toEqual({
      v: 1,
      r: [
        ['GET', '/x', 200, 'success', 1, 2, 5.05, 1, 0, 1],
        ['GET', '/y', 500, 'service_fault', 1, 1, 0.5, 0, 1],
      ],
      a: [['GET', '/x', 2]],
      f: [['GET', 1]],
      o: [0, 0],
      e: [['hook', 2], ['observe', 1]],
      x: [],
    });
  });

  it('leaves its parts unchanged and merges with the empty snapshot as identity', () => {
    const a = recorder();
    a.response(a.method('GET'), a.route('/x'), 200, 0.05);
    const snap = takeSnapshot(a);
    const copy = JSON.parse(JSON.stringify(snap)) as Snapshot;
    expect(mergeSnapshots([{ snapshot: emptySnapshot(), inFlight: false }, { snapshot: snap, inFlight: true }])).toEqual(snap);
    mergeSnapshots([{ snapshot: snap, inFlight: true }, { snapshot: snap, inFlight: true }]);
    expect(snap).toEqual(copy);
  });

  it('keeps the newest exemplar of a label set', () => {
    const a = recorder();
    const b = recorder();
    const sa = a.response(a.method('GET'), a.route('/x'), 500, 0.05);
    const sb = b.response(b.method('GET'), b.route('/x'), 500, 0.05);
    a.setExemplar(sa, { traceId: 'a'.repeat(32), spanId: 'a'.repeat(16), value: 1, timestamp: 1000 });
    b.setExemplar(sb, { traceId: 'b'.repeat(32), spanId: 'b'.repeat(16), value: 1, timestamp: 2000 });
    const merged = mergeSnapshots([{ snapshot: takeSnapshot(b), inFlight: true }, { snapshot: takeSnapshot(a), inFlight: true }]);
    expect(merged.x).toEqual([[0, 'b'.repeat(32), 'b'.repeat(16), 1, 2000]]);
    expect(view(merged).responses.values().next().value?.exemplar).toEqual({ traceId: 'b'.repeat(32), spanId: 'b'.repeat(16), value: 1, timestamp: 2000 });
  });

  it('serves exactly what one process would have counted, however the responses were split', () => {
    const observation = fc.record({
      worker: fc.integer({ min: 0, max: 3 }),
      method: fc.constantFrom('GET', 'POST', 'PURGE'),
      route: fc.constantFrom('/a', '/b/{id}', 'with "quotes"'),
      code: fc.constantFrom(200, 202, 404, 418, 500, 503, 999),
      // multiples of 1/64 s: sums are exact in binary floating point
      sixtyFourths: fc.integer({ min: 0, max: 200 }),
      aborted: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 60 }), (observations) => {
        const one = recorder();
        const workers = [recorder(), recorder(), recorder(), recorder()];
        for (const o of observations) {
          for (const r of [one, workers[o.worker]!]) {
            if (o.aborted) r.aborted(r.method(o.method), r.route(o.route));
            else r.response(r.method(o.method), r.route(o.route), o.code, o.sixtyFourths / 64);
          }
        }
        const merged = mergeSnapshots(workers.map((w) => ({ snapshot: takeSnapshot(w), inFlight: true })));
        expect(samples(view(merged))).toEqual(samples(one));
      }),
      { numRuns: 60 },
    );
  });
});

describe('fillRecorder', () => {
  it('labels methods the view does not know as _OTHER and merges them there', () => {
    const worker = recorder(['PURGE']);
    worker.response(worker.method('PURGE'), worker.route('/x'), 200, 0.05);
    worker.response(worker.method('FOO'), worker.route('/x'), 200, 0.05);
    worker.requestStarted(worker.method('PURGE'));
    const v = view(takeSnapshot(worker));
    expect(samples(v).filter((l) => l.startsWith('http_server_responses_total') || l.startsWith('http_server_requests_in_flight'))).toEqual([
      'http_server_requests_in_flight{"method":"_OTHER"} 1',
      'http_server_responses_total{"method":"_OTHER","route":"/x","code":"200","category":"success","documented":"true"} 2',
    ]);
  });

  it('keeps overflow counts and the overflow route', () => {
    const worker = recorder([], 1);
    worker.response(worker.method('GET'), worker.route('/a'), 200, 0.05);
    worker.response(worker.method('GET'), worker.route('/b'), 200, 0.05);
    const lines = samples(view(takeSnapshot(worker)));
    expect(lines).toContain('http_server_responses_total{"method":"GET","route":"overflow","code":"200","category":"success","documented":"true"} 1');
    expect(lines).toContain('faultline_series_overflow_total{"metric":"http_server_responses_total"} 1');
  });
});

describe('parseSnapshot', () => {
  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify({ ...emptySnapshot(), r: [['GET', '/x', 200, 'success', 1, 1, 0.5, 0, 1]] })) as Record<string, unknown>;

  it('accepts a well-formed snapshot', () => {
    expect(parseSnapshot(good(), 3)).toEqual(good());
  });

  it.each([
    ['a string', () => 'snapshot', 'not an object'],
    ['another version', () => ({ ...good(), v: 2 }), 'unknown snapshot version 2'],
    ['more buckets than the primary has', () => ({ ...good(), r: [['GET', '/x', 200, 'success', 1, 1, 0.5, 0, 0, 0, 1]] }), 'malformed response rows (or more buckets than this process has)'],
    ['a status code outside 100-999', () => ({ ...good(), r: [['GET', '/x', 1200, 'invalid', 0, 1, 0.5]] }), 'malformed response rows (or more buckets than this process has)'],
    ['an unknown category', () => ({ ...good(), r: [['GET', '/x', 200, 'great', 1, 1, 0.5]] }), 'malformed response rows (or more buckets than this process has)'],
    ['a negative count', () => ({ ...good(), r: [['GET', '/x', 200, 'success', 1, -1, 0.5]] }), 'malformed response rows (or more buckets than this process has)'],
    ['a NaN sum (null in JSON)', () => ({ ...good(), r: [['GET', '/x', 200, 'success', 1, 1, null]] }), 'malformed response rows (or more buckets than this process has)'],
    ['a bad aborted row', () => ({ ...good(), a: [['GET', 1]] }), 'malformed aborted rows'],
    ['a fractional in-flight value', () => ({ ...good(), f: [['GET', 0.5]] }), 'malformed in-flight rows'],
    ['a bad overflow pair', () => ({ ...good(), o: [1] }), 'malformed overflow pair'],
    ['a bad error row', () => ({ ...good(), e: [[1, 1]] }), 'malformed internal-error rows'],
    ['an exemplar of a missing row', () => ({ ...good(), x: [[5, 't', 's', 1, 1]] }), 'malformed exemplar rows'],
  ])('refuses %s', (_name, make, reason) => {
    expect(parseSnapshot(make(), 3)).toBe(reason);
  });
});
