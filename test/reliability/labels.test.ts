// Matrix B8 and B11, and custom hooks: whatever a route function or observe() is handed, the
// output stays valid (promtool check metrics, parsed back), label values are bounded and
// never raw request data, and no NaN or negative value gets in.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { parseExposition, select } from '../helpers/exposition.js';
import { close, listen, request } from '../helpers/net.js';
import { DURATION_COUNT, RESPONSES, checkMetrics, settled } from './support.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function instance(): Faultline {
  const fl = createFaultline({ logger: () => {} });
  cleanup.push(() => fl.close());
  return fl;
}

/** Route strings a careless or hostile route function might return, with the label each becomes. */
const NASTY: Array<[name: string, route: string, label: string]> = [
  ['double quote', '/a"b', '/a"b'],
  ['backslash', '/a\\b\\', '/a\\b\\'],
  ['newline', '/a\nb', '/a b'],
  ['carriage return', '/a\rb', '/a b'],
  ['tab', '/a\tb', '/a b'],
  ['NUL and DEL', '/a\u0000b\u007f', '/a b '],
  ['closing brace', '/a}b', '/a}b'],
  ['comma', '/a,b="c"', '/a,b="c"'],
  ['equals', 'x=y', 'x=y'],
  ['lone high surrogate', '/a\ud800b', '/a\ufffdb'],
  ['lone low surrogate', '/a\udfffb', '/a\ufffdb'],
  ['a whole pair', '/a\ud83d\ude00', '/a\ud83d\ude00'],
  ['10 KB', `/${'k'.repeat(10_240)}`, `/${'k'.repeat(255)}`],
  ['a pair cut at 256', `/${'p'.repeat(254)}\ud83d\ude00`, `/${'p'.repeat(254)}\ufffd`],
  ['exposition syntax', '} 1\n# HELP x y\nfake_total{a="b"} 9', '} 1 # HELP x y fake_total{a="b"} 9'],
  ['CJK', '/数据库/{实例}', '/数据库/{实例}'],
];

describe('label values from route functions (B8)', () => {
  it('setRoute() with nasty strings on real requests: promtool accepts the output and it parses back', async () => {
    const fl = instance();
    const server = http.createServer((req, res) => {
      const i = Number(req.url!.slice(1));
      fl.setRoute(req, res, i === NASTY.length ? '' : NASTY[i]![1]);
      res.end();
    });
    fl.instrument(server);
    const port = await listen(server);
    cleanup.push(() => close(server));
    for (let i = 0; i <= NASTY.length; i++) expect((await request(port, { path: `/${i}` })).status).toBe(200);
    await settled(fl);
    const text = await fl.metrics('text');
    const result = checkMetrics(text);
    if (result) expect(result.output).toBe('');
    if (result) expect(result.code).toBe(0);
    const counts = (body: string): Record<string, number> =>
      Object.fromEntries(select(parseExposition(body), RESPONSES).map((s) => [s.labels['route']!, s.value]));
    // Strings that clean up to the same label share its series. The empty route is
    // `unmatched`, not an empty label that could pass for "no label".
    const expected: Record<string, number> = { unmatched: 1 };
    for (const [, , label] of NASTY) expected[label] = (expected[label] ?? 0) + 1;
    expect(counts(text)).toEqual(expected);
    const om = await fl.metrics('openmetrics');
    expect(om.endsWith('# EOF\n')).toBe(true);
    expect(counts(om)).toEqual(expected);
  });

  it.each(NASTY)('observe() with a route of %s gives the label it documents', async (_name, route, label) => {
    const fl = instance();
    fl.observe({ method: 'GET', route, statusCode: 200, durationSeconds: 0.001 });
    const samples = parseExposition(await fl.metrics());
    expect(select(samples, RESPONSES).map((s) => [s.labels['route'], s.value])).toEqual([[label, 1]]);
  });
});

describe('values from custom hooks (B11)', () => {
  it('observe() rejects NaN, negative, infinite and non-numeric durations and counts each as an internal error', async () => {
    const fl = instance();
    const bad = [NaN, -1, -0.001, -Infinity, Infinity, '0.1' as unknown as number, null as unknown as number, {} as unknown as number];
    for (const durationSeconds of bad) fl.observe({ method: 'GET', route: '/r', statusCode: 200, durationSeconds });
    fl.observe({ method: 'GET', route: '/r', statusCode: 200, durationSeconds: 0.25 });
    fl.observe({ method: 'GET', route: '/r', statusCode: 200, durationSeconds: 0 });
    fl.observe({ method: 'GET', route: '/r', statusCode: 200 });
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|/r|200': 3 }, aborted: {}, inFlight: 0, internal: { invalid_observation: bad.length } });
    const text = await fl.metrics();
    expect(text).not.toMatch(/\bNaN\b/);
    expect(text).not.toMatch(/ -\d/);
    expect(text).toContain('http_server_response_duration_seconds_sum{method="GET",route="/r",code="200",category="success"} 0.25\n');
    expect(select(parseExposition(text), DURATION_COUNT)[0]!.value).toBe(3);
  });

  it('observe() never throws whatever it is handed', async () => {
    const fl = instance();
    const junk: unknown[] = [undefined, null, 42, 'GET', [], { method: 1, statusCode: '200' }, { get method(): string { throw new Error('getter'); }, statusCode: 200 }];
    for (const j of junk) expect(() => fl.observe(j as never)).not.toThrow();
    const c = await settled(fl);
    expect(c.responses).toEqual({});
    expect(Object.values(c.internal).reduce((a, b) => a + b, 0)).toBe(junk.length);
  });

  it('setRoute() with non-strings, after the response, or on objects that are not responses: no throw, nothing stuck in flight', async () => {
    const fl = instance();
    const server = http.createServer((req, res) => {
      const kind = req.url!.slice(1);
      const value: unknown = { number: 42, object: { toString: () => '/injected' }, null: null, undefined }[kind];
      fl.setRoute(req, res, value as string);
      res.on('close', () => fl.setRoute(req, res, '/too-late')); // after faultline counted it
      res.end();
    });
    fl.instrument(server);
    const port = await listen(server);
    cleanup.push(() => close(server));
    for (const kind of ['number', 'object', 'null', 'undefined']) await request(port, { path: `/${kind}` });
    expect(() => fl.setRoute({} as IncomingMessage, {} as ServerResponse, '/x')).not.toThrow();
    expect(() => fl.setRoute(undefined as never, undefined as never, '/x')).not.toThrow();
    const c = await settled(fl);
    expect(c.responses).toEqual({ 'GET|unmatched|200': 4 });
    expect(c.inFlight).toBe(0);
    expect(c.internal).toEqual({ set_route: 2 });
  });
});
