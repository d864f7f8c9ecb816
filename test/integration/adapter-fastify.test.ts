import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/index.js';
import { routeUrl } from '../../src/hooks/fastify.js';
import type { FastifyRequestLike } from '../../src/hooks/fastify.js';
import type { Faultline } from '../../src/index.js';
import { parseExposition, select, total } from '../helpers/exposition.js';
import { request } from '../helpers/net.js';
import { FIXTURE_EXPECTED, abortRequest, abortedCounts, countsOf, flood, leakedLabels, responseCounts, runFixture, sendSteps } from '../helpers/adapters.js';
import type { Step } from '../helpers/adapters.js';

const apps: FastifyInstance[] = [];
const instances: Faultline[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await Promise.all(instances.splice(0).map((f) => f.close()));
});

function faultline(): Faultline {
  const fl = createFaultline();
  instances.push(fl);
  return fl;
}

/** A Fastify app with a prefixed, parameterised plugin; `register` adds faultline's plugin(s). */
async function buildApp(register: (app: FastifyInstance) => PromiseLike<unknown>): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify();
  apps.push(app);
  await register(app);
  await app.register((v3, _opts, done) => {
    v3.get('/instances/:instance_id', (_req, reply) => reply.send({ ok: true }));
    v3.post('/instances', (_req, reply) => reply.code(202).send({ ok: true }));
    v3.delete('/instances/:instance_id', (_req, reply) => reply.code(409).send());
    done();
  }, { prefix: '/v3/:project_id' });
  app.get('/boom', () => { throw new Error('boom'); });
  app.get('/teapot', (_req, reply) => reply.code(418).send());
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port };
}

const JSON_BODY = { 'content-type': 'application/json' };

const PLAN: readonly Step[] = [
  { method: 'GET', path: '/v3/p1/instances/i1', times: 3, status: 200 },
  { method: 'GET', path: '/v3/p2/instances/i2?verbose=1', times: 1, status: 200 },
  { method: 'HEAD', path: '/v3/p1/instances/i1', times: 1, status: 200 },
  { method: 'POST', path: '/v3/p1/instances', times: 2, status: 202, body: '{"name":"db"}', headers: JSON_BODY },
  { method: 'POST', path: '/v3/p1/instances', times: 1, status: 415, body: '<db/>', headers: { 'content-type': 'application/xml' } },
  { method: 'POST', path: '/v3/p1/instances', times: 1, status: 400, body: '{', headers: JSON_BODY },
  { method: 'DELETE', path: '/v3/p1/instances/i1', times: 2, status: 409 },
  { method: 'GET', path: '/boom', times: 2, status: 500 },
  { method: 'GET', path: '/teapot', times: 1, status: 418 },
  { method: 'GET', path: '/nope?x=1', times: 2, status: 404 },
  { method: 'PUT', path: '/v3/p1/instances/i1', times: 1, status: 404 },
];

const EXPECTED = {
  'GET|/v3/:project_id/instances/:instance_id|200|success|true': 4,
  'HEAD|/v3/:project_id/instances/:instance_id|200|success|true': 1,
  'POST|/v3/:project_id/instances|202|success|true': 2,
  'POST|/v3/:project_id/instances|415|client_fault|true': 1,
  'POST|/v3/:project_id/instances|400|client_fault|true': 1,
  'DELETE|/v3/:project_id/instances/:instance_id|409|client_fault|true': 2,
  'GET|/boom|500|service_fault|true': 2,
  'GET|/teapot|418|client_fault|false': 1,
  'GET|unmatched|404|client_fault|true': 2,
  'PUT|unmatched|404|client_fault|true': 1,
};

describe('Fastify adapter', () => {
  it('labels responses with routeOptions.url and counts Fastify\'s own 404/415/400/500 answers', async () => {
    const fl = faultline();
    const { port } = await buildApp((app) => app.register(fl.fastify));
    await sendSteps(port, PLAN);
    // A malformed URL is answered by Fastify before any hook runs: counted through the server.
    expect((await request(port, { path: '/v3/%zz/instances/%' })).status).toBe(400);
    const samples = parseExposition(await fl.metrics());
    expect(responseCounts(samples)).toEqual({ ...EXPECTED, 'GET|unmatched|400|client_fault|true': 1 });
    expect(total(samples, 'http_server_response_duration_seconds_count')).toBe(18);
    expect(select(samples, 'http_server_requests_in_flight').every((s) => s.value === 0)).toBe(true);
  });

  it('reads the template from the route context, without calling the routeOptions getter', async () => {
    const fl = faultline();
    let getterReads = 0;
    const seen: unknown[] = [];
    const { port } = await buildApp(async (app) => {
      // Registered before faultline's plugin, so this hook runs first and shadows the getter.
      app.addHook('onRequest', (req, _reply, done) => {
        let proto = Object.getPrototypeOf(req) as object;
        while (!Object.hasOwn(proto, 'routeOptions')) proto = Object.getPrototypeOf(proto) as object;
        const descriptor = Object.getOwnPropertyDescriptor(proto, 'routeOptions')!;
        Object.defineProperty(req, 'routeOptions', { get() { getterReads++; return descriptor.get!.call(req) as unknown; } });
        done();
      });
      await app.register(fl.fastify);
      app.addHook('onResponse', (req, _reply, done) => {
        seen.push(routeUrl(req), req.routeOptions.url);
        done();
      });
    });
    await sendSteps(port, [
      { method: 'GET', path: '/v3/p1/instances/i1', times: 1, status: 200 },
      { method: 'GET', path: '/teapot', times: 1, status: 418 },
      { method: 'GET', path: '/nope', times: 1, status: 404 },
    ]);
    // Each onResponse read the getter once; faultline's onRequest never did (Fastify 5.12 keeps
    // the context under Symbol('fastify.context')). Both give the same template.
    expect(getterReads).toBe(3);
    expect(seen).toEqual(['/v3/:project_id/instances/:instance_id', '/v3/:project_id/instances/:instance_id', '/teapot', '/teapot', undefined, undefined]);
    expect(countsOf(await fl.metrics())).toEqual({
      'GET|/v3/:project_id/instances/:instance_id|200|success|true': 1,
      'GET|/teapot|418|client_fault|false': 1,
      'GET|unmatched|404|client_fault|true': 1,
    });
    // A request without that context (another Fastify copy or version) falls back to the getter.
    const raw = {} as unknown as FastifyRequestLike['raw'];
    expect(routeUrl({ raw, routeOptions: { url: '/other/:id' } })).toBe('/other/:id');
  });

  it('registering twice, with fl.instrument(server) too, counts each response once', async () => {
    const fl = faultline();
    const { app, port } = await buildApp(async (a) => {
      await a.register(fl.fastify);
      await a.register(fl.fastify);
    });
    fl.instrument(app.server);
    expect(fl.fastify).toBe(fl.fastify);
    await sendSteps(port, PLAN);
    expect(countsOf(await fl.metrics())).toEqual(EXPECTED);
  });

  it('works with several Fastify apps and several faultline instances in one process', async () => {
    const shared = faultline();
    const other = faultline();
    const first = await buildApp(async (a) => {
      await a.register(shared.fastify);
      await a.register(other.fastify);
    });
    const second = await buildApp((a) => a.register(shared.fastify));
    await sendSteps(first.port, PLAN);
    await sendSteps(second.port, PLAN);
    const doubled = Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [k, v * 2]));
    expect(countsOf(await shared.metrics())).toEqual(doubled);
    expect(countsOf(await other.metrics())).toEqual(EXPECTED);
    // A closed app's registration is cleaned up; the plugin registers into a new app again.
    await first.app.close();
    const third = await buildApp((a) => a.register(other.fastify));
    await sendSteps(third.port, [{ method: 'GET', path: '/teapot', times: 1, status: 418 }]);
    expect(countsOf(await other.metrics())['GET|/teapot|418|client_fault|false']).toBe(2);
  });

  it('counts a client abort once, as aborted, with the route template', async () => {
    const fl = faultline();
    const { port } = await buildApp(async (app) => {
      await app.register(fl.fastify);
      app.get('/jobs/:job_id', async () => { await new Promise((r) => setTimeout(r, 500)); return 'late'; });
    });
    await abortRequest(port, '/jobs/42?wait=1');
    expect(await abortedCounts(() => fl.metrics(), 1)).toEqual({ 'GET|/jobs/:job_id': 1 });
    expect(countsOf(await fl.metrics())).toEqual({});
  });

  it('does not count app.inject() requests, which send nothing over the network', async () => {
    const fl = faultline();
    const { app, port } = await buildApp((a) => a.register(fl.fastify));
    const injected = await app.inject({ method: 'GET', url: '/v3/p1/instances/i1' });
    expect(injected.statusCode).toBe(200);
    await sendSteps(port, [{ method: 'GET', path: '/v3/p1/instances/i1', times: 1, status: 200 }]);
    const samples = parseExposition(await fl.metrics());
    expect(responseCounts(samples)).toEqual({ 'GET|/v3/:project_id/instances/:instance_id|200|success|true': 1 });
    expect(select(samples, 'http_server_aborted_requests_total')).toEqual([]);
    expect(select(samples, 'http_server_requests_in_flight').every((s) => s.value === 0)).toBe(true);
  });

  it('leaves one unmatched series per method and code after a 3,000-request scanner flood', async () => {
    const fl = faultline();
    const { port } = await buildApp((app) => app.register(fl.fastify));
    let n = 0;
    const result = await flood(port, 3000, (t) => {
      n++;
      if (n % 10 === 0) return { method: 'GET', path: `/v3/${t()}/instances/${t()}?${t()}=${t()}` };
      if (n % 10 === 1) return { method: 'POST', path: `/${t()}/${t()}.php?${t()}` };
      return { method: 'GET', path: `/${t()}/${t()}/..%2f${t()}?id=${t()}&q=${t()}` };
    });
    expect(result.statuses).toEqual({ 'GET|200': 300, 'POST|404': 300, 'GET|404': 2400 });
    const samples = parseExposition(await fl.metrics());
    expect(responseCounts(samples)).toEqual({
      'GET|/v3/:project_id/instances/:instance_id|200|success|true': 300,
      'GET|unmatched|404|client_fault|true': 2400,
      'POST|unmatched|404|client_fault|true': 300,
    });
    expect(leakedLabels(samples, result.tokens)).toEqual([]);
  });
});

describe('fastify fixture apps in a subprocess, loading the built package', () => {
  it.each(['fastify.mjs', 'fastify.cjs'])('%s counts exactly', async (file) => {
    expect(await runFixture(file)).toEqual(FIXTURE_EXPECTED);
  });
});
