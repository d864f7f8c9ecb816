// Matrix B1-B4: status codes outside the usual range. Node accepts 100-999 on the wire; codes
// 600-999 are counted with category `invalid`; 99, 1000, NaN and 'abc' make Node throw
// ERR_HTTP_INVALID_STATUS_CODE, faultline neither crashes nor counts them, and the response
// that finally goes out is counted once; 1xx interim responses are not final responses.
import http from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { parseExposition, select } from '../helpers/exposition.js';
import { close, listen, request } from '../helpers/net.js';
import { RESPONSES, rawExchange, settled, statusLines } from './support.js';

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

async function serve(fl: Faultline, handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  fl.instrument(server);
  const port = await listen(server);
  cleanup.push(() => close(server));
  return { server, port };
}

describe('codes 600-999 (B1, B3)', () => {
  it('are counted as sent, with category invalid and documented false', async () => {
    const fl = instance();
    const { port } = await serve(fl, (req, res) => {
      fl.setRoute(req, res, '/c/:code');
      res.writeHead(Number(req.url!.slice(3)));
      res.end();
    });
    const codes = [600, 601, 750, 998, 999];
    expect((await Promise.all(codes.map((c) => request(port, { path: `/c/${c}` })))).map((a) => a.status)).toEqual(codes);
    await settled(fl);
    const samples = select(parseExposition(await fl.metrics()), RESPONSES);
    expect(samples.map((s) => s.labels).sort((a, b) => Number(a['code']) - Number(b['code']))).toEqual(
      codes.map((code) => ({ method: 'GET', route: '/c/:code', code: String(code), category: 'invalid', documented: 'false' })),
    );
    expect(samples.every((s) => s.value === 1)).toBe(true);
  });
});

describe('codes Node refuses (B2)', () => {
  const bad: Array<[string, (res: http.ServerResponse) => void]> = [
    ['writeHead(1000)', (res) => res.writeHead(1000)],
    ['writeHead(99)', (res) => res.writeHead(99)],
    ['statusCode = 99; end()', (res) => { res.statusCode = 99; res.end(); }],
    ['statusCode = NaN; end()', (res) => { res.statusCode = NaN; res.end(); }],
    ["statusCode = 'abc'; end()", (res) => { (res as unknown as { statusCode: unknown }).statusCode = 'abc'; res.end(); }],
    ['writeHead(-1)', (res) => res.writeHead(-1)],
  ];

  it.each(bad)('%s throws in the handler; the 500 the app then sends is counted once', async (_name, act) => {
    const fl = instance();
    const thrown: string[] = [];
    const { port } = await serve(fl, (req, res) => {
      fl.setRoute(req, res, '/bad');
      try {
        act(res);
      } catch (err) {
        thrown.push((err as NodeJS.ErrnoException).code ?? String(err));
        res.statusCode = 500;
        res.end('recovered');
      }
    });
    const answers = await Promise.all(Array.from({ length: 3 }, () => request(port, { path: '/bad' })));
    expect(answers.map((a) => a.status)).toEqual([500, 500, 500]);
    expect(thrown).toEqual(Array(3).fill('ERR_HTTP_INVALID_STATUS_CODE'));
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|/bad|500': 3 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it('an app that gives up after the throw and drops the connection counts one aborted request, no garbage code', async () => {
    const fl = instance();
    const { port } = await serve(fl, (req, res) => {
      fl.setRoute(req, res, '/bad');
      res.statusCode = NaN;
      try {
        res.end();
      } catch {
        req.socket.destroy();
      }
    });
    await request(port, { path: '/bad' }).catch(() => undefined);
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: { 'GET|/bad': 1 }, inFlight: 0, internal: {} });
  });

  it('Express 5: res.status(1000) throws, the default error handler answers 500, counted once', async () => {
    const fl = instance();
    const app = express();
    app.get('/bad', (_req, res) => {
      res.status(1000).send('never');
    });
    const { port } = await serve(fl, app);
    const env = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'test'; // no stack on stderr from Express's final handler
    try {
      expect((await request(port, { path: '/bad' })).status).toBe(500);
    } finally {
      process.env['NODE_ENV'] = env;
    }
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|unmatched|500': 1 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it('observe() rejects codes outside 100-999 and non-integers, counting each in faultline_internal_errors_total', async () => {
    const fl = instance();
    for (const statusCode of [99, 1000, NaN, -1, 0, 200.5, Infinity, 'abc' as unknown as number, undefined as unknown as number]) {
      fl.observe({ method: 'GET', route: '/o', statusCode, durationSeconds: 0.01 });
    }
    fl.observe({ method: 'GET', route: '/o', statusCode: 100 });
    fl.observe({ method: 'GET', route: '/o', statusCode: 999 });
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|/o|100': 1, 'GET|/o|999': 1 }, aborted: {}, inFlight: 0, internal: { invalid_observation: 9 } });
  });
});

describe('1xx interim responses (B4)', () => {
  it('writeContinue, writeProcessing and writeEarlyHints are not counted; the final response is', async () => {
    const fl = instance();
    const { port } = await serve(fl, (req, res) => {
      fl.setRoute(req, res, '/interim');
      res.writeContinue();
      res.writeProcessing();
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      req.resume();
      req.on('end', () => {
        res.writeHead(201);
        res.end('made');
      });
    });
    const raw = await rawExchange(
      port,
      'POST /interim HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi',
    );
    const lines = statusLines(raw);
    expect(lines.at(-1)).toBe(201);
    expect(lines.slice(0, -1).every((code) => code >= 100 && code < 200)).toBe(true);
    expect(lines).toContain(103);
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'POST|/interim|201': 1 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it("a server with a 'checkContinue' listener is counted the same (the channel fires before it)", async () => {
    const fl = instance();
    const server = http.createServer();
    const handler: http.RequestListener = (req, res) => {
      fl.setRoute(req, res, '/expect');
      req.resume();
      req.on('end', () => res.end('ok'));
    };
    server.on('checkContinue', (req, res) => {
      res.writeContinue();
      handler(req, res);
    });
    server.on('request', handler);
    fl.instrument(server);
    const port = await listen(server);
    cleanup.push(() => close(server));
    const raw = await rawExchange(port, 'PUT /expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    expect(statusLines(raw)).toEqual([100, 200]);
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'PUT|/expect|200': 1 }, aborted: {}, inFlight: 0, internal: {} });
  });
});
