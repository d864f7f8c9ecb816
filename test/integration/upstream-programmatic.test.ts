import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createFaultline } from '../../src/index.js';
import type { Faultline } from '../../src/index.js';
import { builtinCatalog } from '../../src/catalog/builtin.js';
import { compileRoutes } from '../../src/catalog/route-matcher.js';
import type { Catalog } from '../../src/catalog/types.js';
import { byLabels, parseExposition, select } from '../helpers/exposition.js';
import { waitFor } from '../helpers/net.js';
import { startFakeUpstream } from '../helpers/upstream.js';
import type { FakeUpstream } from '../helpers/upstream.js';

// fl.upstream() in-process: a catalog file whose operation routes are relative to the base, a
// Catalog object with a RouteMatcher built here, two instances watching one upstream, the
// prom-client bridge, close().

const CATALOG = new URL('../fixtures/upstream/rds-catalog.yaml', import.meta.url).pathname;

function get(url: string, answer: number, method = 'GET'): Promise<void> {
  return new Promise((resolve) => {
    http.request(url, { method, headers: { 'x-answer': String(answer) } }, (res) => { res.resume(); res.on('close', () => resolve()); })
      .on('error', () => resolve())
      .end();
  });
}

const keys = ['upstream', 'method', 'route', 'code', 'category', 'documented'];

describe('fl.upstream()', () => {
  let one: FakeUpstream;
  let two: FakeUpstream;
  const instances: Faultline[] = [];
  const make = (): Faultline => {
    const fl = createFaultline({ logger: () => {} });
    instances.push(fl);
    return fl;
  };

  beforeAll(async () => {
    [one, two] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
  });
  afterAll(async () => {
    for (const fl of instances) await fl.close();
    await Promise.all([one.stop(), two.stop()]);
  });

  it('labels routes from a catalog file\'s operations (relative to the base) and a Catalog with its own RouteMatcher', async () => {
    const fl = make();
    const U1 = `http://127.0.0.1:${one.port}/v3`;
    const U2 = `http://127.0.0.1:${two.port}`;
    const own: Catalog = { ...builtinCatalog(), name: 'own', routes: compileRoutes(['/items/{id}', '/items/mine']) };
    expect(fl.upstream({ base: U1, catalog: CATALOG }).upstream({ base: U2, catalog: own })).toBe(fl);
    expect(fl.upstream({ base: `${U1}/` })).toBe(fl); // the same base again: kept as it is

    await get(`${U1}/p1/instances`, 200);
    await get(`${U1}/p1/instances`, 500); // documented globally? no: the operation lists 200 and 503
    await get(`${U1}/p1/instances`, 413, 'POST');
    await get(`${U1}/p1/instances/i-1`, 404);
    await get(`${U2}/items/42`, 503);
    await get(`${U2}/items/mine`, 200);
    await get(`${U2}/elsewhere`, 200);
    const u1 = `127.0.0.1:${one.port}`;
    const u2 = `127.0.0.1:${two.port}`;
    const samples = parseExposition(await fl.metrics());
    expect(byLabels(samples, 'http_client_responses_total', keys)).toEqual({
      [`${u1}|GET|/{project_id}/instances|200|success|true`]: 1,
      [`${u1}|GET|/{project_id}/instances|500|service_fault|false`]: 1,
      [`${u1}|POST|/{project_id}/instances|413|client_fault|true`]: 1,
      [`${u1}|GET|/{project_id}/instances/{instance_id}|404|client_fault|true`]: 1,
      [`${u2}|GET|/items/{id}|503|service_fault|true`]: 1,
      [`${u2}|GET|/items/mine|200|success|true`]: 1,
      [`${u2}|GET|unmatched|200|success|true`]: 1,
    });
    // every body was read: one duration per answer
    const observed = async (): Promise<number> =>
      select(parseExposition(await fl.metrics()), 'http_client_response_duration_seconds_count').reduce((n, s) => n + s.value, 0);
    await waitFor(async () => ((await observed()) === 7 ? true : undefined), 5000, 'seven durations');
  });

  it('counts once per instance when two instances watch the same upstream, and stops at close()', async () => {
    const a = make();
    const b = make();
    const U = `http://127.0.0.1:${one.port}/v3`;
    a.upstream({ base: U });
    b.upstream({ base: U });
    await get(`${U}/x`, 503);
    await b.close();
    await get(`${U}/x`, 503);
    const total = async (fl: Faultline): Promise<number> =>
      select(parseExposition(await fl.metrics()), 'http_client_responses_total').reduce((n, s) => n + s.value, 0);
    expect(await total(a)).toBe(2);
    expect(await total(b)).toBe(1);
  });

  it('serves the client metrics through fl.registry (prom-client) with the same samples', async () => {
    const fl = make();
    const U = `http://127.0.0.1:${two.port}`;
    const registry = fl.registry; // read before the first upstream: the client metrics join later
    fl.upstream({ base: U });
    await get(`${U}/a`, 200);
    await (await fetch(`${U}/b`, { headers: { 'x-answer': '413' } })).text();
    // a call aborted before it started never reaches undici: nothing to count
    await fetch(`${U}/c`, { signal: AbortSignal.abort() }).catch(() => undefined);
    await waitFor(() => (fl.outboundView?.recorder.responses.size === 2 ? true : undefined), 5000, 'responses');
    const bridged = parseExposition(await registry.metrics());
    const own = parseExposition(await fl.metrics());
    for (const name of ['http_client_responses_total', 'http_client_response_duration_seconds_count', 'http_client_response_duration_seconds_bucket']) {
      expect(byLabels(bridged, name, [...keys, 'le']), name).toEqual(byLabels(own, name, [...keys, 'le']));
    }
    expect(select(bridged, 'http_client_responses_total').length).toBe(2);
    expect(select(own, 'http_client_failed_requests_total')).toEqual([]);
  });

  it('rejects a bad base with a ConfigError naming it', () => {
    const fl = make();
    expect(() => fl.upstream({ base: 'ftp://files.example.com' })).toThrow(ConfigError);
    expect(() => fl.upstream({ base: 'ftp://files.example.com' })).toThrow('upstream.base="ftp://files.example.com" is not an http or https URL');
    expect(() => createFaultline({ upstreams: [{ base: 'nope' }] })).toThrow('upstream.base="nope" is not a URL (expected e.g. "https://api.example.com/v3")');
  });
});
