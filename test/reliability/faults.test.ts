// Matrix F1-F6 and F11 (shared/reliability.md §5.2): aborts before and after headers, sockets
// destroyed by handlers, handlers that throw, server timeouts and graceful shutdown. The
// contract: a request whose connection closes before its response was completely sent counts
// once in http_server_aborted_requests_total, never as the status it had set; every request
// counts exactly once; the in-flight gauge returns to 0.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { close, listen, pool, request } from '../helpers/net.js';
import { countedBy, rawExchange, settled, sleep } from './support.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function serve(fl: Faultline, handler: http.RequestListener, options: http.ServerOptions = {}): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(options, handler);
  fl.instrument(server);
  const port = await listen(server);
  cleanup.push(() => close(server));
  return { server, port };
}

function instance(): Faultline {
  const fl = createFaultline({ logger: () => {} });
  cleanup.push(() => fl.close());
  return fl;
}

/** Sends a GET and destroys the socket after `ms` (or once the first body bytes arrived). */
function abortingRequest(port: number, path: string, when: { afterMs?: number; onFirstData?: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.once('data', () => {
        if (when.onFirstData) req.destroy();
      });
    });
    req.on('error', () => {});
    req.on('close', () => resolve());
    if (when.afterMs !== undefined) setTimeout(() => req.destroy(), when.afterMs);
    req.end();
  });
}

describe('client aborts (F1, F2)', () => {
  it('F1: 20 requests aborted before headers count once each as aborted, not as 200', async () => {
    const fl = instance();
    const late: Array<Promise<void>> = [];
    const { port } = await serve(fl, (req, res) => {
      fl.setRoute(req, res, '/slow');
      // The handler answers later anyway, after the client left (a common real-world shape).
      late.push(sleep(300).then(() => void res.end('late')));
    });
    await Promise.all(Array.from({ length: 20 }, () => abortingRequest(port, '/slow', { afterMs: 50 })));
    await Promise.all(late);
    await sleep(50);
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: { 'GET|/slow': 20 }, inFlight: 0, internal: {} });
  });

  it('F2: a client that leaves mid-body after writeHead(200) counts once as aborted', async () => {
    const fl = instance();
    const late: Array<Promise<void>> = [];
    const { port } = await serve(fl, (req, res) => {
      fl.setRoute(req, res, '/stream');
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('first chunk\n');
      late.push(sleep(300).then(() => void res.end('rest\n')));
    });
    await Promise.all(Array.from({ length: 10 }, () => abortingRequest(port, '/stream', { onFirstData: true })));
    await Promise.all(late);
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: { 'GET|/stream': 10 }, inFlight: 0, internal: {} });
  });
});

describe('handlers that destroy or throw (F3, F4, F5)', () => {
  it('F5: a handler that sets 503 and destroys the socket counts as aborted, not as a served 503', async () => {
    const fl = instance();
    const { port } = await serve(fl, (req, res) => {
      fl.setRoute(req, res, '/destroy');
      res.statusCode = 503;
      req.socket.destroy();
    });
    const errors = await Promise.all(Array.from({ length: 10 }, () => request(port, { path: '/destroy' }).then(() => 'answered', (e: NodeJS.ErrnoException) => e.code)));
    expect(new Set(errors)).toEqual(new Set(['ECONNRESET']));
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: { 'GET|/destroy': 10 }, inFlight: 0, internal: {} });
  });

  it('F3: a plain node:http handler that throws crashes the app with its own error, not ours', async () => {
    const register = fileURLToPath(new URL('../../dist/esm/register.js', import.meta.url));
    const app = `
      import http from 'node:http';
      const server = http.createServer(() => { throw new Error('boom from the handler'); });
      server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
    `;
    const child = spawn(process.execPath, ['--import', register, '--input-type=module', '-e', app], {
      env: { ...process.env, FAULTLINE_PORT: '0', FAULTLINE_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(() => Promise.resolve(void child.kill('SIGKILL')));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child.once('exit', () => reject(new Error(`app exited early: ${stderr}`)));
    });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await request(port, { path: '/' }).catch(() => undefined);
    expect(await exit).toBe(1);
    expect(stderr).toContain('Error: boom from the handler');
    expect(stderr).not.toContain('faultline');
  });

  it('F3: when the app catches the throw and answers 500, exactly one 500 is counted', async () => {
    const fl = instance();
    const handler = (): void => {
      throw new Error('boom');
    };
    const { port } = await serve(fl, (req, res) => {
      try {
        handler();
      } catch {
        res.statusCode = 500;
        res.end('internal error');
      }
    });
    await pool(5, Array.from({ length: 25 }, () => () => request(port, { path: '/x' })));
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|unmatched|500': 25 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it('F4: Express 5 default error handler answers 500: one service fault per request', async () => {
    const fl = instance();
    const app = express();
    app.get('/boom', () => {
      throw new Error('boom');
    });
    app.get('/async', () => Promise.reject(new Error('async boom')));
    const { port } = await serve(fl, app);
    // Express's final handler prints the stack unless NODE_ENV is test.
    const env = process.env['NODE_ENV'];
    process.env['NODE_ENV'] = 'test';
    try {
      const answers = await Promise.all([...Array<string>(5).fill('/boom'), ...Array<string>(5).fill('/async')].map((path) => request(port, { path })));
      expect(answers.map((a) => a.status)).toEqual(Array(10).fill(500));
    } finally {
      process.env['NODE_ENV'] = env;
    }
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|unmatched|500': 10 }, aborted: {}, inFlight: 0, internal: {} });
    expect((await fl.metrics()).includes('code="500",category="service_fault",documented="true"} 10')).toBe(true);
  });

  it('F4: Fastify default error handler answers 500: one service fault per request', async () => {
    const fl = instance();
    const app = Fastify({ logger: false });
    app.get('/boom', () => {
      throw new Error('boom');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    fl.instrument(app.server);
    cleanup.push(() => app.close());
    const port = (app.server.address() as { port: number }).port;
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(port, { path: '/boom' })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(500));
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|unmatched|500': 10 }, aborted: {}, inFlight: 0, internal: {} });
  });
});

describe('timeouts (F6)', () => {
  it('F6: a handler that never answers, cut by server.setTimeout, counts once as aborted', async () => {
    const fl = instance();
    const { server, port } = await serve(fl, (req, res) => fl.setRoute(req, res, '/never'));
    server.setTimeout(200);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => request(port, { path: '/never' }).then(() => 'answered', (e: NodeJS.ErrnoException) => e.code)));
    expect(new Set(outcomes)).toEqual(new Set(['ECONNRESET']));
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: { 'GET|/never': 10 }, inFlight: 0, internal: {} });
  });

  it('F6: a body that never completes gets Node\'s own 408 (requestTimeout); the request counts once as aborted', async () => {
    const fl = instance();
    const { port } = await serve(
      fl,
      (req, res) => {
        fl.setRoute(req, res, '/upload');
        req.resume();
        req.on('end', () => res.end('got it'));
      },
      { requestTimeout: 300, headersTimeout: 300, connectionsCheckingInterval: 50 },
    );
    const raw = await rawExchange(port, 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\npartial', { timeoutMs: 5000 });
    expect(raw).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: { 'POST|/upload': 1 }, inFlight: 0, internal: {} });
  });
});

describe('graceful shutdown (F11)', () => {
  it('F11: server.close() lets 10 in-flight requests finish: each counted once as served', async () => {
    const fl = instance();
    let started = 0;
    const server = http.createServer((req, res) => {
      started++;
      fl.setRoute(req, res, '/work');
      setTimeout(() => res.end('done'), 200);
    });
    fl.instrument(server);
    const port = await listen(server);
    const answers = Array.from({ length: 10 }, () => request(port, { path: '/work' }));
    while (started < 10) await sleep(5);
    expect((await countedBy(fl)).inFlight).toBe(10);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual(Array(10).fill(200));
    await closed;
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|/work|200': 10 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it('F11: closeAllConnections() during 10 in-flight requests counts each once as aborted', async () => {
    const fl = instance();
    let started = 0;
    const late: Array<Promise<void>> = [];
    const server = http.createServer((req, res) => {
      started++;
      fl.setRoute(req, res, '/work');
      late.push(sleep(200).then(() => void res.end('done')));
    });
    fl.instrument(server);
    const port = await listen(server);
    const answers = Array.from({ length: 10 }, () => request(port, { path: '/work' }).then(() => 'answered', (e: NodeJS.ErrnoException) => e.code));
    while (started < 10) await sleep(5);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    expect(new Set(await Promise.all(answers))).toEqual(new Set(['ECONNRESET']));
    await closed;
    await Promise.all(late);
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: { 'GET|/work': 10 }, inFlight: 0, internal: {} });
  });
});
