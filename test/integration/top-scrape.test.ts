// `faultline top`'s scrape against real endpoints on 127.0.0.1: a faultline endpoint (gzip, a
// token), and the failures it must explain in one sentence.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { ScrapeError, scrapeEndpoint } from '../../src/top/fetch.js';
import { TopModel } from '../../src/top/model.js';
import { close, listen } from '../helpers/net.js';

const TOKEN = 'top-secret-1';
let fl: Faultline;
let url: string;
let other: http.Server;
let base: string;
const hanging: http.ServerResponse[] = [];

beforeAll(async () => {
  fl = createFaultline({ token: TOKEN });
  fl.observe({ method: 'GET', route: '/items/:id', statusCode: 503 });
  fl.observe({ method: 'GET', route: '/items/:id', statusCode: 418 });
  const address = await fl.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${address.port}/metrics`;
  other = http.createServer((req, res) => {
    if (req.url === '/html') res.end('<!DOCTYPE html>\n<html></html>\n');
    else if (req.url === '/prom') res.end('# TYPE up gauge\nup 1\n');
    else if (req.url === '/boom') res.writeHead(500).end('oops');
    else if (req.url === '/slow') hanging.push(res);
    else res.writeHead(404).end();
  });
  base = `http://127.0.0.1:${await listen(other)}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  await close(other);
  await fl.close();
});

async function failure(target: string, options: Parameters<typeof scrapeEndpoint>[1] = {}): Promise<string> {
  const err = await scrapeEndpoint(target, options).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ScrapeError);
  return (err as Error).message;
}

describe('scrapeEndpoint', () => {
  it('reads a token-protected faultline endpoint (gzip-encoded) into a model', async () => {
    const scrape = await scrapeEndpoint(url, { token: TOKEN });
    const view = new TopModel().update(scrape, 0);
    expect(view.rows.map((r) => [r.code, r.category, r.total, r.documented, r.description])).toEqual([
      ['418', 'client_fault', 1, false, ''],
      ['503', 'service_fault', 1, true, 'The request was not completed: the system is temporarily abnormal.'],
    ]);
  });

  it('explains each failure in one sentence', async () => {
    expect(await failure(url)).toBe(`${url} answered 401 Unauthorized; the endpoint needs a token: pass --token or set FAULTLINE_TOKEN`);
    expect(await failure(url, { token: 'wrong-token' })).toBe(`${url} answered 401 Unauthorized; the token was refused: check --token / FAULTLINE_TOKEN`);
    expect(await failure(`${base}/nope`)).toBe(`${base}/nope answered 404 Not Found; is the path right? (faultline serves /metrics unless FAULTLINE_PATH says otherwise)`);
    expect(await failure(`${base}/boom`)).toBe(`${base}/boom answered 500 Internal Server Error`);
    expect(await failure(`${base}/html`)).toBe(`${base}/html does not serve Prometheus metrics (line 1: "<!DOCTYPE" is not a metric name)`);
    expect(await failure(`${base}/prom`)).toBe(`${base}/prom is not a faultline endpoint (no http_server_responses_total metric)`);
    expect(await failure(`${base}/slow`, { timeoutMs: 300 })).toBe(`no answer from ${base}/slow within 0.3 s`);
  });

  it('says when nothing listens', async () => {
    const server = http.createServer();
    const port = await listen(server);
    await close(server);
    expect(await failure(`http://127.0.0.1:${port}/metrics`)).toBe(`cannot reach http://127.0.0.1:${port}/metrics: connection refused (ECONNREFUSED); is the service running and the port right?`);
  });
});
