// The reliability guarantees through the framework adapters: adapter plus instrument() on the
// same server count once (F12), scanner paths and query strings never become labels (B5,
// fastify-metrics#69), a throwing handler is one 500 under its template (F4), and a client
// that leaves is one aborted request under its template (F1).
import http from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { Router, loadKoa } from '../helpers/koa.js';
import { close, listen, pool, request } from '../helpers/net.js';
import { settled, sleep } from './support.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

type Build = (fl: Faultline) => Promise<number>;

const frameworks: Array<[string, Build]> = [
  ['express', async (fl) => {
    const app = express();
    app.use(fl.express());
    app.get('/items/:id', (_req, res) => void res.send('item'));
    app.get('/boom/:id', () => {
      throw new Error('boom');
    });
    app.get('/slow/:id', (_req, res) => void setTimeout(() => res.send('late'), 300));
    const server = http.createServer(app);
    fl.instrument(server);
    const port = await listen(server);
    cleanup.push(() => close(server));
    return port;
  }],
  ['fastify', async (fl) => {
    const app = Fastify({ logger: false });
    await app.register(fl.fastify);
    app.get('/items/:id', () => 'item');
    app.get('/boom/:id', () => {
      throw new Error('boom');
    });
    app.get('/slow/:id', async () => {
      await sleep(300);
      return 'late';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    fl.instrument(app.server);
    cleanup.push(() => app.close());
    return (app.server.address() as { port: number }).port;
  }],
  ['koa', async (fl) => {
    const Koa = loadKoa('koa');
    const app = new Koa();
    app.silent = true;
    const router = new Router();
    router.get('/items/:id', (ctx) => {
      ctx.body = 'item';
    });
    router.get('/boom/:id', () => {
      throw new Error('boom');
    });
    router.get('/slow/:id', async (ctx) => {
      await sleep(300);
      ctx.body = 'late';
    });
    app.use(fl.koa());
    app.use(router.routes()).use(router.allowedMethods());
    const server = http.createServer(app.callback());
    fl.instrument(server);
    const port = await listen(server);
    cleanup.push(() => close(server));
    return port;
  }],
];

describe.each(frameworks)('%s adapter + instrument()', (_name, build) => {
  it('counts each response once under its template; scanner paths and query strings never become labels', async () => {
    const fl = createFaultline({ logger: () => {} });
    cleanup.push(() => fl.close());
    const port = await build(fl);
    const paths = [
      ...Array.from({ length: 200 }, (_, i) => `/items/${i}-${Math.random().toString(36).slice(2)}?secret=s${i}`),
      ...Array.from({ length: 300 }, (_, i) => `/wp-admin/${i}/${Math.random().toString(36).slice(2)}.php?token=secret${i}`),
      ...Array.from({ length: 10 }, (_, i) => `/boom/${i}?secret=b${i}`),
    ];
    const answers = await pool(20, paths.map((path) => () => request(port, { path })));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array<number>(200).fill(200), ...Array<number>(300).fill(404), ...Array<number>(10).fill(500)].sort());
    // A client that leaves before the slow handler answers.
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/slow/1?secret=x', agent: false });
      req.on('error', () => {});
      req.on('close', () => resolve());
      setTimeout(() => req.destroy(), 50);
    });
    await sleep(400);
    const c = await settled(fl);
    expect(c).toEqual({
      responses: { 'GET|/items/:id|200': 200, 'GET|unmatched|404': 300, 'GET|/boom/:id|500': 10 },
      aborted: { 'GET|/slow/:id': 1 },
      inFlight: 0,
      internal: {},
    });
    const text = await fl.metrics();
    expect(text).not.toMatch(/secret|wp-admin|\.php/);
  });
});
