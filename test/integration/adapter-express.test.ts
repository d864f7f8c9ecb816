import http from 'node:http';
import { createRequire } from 'node:module';
import express5 from 'express';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/index.js';
import type { Faultline } from '../../src/index.js';
import { parseExposition, select, total } from '../helpers/exposition.js';
import { close, listen, request } from '../helpers/net.js';
import { FIXTURE_EXPECTED, abortRequest, abortedCounts, countsOf, flood, leakedLabels, responseCounts, runFixture, sendSteps } from '../helpers/adapters.js';
import type { Step } from '../helpers/adapters.js';

// `express4` is an npm alias of express@4 (devDependency); it shares Express 5's API types.
const express4 = createRequire(import.meta.url)('express4') as typeof express5;

const REGEX_MOUNT = /^\/legacy\/v\d+/;

/** The same application on either Express: three levels of nested routers with params. */
function buildApp(express: typeof express5, fl: Faultline, more: Faultline[] = []): express5.Express {
  const app = express();
  app.use(fl.express());
  for (const other of more) app.use(other.express());
  app.get('/metrics', fl.metricsHandler());

  const backups = express.Router({ mergeParams: true });
  backups.get('/:backup_id', (_req, res) => { res.status(200).json({ ok: true }); });
  backups.post('/', (_req, res) => { res.status(202).end(); });

  const instances = express.Router({ mergeParams: true });
  instances.use('/:instance_id/backups', backups);
  instances.get('/', (_req, res) => { res.json([]); });
  instances.get('/:instance_id', (_req, res) => { res.json({}); });
  instances.delete('/:instance_id', (_req, res) => { res.status(409).end(); });
  instances.get('/:instance_id/fail', (_req, _res, next) => { next(new Error('nested failure')); });

  const projects = express.Router({ mergeParams: true });
  projects.use('/instances', instances);
  projects.get('/flavors', (_req, res) => { res.status(203).end(); });

  app.use('/v3/:project_id', projects);
  app.get('/boom', () => { throw new Error('boom'); });
  app.get('/teapot', (_req, res) => { res.status(418).end(); });
  app.get('/pass/:id', (_req, _res, next) => { next(); });
  app.get('/after', (_req, res, next) => { res.status(200).end(); next(); });

  const legacy = express.Router();
  legacy.get('/ping', (_req, res) => { res.end('pong'); });
  app.use(REGEX_MOUNT, legacy);
  const both = express.Router();
  both.get('/ping', (_req, res) => { res.end('pong'); });
  app.use(['/a', '/b'], both);
  // An error handler under a path: must stay an error handler after the adapter has seen it.
  app.use('/v3', (err: Error, _req: Request, res: Response, next: NextFunction) => {
    if (err.message === 'nested failure') { res.status(503).end(); return; }
    next(err);
  });
  return app;
}

const PLAN: readonly Step[] = [
  { method: 'GET', path: '/v3/p1/instances/i1/backups/b1', times: 3, status: 200 },
  { method: 'GET', path: '/v3/p2/instances/i2/backups/b2?x=1', times: 1, status: 200 },
  { method: 'POST', path: '/v3/p2/instances/i9/backups', times: 2, status: 202 },
  { method: 'GET', path: '/v3/p1/instances', times: 1, status: 200 },
  { method: 'GET', path: '/v3/p1/instances/i1', times: 4, status: 200 },
  { method: 'DELETE', path: '/v3/p1/instances/i2', times: 2, status: 409 },
  { method: 'GET', path: '/v3/p1/instances/i1/fail', times: 1, status: 503 },
  { method: 'GET', path: '/v3/p1/flavors', times: 1, status: 203 },
  { method: 'GET', path: '/boom', times: 2, status: 500 },
  { method: 'GET', path: '/teapot', times: 1, status: 418 },
  { method: 'GET', path: '/pass/7', times: 2, status: 404 },
  { method: 'GET', path: '/after', times: 1, status: 200 },
  { method: 'GET', path: '/legacy/v2/ping', times: 1, status: 200 },
  { method: 'GET', path: '/a/ping', times: 1, status: 200 },
  { method: 'GET', path: '/b/ping', times: 1, status: 200 },
  { method: 'GET', path: '/metrics', times: 1, status: 200 },
];

const EXPECTED = {
  'GET|/v3/:project_id/instances/:instance_id/backups/:backup_id|200|success|true': 4,
  'POST|/v3/:project_id/instances/:instance_id/backups|202|success|true': 2,
  'GET|/v3/:project_id/instances|200|success|true': 1,
  'GET|/v3/:project_id/instances/:instance_id|200|success|true': 4,
  'DELETE|/v3/:project_id/instances/:instance_id|409|client_fault|true': 2,
  'GET|/v3/:project_id/instances/:instance_id/fail|503|service_fault|true': 1,
  'GET|/v3/:project_id/flavors|203|success|false': 1,
  'GET|/boom|500|service_fault|true': 2,
  'GET|/teapot|418|client_fault|false': 1,
  'GET|unmatched|404|client_fault|true': 2,
  'GET|/after|200|success|true': 1,
  [`GET|${String(REGEX_MOUNT)}ping|200|success|true`]: 1,
  'GET|(/a|/b)/ping|200|success|true': 2,
};

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

async function serve(app: express5.Express, instrument?: Faultline): Promise<number> {
  const server = http.createServer(app);
  instrument?.instrument(server);
  servers.push(server);
  return listen(server);
}

describe.each([
  ['Express 5', express5],
  ['Express 4', express4],
])('%s adapter', (_name, express) => {
  it('labels each response with the full template of nested routers, never the URL', async () => {
    const fl = faultline();
    const port = await serve(buildApp(express, fl));
    await sendSteps(port, PLAN);
    const samples = parseExposition(await fl.metrics());
    expect(responseCounts(samples)).toEqual(EXPECTED);
    expect(total(samples, 'http_server_response_duration_seconds_count')).toBe(24);
    expect(select(samples, 'http_server_requests_in_flight').every((s) => s.value === 0)).toBe(true);
  });

  it('counts once with fl.instrument(server) on the same server, and once per instance', async () => {
    const fl = faultline();
    const second = faultline();
    const port = await serve(buildApp(express, fl, [second]), fl);
    await sendSteps(port, PLAN);
    expect(countsOf(await fl.metrics())).toEqual(EXPECTED);
    // The second instance only sees requests through its middleware; /metrics is skipped by fl only.
    expect(countsOf(await second.metrics())).toEqual({ ...EXPECTED, 'GET|/metrics|200|success|true': 1 });
  });

  it('leaves one unmatched series per method and code after a 3,000-request scanner flood', async () => {
    const fl = faultline();
    const port = await serve(buildApp(express, fl), fl);
    let n = 0;
    const result = await flood(port, 3000, (t) => {
      n++;
      if (n % 10 === 0) return { method: 'GET', path: `/v3/${t()}/instances/${t()}/backups/${t()}?${t()}=${t()}` };
      if (n % 10 === 1) return { method: 'POST', path: `/${t()}/${t()}.php?${t()}` };
      if (n % 10 === 2) return { method: 'PROPFIND', path: `/v3/${t()}?${t()}` };
      return { method: 'GET', path: `/${t()}/${t()}/..%2f${t()}?id=${t()}&q=${t()}` };
    });
    expect(result.statuses).toEqual({ 'GET|200': 300, 'POST|404': 300, 'PROPFIND|404': 300, 'GET|404': 2100 });
    const samples = parseExposition(await fl.metrics());
    expect(responseCounts(samples)).toEqual({
      'GET|/v3/:project_id/instances/:instance_id/backups/:backup_id|200|success|true': 300,
      'GET|unmatched|404|client_fault|true': 2100,
      'POST|unmatched|404|client_fault|true': 300,
      '_OTHER|unmatched|404|client_fault|true': 300,
    });
    expect(result.tokens.length).toBe(300 * 5 + 300 * 3 + 300 * 2 + 2100 * 5);
    expect(leakedLabels(samples, result.tokens)).toEqual([]);
  });

  it('counts a client abort once, as aborted, with the route template', async () => {
    const fl = faultline();
    const app = express();
    app.use(fl.express());
    const jobs = express.Router();
    jobs.get('/:job_id', (_req, res) => { setTimeout(() => { if (!res.destroyed) res.end('late'); }, 500); });
    app.use('/jobs', jobs);
    const port = await serve(app);
    await abortRequest(port, '/jobs/42?wait=1');
    expect(await abortedCounts(() => fl.metrics(), 1)).toEqual({ 'GET|/jobs/:job_id': 1 });
    expect(countsOf(await fl.metrics())).toEqual({});
  });

  it('labels the routes of a mounted sub-application that uses the middleware too', async () => {
    const fl = faultline();
    const admin = express();
    admin.use(fl.express());
    admin.get('/users/:user_id', (_req, res) => { res.status(200).end(); });
    const app = express();
    app.use(fl.express());
    app.use('/admin/:tenant', admin);
    const port = await serve(app);
    await sendSteps(port, [
      { method: 'GET', path: '/admin/t1/users/7', times: 2, status: 200 },
      { method: 'GET', path: '/admin/t1/nobody', times: 1, status: 404 },
    ]);
    expect(countsOf(await fl.metrics())).toEqual({
      'GET|/admin/:tenant/users/:user_id|200|success|true': 2,
      'GET|unmatched|404|client_fault|true': 1,
    });
  });

  it('labels the routes of a sub-application with its mount path when only the sub-application uses the middleware', async () => {
    const fl = faultline();
    const admin = express();
    admin.use(fl.express());
    admin.get('/users/:user_id', (_req, res) => { res.status(200).end(); });
    const app = express();
    app.use('/admin', admin);
    const port = await serve(app);
    await sendSteps(port, [{ method: 'GET', path: '/admin/users/7', times: 1, status: 200 }]);
    expect(countsOf(await fl.metrics())).toEqual({ 'GET|/admin/users/:user_id|200|success|true': 1 });
  });

  it('leaves a mount path whose middleware threw, so a later route keeps its own template', async () => {
    const fl = faultline();
    const app = express();
    app.use(fl.express());
    app.use('/api', () => { throw new Error('thrown in a mounted middleware'); });
    app.use((_err: Error, _req: Request, _res: Response, next: NextFunction) => { next(); }); // recovers
    app.get('/api/ok', (_req, res) => { res.status(200).end(); });
    const port = await serve(app);
    await sendSteps(port, [{ method: 'GET', path: '/api/ok', times: 2, status: 200 }]);
    expect(countsOf(await fl.metrics())).toEqual({ 'GET|/api/ok|200|success|true': 2 });
  });

  it('does not count requests that never reach the middleware, and keeps error handlers working', async () => {
    const fl = faultline();
    const app = express();
    app.get('/before', (_req, res) => { res.end('not counted'); });
    app.use(fl.express());
    app.get('/after-mw', (_req, res) => { res.end('counted'); });
    const port = await serve(app);
    expect((await request(port, { path: '/before' })).status).toBe(200);
    expect((await request(port, { path: '/after-mw' })).status).toBe(200);
    expect(countsOf(await fl.metrics())).toEqual({ 'GET|/after-mw|200|success|true': 1 });
  });
});

describe('Express 5 only', () => {
  it('counts a rejected async handler as the 500 of its route', async () => {
    const fl = faultline();
    const app = express5();
    app.use(fl.express());
    const router = express5.Router();
    router.get('/:id', async () => { await Promise.resolve(); throw new Error('rejected'); });
    app.use('/jobs', router);
    const port = await serve(app);
    expect((await request(port, { path: '/jobs/42' })).status).toBe(500);
    expect(countsOf(await fl.metrics())).toEqual({ 'GET|/jobs/:id|500|service_fault|true': 1 });
  });

  it('writes a mount path as /* under routers that keep no trace of it (router 2.0-2.2), never the URL', async () => {
    const fl = faultline();
    const app = express5();
    app.use(fl.express());
    const router = express5.Router();
    router.get('/instances/:instance_id', (_req, res) => { res.status(200).end(); });
    app.use('/v3/:project_id', router);
    // router 2.0-2.2 layers have no rawPath: the same app, as those routers would build it.
    for (const layer of (app.router as unknown as { stack: { rawPath?: unknown }[] }).stack) delete layer.rawPath;
    const port = await serve(app);
    await sendSteps(port, [{ method: 'GET', path: '/v3/p1/instances/i1', times: 1, status: 200 }]);
    expect(countsOf(await fl.metrics())).toEqual({ 'GET|/*/instances/:instance_id|200|success|true': 1 });
  });

  it('leaves a mount path whose async middleware rejected', async () => {
    const fl = faultline();
    const app = express5();
    app.use(fl.express());
    app.use('/api', async () => { await Promise.resolve(); throw new Error('rejected in a mounted middleware'); });
    app.use((_err: Error, _req: Request, _res: Response, next: NextFunction) => { next(); }); // recovers
    app.get('/api/ok', (_req, res) => { res.status(200).end(); });
    const port = await serve(app);
    await sendSteps(port, [{ method: 'GET', path: '/api/ok', times: 2, status: 200 }]);
    expect(countsOf(await fl.metrics())).toEqual({ 'GET|/api/ok|200|success|true': 2 });
  });
});

describe('express fixture apps in a subprocess, loading the built package', () => {
  it.each(['express.mjs', 'express4.cjs'])('%s counts exactly', async (file) => {
    expect(await runFixture(file)).toEqual(FIXTURE_EXPECTED);
  });
});
