import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/index.js';
import type { Faultline } from '../../src/index.js';
import { parseExposition, total } from '../helpers/exposition.js';
import { request } from '../helpers/net.js';

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('the metrics endpoint', () => {
  let fl: Faultline;
  let port: number;
  beforeAll(async () => {
    fl = createFaultline();
    fl.observe({ method: 'GET', route: '/a', statusCode: 200, durationSeconds: 0.01 });
    port = (await fl.listen(0, '127.0.0.1')).port;
  });
  afterAll(() => fl.close());

  it('GET answers the text format by default', async () => {
    const a = await request(port, { path: '/metrics' });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(total(parseExposition(a.body.toString()), 'http_server_responses_total')).toBe(1);
  });

  it('answers OpenMetrics when the Accept header prefers it, as Prometheus does', async () => {
    const a = await request(port, { path: '/metrics', headers: { accept: PROMETHEUS_ACCEPT } });
    expect(a.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(a.body.toString().endsWith('# EOF\n')).toBe(true);
  });

  it('HEAD answers the headers without a body; query strings are ignored', async () => {
    const a = await request(port, { method: 'HEAD', path: '/metrics?x=1' });
    expect(a.status).toBe(200);
    expect(a.body.length).toBe(0);
    expect(Number(a.headers['content-length'])).toBeGreaterThan(1000);
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('%s is 405 with Allow', async (method) => {
    const a = await request(port, { method, path: '/metrics' });
    expect(a.status).toBe(405);
    expect(a.headers['allow']).toBe('GET, HEAD');
    expect(a.body.toString()).toBe('method not allowed\n');
  });

  it('gzips small bodies in steps (fflate) and large ones with node:zlib: the same bytes after gunzip, Content-Length exact', async () => {
    const big = createFaultline();
    try {
      const bigPort = (await big.listen(0, '127.0.0.1')).port;
      const sizes: number[] = [];
      for (const routes of [1, 40, 3000]) {
        for (let i = 0; i < routes; i++) big.observe({ method: 'GET', route: `/r/${i}/{id}`, statusCode: 200, durationSeconds: 0.01 });
        const plain = await request(bigPort, { path: '/metrics', headers: { 'accept-encoding': 'identity' } });
        const zipped = await request(bigPort, { path: '/metrics', headers: { 'accept-encoding': 'gzip' } });
        expect([zipped.status, zipped.headers['content-encoding'], Number(zipped.headers['content-length'])]).toEqual([200, 'gzip', zipped.body.length]);
        expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
        sizes.push(plain.body.length);
      }
      // One body in one 64 KiB step, one in several steps under the in-steps path's 256 KiB, one
      // over it (node:zlib). The routes are added to the same registry, so the sizes grow.
      expect([sizes[0]! < 64 * 1024, sizes[1]! > 64 * 1024 && sizes[1]! < 256 * 1024, sizes[2]! > 256 * 1024], String(sizes)).toEqual([true, true, true]);
    } finally {
      await big.close();
    }
  });

  it.each(['/', '/metrics/', '/metricsx', '/other'])('%s is 404', async (path) => {
    const a = await request(port, { path });
    expect(a.status).toBe(404);
  });

  it('gzips when asked, identity otherwise', async () => {
    const zipped = await request(port, { path: '/metrics', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const plain = await request(port, { path: '/metrics', headers: { 'accept-encoding': 'br;q=1, identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
    const garbage = await request(port, { path: '/metrics', headers: { 'accept-encoding': ';;,,=q' } });
    expect(garbage.status).toBe(200);
    expect(garbage.headers['content-encoding']).toBeUndefined();
  });

  it.each([
    ['', 'text/plain'], ['*/*', 'text/plain'], ['application/openmetrics-text', 'application/openmetrics-text'],
    ['application/openmetrics-text;version=9.9.9', 'text/plain'], [';;;,,,', 'text/plain'], [','.repeat(8000), 'text/plain'],
    ['application/vnd.google.protobuf', 'text/plain'],
  ])('junk or odd Accept %j gets a valid %s answer', async (accept, type) => {
    const a = await request(port, { path: '/metrics', headers: { accept } });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']!.startsWith(type)).toBe(true);
    expect(total(parseExposition(a.body.toString()), 'http_server_responses_total')).toBe(1);
  });

  it('never counts its own requests', async () => {
    await request(port, { path: '/metrics' });
    const a = await request(port, { path: '/metrics' });
    expect(total(parseExposition(a.body.toString()), 'http_server_responses_total')).toBe(1);
  });
});

describe('the metrics endpoint with a token', () => {
  let fl: Faultline;
  let port: number;
  beforeAll(async () => {
    fl = createFaultline({ token: 's3cret-token' });
    port = (await fl.listen(0, '127.0.0.1')).port;
  });
  afterAll(() => fl.close());

  it.each([
    ['no header', {}],
    ['wrong token', { authorization: 'Bearer wrong-token!' }],
    ['basic scheme', { authorization: 'Basic czNjcmV0LXRva2Vu' }],
    ['token without scheme', { authorization: 's3cret-token' }],
    ['garbage', { authorization: '\u00ff'.repeat(2000) }],
  ])('401 with %s, without leaking metric names', async (_name, headers) => {
    const a = await request(port, { path: '/metrics', headers: headers });
    expect(a.status).toBe(401);
    expect(a.headers['www-authenticate']).toBe('Bearer realm="faultline"');
    expect(a.body.toString()).toBe('unauthorized\n');
  });

  it('200 with the right bearer token', async () => {
    const a = await request(port, { path: '/metrics', headers: { authorization: 'Bearer s3cret-token' } });
    expect(a.status).toBe(200);
    expect(a.body.toString()).toContain('# TYPE http_server_responses_total counter');
  });

  it('the scheme is case-insensitive (RFC 7235), the token is not', async () => {
    expect((await request(port, { path: '/metrics', headers: { authorization: 'bearer s3cret-token' } })).status).toBe(200);
    expect((await request(port, { path: '/metrics', headers: { authorization: 'BEARER s3cret-token' } })).status).toBe(200);
    expect((await request(port, { path: '/metrics', headers: { authorization: 'Bearer S3CRET-TOKEN' } })).status).toBe(401);
  });
});
