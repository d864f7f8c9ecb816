// Matrix B6 and B12: unusual methods and requests Node itself rejects.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import type { FaultlineOptions } from '../../src/config.js';
import { close, listen } from '../helpers/net.js';
import { rawExchange, settled, statusLines } from './support.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(options: FaultlineOptions = {}): Promise<{ fl: Faultline; port: number }> {
  const fl = createFaultline({ logger: () => {}, ...options });
  cleanup.push(() => fl.close());
  const server = http.createServer((req, res) => {
    fl.setRoute(req, res, '/any');
    req.resume();
    res.end('ok');
  });
  fl.instrument(server);
  const port = await listen(server);
  cleanup.push(() => close(server));
  return { fl, port };
}

function send(port: number, method: string, extra = ''): Promise<string> {
  return rawExchange(port, `${method} /any HTTP/1.1\r\nHost: x\r\n${extra}Connection: close\r\n\r\n`);
}

const UNUSUAL = ['PROPFIND', 'PURGE', 'QUERY', 'M-SEARCH', 'SOURCE', 'LINK'];

describe('methods (B6)', () => {
  it('methods outside the standard set are labelled _OTHER', async () => {
    const { fl, port } = await setup();
    for (const m of UNUSUAL) expect(statusLines(await send(port, m))).toEqual([200]);
    const c = await settled(fl);
    expect(c).toEqual({ responses: { '_OTHER|/any|200': 6 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it('configured methods (`methods` option / FAULTLINE_METHODS) are labelled as themselves', async () => {
    const { fl, port } = await setup({ methods: ['PROPFIND', 'purge', 'M-SEARCH'] });
    for (const m of UNUSUAL) expect(statusLines(await send(port, m))).toEqual([200]);
    const c = await settled(fl);
    expect(c).toEqual({
      responses: { 'PROPFIND|/any|200': 1, 'PURGE|/any|200': 1, 'M-SEARCH|/any|200': 1, '_OTHER|/any|200': 3 },
      aborted: {}, inFlight: 0, internal: {},
    });
  });

  it('methods Node rejects (FOO, lower-case get) get Node\'s 400 and never reach the counts', async () => {
    const { fl, port } = await setup();
    for (const m of ['FOO', 'get', 'BREW', 'G\u00c9T']) expect(statusLines(await send(port, m))).toEqual([400]);
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: {}, inFlight: 0, internal: {} });
  });
});

describe('requests Node answers itself (B12)', () => {
  it('a header block over 16 KiB gets 431 before any hook: no count, nothing in flight', async () => {
    const { fl, port } = await setup();
    const raw = await send(port, 'GET', `X-Big: ${'a'.repeat(20_000)}\r\n`);
    expect(statusLines(raw)).toEqual([431]);
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: {}, inFlight: 0, internal: {} });
  });

  it('malformed request lines and headers get 400: no count', async () => {
    const { fl, port } = await setup();
    for (const wire of [
      'GET /any HTTP/9.9\r\n\r\n',
      'GET\r\n\r\n',
      'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /any HTTP/1.1\r\nBad Header\r\n\r\n',
      'GET /any HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      '\u0000\u0001\u0002garbage\r\n\r\n',
    ]) {
      expect(statusLines(await rawExchange(port, wire))).toEqual([400]);
    }
    const c = await settled(fl);
    expect(c).toEqual({ responses: {}, aborted: {}, inFlight: 0, internal: {} });
  });
});
