import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/index.js';
import type { Faultline } from '../../src/index.js';
import { parseExposition, select, total } from '../helpers/exposition.js';
import { close, listen } from '../helpers/net.js';
import { FIXTURE_EXPECTED, abortRequest, abortedCounts, countsOf, flood, leakedLabels, responseCounts, runFixture, sendSteps } from '../helpers/adapters.js';
import type { Step } from '../helpers/adapters.js';
import { Router, loadKoa } from '../helpers/koa.js';
import type { KoaApp } from '../helpers/koa.js';

const servers: http.Server[] = [];
const instances: Faultline[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => close(s)));
  await Promise.all(instances.splice(0).map((f) => f.close()));
});

function faultline(): Faultline {
  const fl = createFaultline();
  instances.push(fl);
  return fl;
}

/** Three levels of @koa/router routers with params, allowedMethods() on each. */
function buildApp(Koa: new () => KoaApp, fl: Faultline): KoaApp {
  const app = new Koa();
  app.silent = true; // Koa would log each thrown error to stderr
  app.use(fl.koa());
  const backups = new Router();
  backups.get('/:backup_id', (ctx) => { ctx.body = { ok: true }; });
  const instancesRouter = new Router();
  instancesRouter.use('/:instance_id/backups', backups.routes(), backups.allowedMethods());
  instancesRouter.get('/:instance_id', (ctx) => { ctx.body = { ok: true }; });
  instancesRouter.delete('/:instance_id', (ctx) => ctx.throw(409, 'busy'));
  instancesRouter.post('/', (ctx) => { ctx.status = 202; });
  const v3 = new Router({ prefix: '/v3/:project_id' });
  v3.use('/instances', instancesRouter.routes(), instancesRouter.allowedMethods());
  v3.get('/boom', () => { throw new Error('boom'); });
  v3.get('/teapot', (ctx) => { ctx.status = 418; });
  app.use(v3.routes()).use(v3.allowedMethods());
  return app;
}

async function serve(app: KoaApp, instrument?: Faultline): Promise<number> {
  const server = http.createServer(app.callback());
  instrument?.instrument(server);
  servers.push(server);
  return listen(server);
}

const PLAN: readonly Step[] = [
  { method: 'GET', path: '/v3/p1/instances/i1', times: 3, status: 200 },
  { method: 'GET', path: '/v3/p1/instances/i1/backups/b1?full=1', times: 2, status: 200 },
  { method: 'POST', path: '/v3/p1/instances', times: 2, status: 202 },
  { method: 'DELETE', path: '/v3/p1/instances/i1', times: 2, status: 409 },
  { method: 'GET', path: '/v3/p1/boom', times: 2, status: 500 },
  { method: 'GET', path: '/v3/p1/teapot', times: 1, status: 418 },
  { method: 'PUT', path: '/v3/p1/instances/i1', times: 2, status: 405 },
  { method: 'PROPFIND', path: '/v3/p1/instances/i1', times: 1, status: 501 },
  { method: 'OPTIONS', path: '/v3/p1/instances/i1', times: 1, status: 200 },
  { method: 'GET', path: '/nope?x=1', times: 2, status: 404 },
];

const EXPECTED = {
  'GET|/v3/:project_id/instances/:instance_id|200|success|true': 3,
  'GET|/v3/:project_id/instances/:instance_id/backups/:backup_id|200|success|true': 2,
  'POST|/v3/:project_id/instances|202|success|true': 2,
  'DELETE|/v3/:project_id/instances/:instance_id|409|client_fault|true': 2,
  'GET|/v3/:project_id/boom|500|service_fault|true': 2,
  'GET|/v3/:project_id/teapot|418|client_fault|false': 1,
  'PUT|/v3/:project_id/instances/:instance_id|405|client_fault|true': 2,
  '_OTHER|/v3/:project_id/instances/:instance_id|501|service_fault|true': 1,
  'OPTIONS|/v3/:project_id/instances/:instance_id|200|success|true': 1,
  'GET|unmatched|404|client_fault|true': 2,
};

describe.each([
  ['Koa 3', loadKoa('koa')],
  ['Koa 2', loadKoa('koa2')],
])('%s adapter with @koa/router', (_name, Koa) => {
  it('labels responses with the matched template, counts allowedMethods() answers and thrown errors as sent', async () => {
    const fl = faultline();
    const port = await serve(buildApp(Koa, fl));
    await sendSteps(port, PLAN);
    const samples = parseExposition(await fl.metrics());
    expect(responseCounts(samples)).toEqual(EXPECTED);
    expect(total(samples, 'http_server_response_duration_seconds_count')).toBe(18);
    expect(select(samples, 'http_server_requests_in_flight').every((s) => s.value === 0)).toBe(true);
  });

  it('counts a client abort once, as aborted, with the route template', async () => {
    const fl = faultline();
    const app = new Koa();
    app.silent = true;
    app.use(fl.koa());
    const jobs = new Router({ prefix: '/jobs' });
    jobs.get('/:job_id', async (ctx) => { await new Promise((r) => setTimeout(r, 500)); ctx.body = 'late'; });
    app.use(jobs.routes());
    const port = await serve(app);
    await abortRequest(port, '/jobs/42?wait=1');
    expect(await abortedCounts(() => fl.metrics(), 1)).toEqual({ 'GET|/jobs/:job_id': 1 });
    expect(countsOf(await fl.metrics())).toEqual({});
  });

  it('counts once with fl.instrument(server) on the same server', async () => {
    const fl = faultline();
    const port = await serve(buildApp(Koa, fl), fl);
    await sendSteps(port, PLAN);
    expect(countsOf(await fl.metrics())).toEqual(EXPECTED);
  });

  it('leaves one unmatched series per method and code after a 3,000-request scanner flood', async () => {
    const fl = faultline();
    const port = await serve(buildApp(Koa, fl), fl);
    let n = 0;
    const result = await flood(port, 3000, (t) => {
      n++;
      if (n % 10 === 0) return { method: 'GET', path: `/v3/${t()}/instances/${t()}/backups/${t()}?${t()}=${t()}` };
      if (n % 10 === 1) return { method: 'POST', path: `/${t()}/${t()}.php?${t()}` };
      return { method: 'GET', path: `/${t()}/${t()}/..%2f${t()}?id=${t()}&q=${t()}` };
    });
    expect(result.statuses).toEqual({ 'GET|200': 300, 'POST|404': 300, 'GET|404': 2400 });
    const samples = parseExposition(await fl.metrics());
    expect(responseCounts(samples)).toEqual({
      'GET|/v3/:project_id/instances/:instance_id/backups/:backup_id|200|success|true': 300,
      'GET|unmatched|404|client_fault|true': 2400,
      'POST|unmatched|404|client_fault|true': 300,
    });
    expect(leakedLabels(samples, result.tokens)).toEqual([]);
  });
});

describe('koa fixture apps in a subprocess, loading the built package', () => {
  it.each(['koa.mjs', 'koa2.cjs'])('%s counts exactly', async (file) => {
    expect(await runFixture(file)).toEqual(FIXTURE_EXPECTED);
  });
});
