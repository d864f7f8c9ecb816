import { describe, expect, it } from 'vitest';
import { Recorder, DEFAULT_BUCKETS } from '../../../src/record/recorder.js';
import { builtinCatalog } from '../../../src/index.js';

function recorder(seriesLimit = 2000, methods: string[] = []): Recorder {
  return new Recorder({ catalog: builtinCatalog(), lang: 'en', seriesLimit, buckets: DEFAULT_BUCKETS, methods });
}

describe('Recorder', () => {
  it('normalises methods: the standard set, configured extras, everything else _OTHER', () => {
    const r = recorder(2000, ['PROPFIND']);
    const label = (m: string | undefined): string => r.methodLabels[r.method(m)]!;
    expect(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'].map(label)).toEqual(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
    expect(label('PROPFIND')).toBe('PROPFIND');
    expect(label('PURGE')).toBe('_OTHER');
    expect(label('get')).toBe('_OTHER');
    // Methods are compared by content, not identity: a GET string made at run time counts too.
    expect(label(['G', 'E', 'T'].join(''))).toBe('GET');
    expect(label(undefined)).toBe('_OTHER');
  });

  it('gives the same method index whatever came before (the last method is remembered)', () => {
    const r = recorder(2000, ['PROPFIND']);
    const sequence = [undefined, 'GET', 'GET', 'PROPFIND', 'GET', 'get', 'get', undefined, 'PURGE', 'GET', ['G', 'E', 'T'].join(''), 'POST'];
    expect(sequence.map((m) => r.methodLabels[r.method(m)])).toEqual(['_OTHER', 'GET', 'GET', 'PROPFIND', 'GET', '_OTHER', '_OTHER', '_OTHER', '_OTHER', 'GET', 'GET', 'POST']);
  });

  it('counts every label set exactly through the series cache, collisions included', () => {
    // 3 methods x 400 routes x 5 codes = 6,000 label sets over 1,024 cache slots, visited in an
    // interleaved order three times: each must end with exactly 3 responses in its own series.
    const r = recorder(10_000);
    const methods = ['GET', 'POST', 'DELETE'].map((m) => r.method(m));
    const routes = Array.from({ length: 400 }, (_, i) => r.route(`/r${i}`));
    const codes = [200, 201, 404, 500, 503];
    for (let pass = 0; pass < 3; pass++) {
      for (const code of codes) for (const route of routes) for (const method of methods) r.response(method, route, code, 0.001);
    }
    expect(r.responses.size).toBe(6000);
    expect([...r.responses.values()].filter((s) => s.count !== 3)).toEqual([]);
    const one = r.response(methods[1]!, routes[123]!, 404, 0.2);
    expect([one.method, one.route, one.code, one.count]).toEqual(['POST', '/r123', 404, 4]);
  });

  it('reuses one series per label set and fills histogram buckets', () => {
    const r = recorder();
    const get = r.method('GET');
    const route = r.route('/items/:id');
    const a = r.response(get, route, 200, 0.003);
    const b = r.response(get, route, 200, 0.2);
    r.response(get, route, 200, 12);
    expect(a).toBe(b);
    expect(a.count).toBe(3);
    expect(Array.from(a.buckets)).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(a.sum).toBeCloseTo(12.203, 10);
    expect(a.counterLabels).toBe('method="GET",route="/items/:id",code="200",category="success",documented="true"');
    expect(a.histogramLabels).toBe('method="GET",route="/items/:id",code="200",category="success"');
  });

  it('puts new label sets past the series limit under route overflow, keeping totals exact', () => {
    const r = recorder(3);
    const get = r.method('GET');
    for (let i = 0; i < 10; i++) r.response(get, r.route(`/r${i}`), 200, 0.01);
    r.response(get, r.route('/r0'), 200, 0.01); // an existing series keeps counting
    r.response(get, r.route('/r9'), 200, 0.01); // a label set that went to overflow goes there again
    const routes = [...r.responses.values()].map((s) => `${s.route}=${s.count}`);
    expect(routes).toEqual(['/r0=2', '/r1=1', '/r2=1', 'overflow=8']);
    expect(r.overflowed.responses).toBe(8);
  });

  it('bounds distinct routes, escapes and sanitises route labels', () => {
    const r = recorder(2);
    expect(r.routeName(r.route('/a'))).toBe('/a');
    expect(r.routeName(r.route('/b'))).toBe('/b');
    expect(r.routeName(r.route('/c'))).toBe('overflow');
    const q = recorder();
    const s = q.response(q.method('GET'), q.route('/x"\\\ny'), 200, 0);
    expect(s.route).toBe('/x"\\ y');
    expect(s.histogramLabels).toBe('method="GET",route="/x\\"\\\\ y",code="200",category="success"');
    expect(q.routeName(q.route('x'.repeat(300)))).toBe('x'.repeat(256));
    expect(q.routeName(q.route('/\ud800'))).toBe('/\ufffd');
    expect(q.routeName(q.route(''))).toBe('unmatched');
  });


  it('gives each route its own id through the route cache: same-length routes, equal copies, overflow', () => {
    // The cache picks a slot by length: '/a', '/b', '/c' share one, '/aa' and a 17-character
    // route (17 & 15 = 1) another; copies made at run time are equal by content.
    const r = recorder(4);
    const long = '/' + 'x'.repeat(16);
    const sequence = ['/a', '/b', '/a', ['/', 'a'].join(''), '/aa', long, '/aa', '/b', '/c', '/d', '/c', '/d', '/a', long, undefined];
    expect(sequence.map((route) => r.routeName(r.route(route)))).toEqual([
      '/a', '/b', '/a', '/a', '/aa', long, '/aa', '/b',
      'overflow', 'overflow', 'overflow', 'overflow', // four routes are the limit
      '/a', long, 'unmatched',
    ]);
    const ids = sequence.map((route) => r.route(route));
    expect(ids).toEqual(sequence.map((route) => r.route(route)));
    expect(new Set([ids[0], ids[1], ids[4], ids[5]]).size).toBe(4);
  });
  it('counts aborts per (method, route) and in-flight per method', () => {
    const r = recorder();
    const post = r.method('POST');
    r.requestStarted(post);
    r.requestStarted(post);
    expect(r.inFlight[post]).toBe(2);
    r.requestEnded(post);
    r.requestEnded(post);
    r.aborted(post, r.unmatchedRoute);
    r.aborted(post, r.unmatchedRoute);
    expect(r.inFlight[post]).toBe(0);
    expect([...r.aborts.values()].map((s) => [s.labels, s.count])).toEqual([['method="POST",route="unmatched"', 2]]);
  });
});
