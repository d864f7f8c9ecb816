// How the end of a node:http response is seen (src/hooks/runtime.ts): Node's
// http.server.response.finish channel for responses sent, one 'close' listener per connection
// for responses still unfinished when it closes. No listener per response.
import http from 'node:http';
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { close, listen, request } from '../helpers/net.js';
import { settled, sleep } from './support.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(handler: http.RequestListener): Promise<{ fl: Faultline; port: number; server: http.Server }> {
  const fl = createFaultline({ logger: () => {} });
  const server = http.createServer(handler);
  fl.instrument(server);
  const port = await listen(server);
  cleanup.push(async () => {
    server.closeAllConnections();
    await close(server);
    await fl.close();
  });
  return { fl, port, server };
}

/** The listeners faultline put on a socket's 'close' (named onSocketClose). */
function ours(socket: net.Socket): number {
  return socket.listeners('close').filter((l) => l.name === 'onSocketClose').length;
}

describe('end of a node:http response', () => {
  it('adds no listener per response, and one per keep-alive connection however many requests it carries', async () => {
    const closeListeners: number[] = [];
    const sockets = new Set<net.Socket>();
    const { fl, port } = await setup((req, res) => {
      closeListeners.push(res.listenerCount('close'));
      sockets.add(req.socket);
      res.end('ok');
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanup.push(() => Promise.resolve(agent.destroy()));
    for (let i = 0; i < 20; i++) expect((await request(port, { path: `/n/${i}`, agent })).status).toBe(200);
    expect(closeListeners).toEqual(new Array<number>(20).fill(0));
    expect(sockets.size).toBe(1);
    expect(ours([...sockets][0]!)).toBe(1);
    const c = await settled(fl);
    expect(c.responses).toEqual({ 'GET|unmatched|200': 20 });
    expect(c.aborted).toEqual({});
    expect(c.inFlight).toBe(0);
  });

  it('a connection closing with pipelined responses unsent counts each of them aborted once, and the sent one once', async () => {
    const { fl, port } = await setup((req, res) => {
      if (req.url === '/hang') return; // never answers: the client gives up
      res.end('ok');
    });
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // 1 answered; 2 hangs; 3 is answered by the app but queued behind 2, so never sent.
    socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /hang HTTP/1.1\r\nHost: x\r\n\r\nGET /third HTTP/1.1\r\nHost: x\r\n\r\n');
    const deadline = Date.now() + 5000;
    while (!received.includes('ok') && Date.now() < deadline) await sleep(10);
    const inFlight = (await settled(fl, 200)).inFlight;
    expect(inFlight).toBe(2);
    socket.destroy();
    const c = await settled(fl);
    expect(received.match(/HTTP\/1\.1 200/g)).toHaveLength(1);
    expect(c.responses).toEqual({ 'GET|unmatched|200': 1 });
    expect(c.aborted).toEqual({ 'GET|unmatched': 2 });
    expect(c.inFlight).toBe(0);
  });

  it('a response the application destroys is counted aborted, and the next connection is counted as usual', async () => {
    const { fl, port } = await setup((req, res) => {
      if (req.url === '/destroy') {
        res.write('partial');
        setTimeout(() => res.destroy(), 10);
        return;
      }
      res.statusCode = 503;
      res.end();
    });
    await expect(request(port, { path: '/destroy' })).rejects.toThrow();
    expect((await request(port, { path: '/ok' })).status).toBe(503);
    const c = await settled(fl);
    expect(c.responses).toEqual({ 'GET|unmatched|503': 1 });
    expect(c.aborted).toEqual({ 'GET|unmatched': 1 });
    expect(c.inFlight).toBe(0);
  });
});

describe('per-request slots', () => {
  it('every response already has faultline\'s slot when the application first sees it (Express swaps its prototype next), and requests get none', async () => {
    const seen: Array<{ req: boolean; res: boolean }> = [];
    const fl = createFaultline({ logger: () => {} }); // watches no server: the slots are given anyway
    const server = http.createServer((req, res) => {
      seen.push({
        // No field on requests: Express copies each one into every hidden class it builds per request.
        req: Object.getOwnPropertySymbols(req).some((s) => s.description?.startsWith('faultline') === true),
        res: Object.getOwnPropertySymbols(res).includes(Symbol.for('faultline.tracked')),
      });
      res.end('ok');
    });
    const port = await listen(server);
    cleanup.push(async () => {
      await close(server);
      await fl.close();
    });
    for (let i = 0; i < 3; i++) expect((await request(port, { path: '/' })).status).toBe(200);
    expect(seen).toEqual([{ req: false, res: true }, { req: false, res: true }, { req: false, res: true }]);
  });
});

describe('one hidden class for every response in the process', () => {
  it("the endpoint on its own port serves from its own thread: none of its requests reach this thread's HTTP code", async () => {
    const fl = createFaultline({ logger: () => {} });
    const { port } = await fl.listen(0, '127.0.0.1');
    const seen: string[] = [];
    const onStart = (message: unknown): void => void seen.push(`start ${(message as { request: http.IncomingMessage }).request.url ?? ''}`);
    const onSocket = (): void => void seen.push('socket');
    diagnostics.subscribe('http.server.request.start', onStart);
    diagnostics.subscribe('net.server.socket', onSocket);
    cleanup.push(async () => {
      diagnostics.unsubscribe('http.server.request.start', onStart);
      diagnostics.unsubscribe('net.server.socket', onSocket);
      await fl.close();
    });
    expect((await request(port, { path: '/metrics', headers: { 'Accept-Encoding': 'gzip' } })).status).toBe(200);
    expect((await request(port, { path: '/elsewhere' })).status).toBe(404);
    expect((await request(port, { method: 'POST', path: '/metrics' })).status).toBe(405);
    // The application's server, asked once, is seen: the subscription works.
    const app = http.createServer((_req, res) => res.end('ok'));
    const appPort = await listen(app);
    cleanup.push(() => close(app));
    expect((await request(appPort, { path: '/app' })).status).toBe(200);
    expect(seen).toEqual(['socket', 'start /app']);
  });

  it("endpointThread: false serves the endpoint from this thread; none of its requests is counted, on its path or not", async () => {
    const fl = createFaultline({ logger: () => {}, attachAll: true, endpointThread: false });
    const { port } = await fl.listen(0, '127.0.0.1');
    const seen: string[] = [];
    const onStart = (message: unknown): void => void seen.push((message as { request: http.IncomingMessage }).request.url ?? '');
    diagnostics.subscribe('http.server.request.start', onStart);
    const app = http.createServer((_req, res) => res.end('ok'));
    const appPort = await listen(app);
    cleanup.push(async () => {
      diagnostics.unsubscribe('http.server.request.start', onStart);
      await close(app);
      await fl.close();
    });
    expect((await request(port, { path: '/metrics' })).status).toBe(200);
    expect((await request(port, { path: '/elsewhere' })).status).toBe(404);
    expect((await request(port, { method: 'POST', path: '/metrics' })).status).toBe(405);
    expect((await request(appPort, { path: '/app' })).status).toBe(200);
    expect(seen).toEqual(['/metrics', '/elsewhere', '/metrics', '/app']);
    const counted = (await fl.metrics()).split('\n').filter((l) => l.startsWith('http_server_responses_total{'));
    expect(counted).toEqual(['http_server_responses_total{method="GET",route="unmatched",code="200",category="success",documented="true"} 1']);
  });

  it('the endpoint inside an application gives its responses statusCode before statusMessage, as a framework setting the status does', async () => {
    const fl = createFaultline({ logger: () => {} });
    const handle = fl.metricsHandler();
    const server = http.createServer((req, res) => handle(req, res));
    const port = await listen(server);
    const orders: Array<{ status: number; keys: string[] }> = [];
    const onFinish = (message: unknown): void => {
      const res = (message as { response: http.ServerResponse }).response;
      orders.push({ status: res.statusCode, keys: Object.keys(res).filter((k) => k === 'statusCode' || k === 'statusMessage') });
    };
    diagnostics.subscribe('http.server.response.finish', onFinish);
    cleanup.push(async () => {
      diagnostics.unsubscribe('http.server.response.finish', onFinish);
      await close(server);
      await fl.close();
    });
    expect((await request(port, { path: '/metrics' })).status).toBe(200);
    expect((await request(port, { path: '/metrics', headers: { 'Accept-Encoding': 'gzip' } })).status).toBe(200);
    expect((await request(port, { method: 'POST', path: '/metrics' })).status).toBe(405);
    // Node's own writeHead(code) adds statusMessage first: one such response in a process whose
    // application sets the status first deoptimised Node's optimised http code ("wrong map").
    const framework = ['statusCode', 'statusMessage'];
    expect(orders).toEqual([{ status: 200, keys: framework }, { status: 200, keys: framework }, { status: 405, keys: framework }]);
  });
});
