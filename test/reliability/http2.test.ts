// Matrix L8 and F7: HTTP/2 through node:http2's compat API. Node 20 has no http2 diagnostics
// channels, so `fl.instrument(http2Server)` listens to the server's 'request' event. A stream
// the client cancels (RST_STREAM NGHTTP2_CANCEL) makes the compat response emit 'finish' with
// status 200 anyway: it must count as aborted.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { settled, sleep } from './support.js';

// A throw-away self-signed certificate for 127.0.0.1, for the TLS (allowHTTP1) case only.
const TEST_KEY = readFileSync(new URL('../fixtures/reliability/localhost-key.pem', import.meta.url));
const TEST_CERT = readFileSync(new URL('../fixtures/reliability/localhost-cert.pem', import.meta.url));

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

async function h2Server(
  fl: Faultline,
  handler: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  options: http2.ServerOptions & { allowHTTP1?: boolean } = {},
): Promise<{ server: http2.Http2Server; port: number; session: http2.ClientHttp2Session }> {
  const server = http2.createServer(options, handler);
  fl.instrument(server);
  fl.instrument(server); // twice: still one listener, one count
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  cleanup.push(async () => {
    session.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { server, port, session };
}

/** One request on the session; resolves with the status (or the stream's error code). */
function h2Request(session: http2.ClientHttp2Session, path: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':method': method });
    let status = 0;
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('error', reject);
    stream.resume();
    stream.on('end', () => resolve(status));
    stream.end();
  });
}

describe('HTTP/2 (L8, F7)', () => {
  it('L8: 1,000 streams on one session count exactly, none twice from finish + close', async () => {
    const fl = instance();
    const { session } = await h2Server(fl, (req, res) => {
      const code = Number(req.url.slice(3));
      fl.setRoute(req as never, res as never, '/c/:code');
      res.writeHead(code);
      res.end(String(code));
    });
    const codes = Array.from({ length: 1000 }, (_, i) => [200, 404, 500, 503, 201][i % 5]!);
    const methods = ['GET', 'POST', 'PUT', 'DELETE'];
    const statuses: number[] = [];
    for (let i = 0; i < codes.length; i += 100) {
      // 100 concurrent streams at a time: the default SETTINGS_MAX_CONCURRENT_STREAMS of a client.
      statuses.push(...(await Promise.all(codes.slice(i, i + 100).map((code, j) => h2Request(session, `/c/${code}`, methods[(i + j) % 4])))));
    }
    expect(statuses).toEqual(codes);
    const c = await settled(fl);
    const expected: Record<string, number> = {};
    codes.forEach((code, i) => {
      const key = `${methods[i % 4]!}|/c/:code|${code}`;
      expected[key] = (expected[key] ?? 0) + 1;
    });
    expect(c).toEqual({ responses: expected, aborted: {}, inFlight: 0, internal: {} });
  });

  it('F7: streams cancelled by the client (NGHTTP2_CANCEL) before or after headers count as aborted, not 200', async () => {
    const fl = instance();
    const late: Array<Promise<void>> = [];
    const finishes: number[] = [];
    const { session } = await h2Server(fl, (req, res) => {
      fl.setRoute(req as never, res as never, req.url);
      res.on('finish', () => finishes.push(res.statusCode));
      if (req.url === '/mid') {
        res.writeHead(200);
        res.write('first');
      }
      late.push(sleep(300).then(() => void res.end('late')));
    });
    const cancel = (path: string, onData: boolean): Promise<void> =>
      new Promise((resolve) => {
        const stream = session.request({ ':path': path });
        stream.on('error', () => {});
        stream.on('close', () => resolve());
        if (onData) stream.once('data', () => stream.close(http2.constants.NGHTTP2_CANCEL));
        else setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), 50);
        stream.end();
      });
    await Promise.all([...Array.from({ length: 5 }, () => cancel('/before', false)), ...Array.from({ length: 5 }, () => cancel('/mid', true))]);
    expect(await h2Request(session, '/ok')).toBe(200); // the session still serves
    await Promise.all(late);
    const c = await settled(fl);
    // Node's compat response did emit 'finish' with status 200 for the cancelled streams.
    expect(finishes.length).toBe(11);
    expect(c).toEqual({ responses: { 'GET|/ok|200': 1 }, aborted: { 'GET|/before': 5, 'GET|/mid': 5 }, inFlight: 0, internal: {} });
  });

  it('counts HTTP/1.1 requests to an allowHTTP1 server once (diagnostics channel and request event share one record)', async () => {
    const fl = instance();
    const server = http2.createSecureServer({ allowHTTP1: true, key: TEST_KEY, cert: TEST_CERT }, (req, res) => {
      res.writeHead(204);
      res.end();
    });
    fl.instrument(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: false });
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () => new Promise<number>((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, path: '/h1', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      })),
    );
    expect(statuses).toEqual([204, 204, 204, 204, 204]);
    const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    cleanup.push(() => Promise.resolve(void session.destroy()));
    expect(await h2Request(session, '/h2')).toBe(204);
    const c = await settled(fl);
    expect(c).toEqual({ responses: { 'GET|unmatched|204': 6 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it('stops counting HTTP/2 requests after fl.close()', async () => {
    const fl = createFaultline({ logger: () => {} });
    const { session } = await h2Server(fl, (_req, res) => res.end('ok'));
    expect(await h2Request(session, '/a')).toBe(200);
    expect((await settled(fl)).responses).toEqual({ 'GET|unmatched|200': 1 });
    await fl.close();
    expect(await h2Request(session, '/b')).toBe(200);
    await sleep(50);
    expect((await settled(fl)).responses).toEqual({ 'GET|unmatched|200': 1 });
  });
});
