import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/index.js';
import type { Faultline } from '../../src/index.js';
import { byLabels, parseExposition, select } from '../helpers/exposition.js';
import { close, listen, request, waitFor } from '../helpers/net.js';
import { freePort } from '../helpers/prometheus.js';

const root = resolve(import.meta.dirname, '../..');
const petstore = join(root, 'test/fixtures/openapi/petstore.v2.yaml');

/** The pet service: no framework, so the catalog's paths give the route label. */
function petService(): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const m = /^\/v1\/pets(?:\/([^/]+))?\/?$/.exec(path);
    if (m && req.method === 'POST' && !m[1]) res.statusCode = 201;
    else if (m && req.method === 'GET') res.statusCode = m[1] === 'missing' ? 404 : m[1] === 'new' ? 201 : 200;
    else res.statusCode = 404;
    res.end();
  });
}

/** The requests of both tests and what they must count, by method|route|code|documented. */
const PLAN: readonly [method: string, path: string, times: number][] = [
  ['GET', '/v1/pets/42', 3],
  ['GET', '/v1/pets/a%20b', 1],
  ['GET', '/v1/pets/missing', 2],
  ['GET', '/v1/pets/new', 1],
  ['GET', '/v1/pets?limit=5', 2],
  ['GET', '/v1/pets/', 1],
  ['POST', '/v1/pets', 2],
  ['GET', '/v1/toys/1', 1],
  ['GET', '/pets/42', 1],
];
const EXPECTED = {
  // the operation's own list: 200 only (its `default` documents no particular code) ...
  'GET|/v1/pets/{petId}|200|true': 4,
  'GET|/v1/pets/{petId}|404|false': 2,
  // ... wins over the global list, which has 201 from POST /v1/pets
  'GET|/v1/pets/{petId}|201|false': 1,
  'GET|/v1/pets|200|true': 3,
  'POST|/v1/pets|201|true': 2,
  // no operation: the global list (200, 201) decides; the prefix /v1 is part of every template
  'GET|unmatched|404|false': 2,
};

async function send(port: number): Promise<void> {
  for (const [method, path, times] of PLAN) {
    for (let i = 0; i < times; i++) await request(port, { method, path });
  }
}

describe('a plain node:http server under an OpenAPI catalog', () => {
  let fl: Faultline;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    fl = createFaultline({ catalog: petstore });
    server = petService();
    fl.instrument(server);
    port = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    await fl.close();
  });

  it('labels requests with the document\'s templates and decides documented per operation', async () => {
    await send(port);
    const samples = parseExposition(await fl.metrics());
    expect(byLabels(samples, 'http_server_responses_total', ['method', 'route', 'code', 'documented'])).toEqual(EXPECTED);
    expect(select(samples, 'http_status_code_info').map((s) => s.labels)).toEqual([
      { code: '200', category: 'success', description: 'An paged array of pets' },
      { code: '201', category: 'success', description: 'Null response' },
    ]);
  });
});

describe('the same under node --require faultline/register with FAULTLINE_CATALOG', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('loads the document before the first request and counts the same', async () => {
    const metricsPort = await freePort();
    const child = spawn(process.execPath, ['--require', join(root, 'dist/cjs/register.js'), join(root, 'test/fixtures/catalog/pets-app.cjs')], {
      env: { ...process.env, FAULTLINE_CATALOG: petstore, FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((done, fail) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) done((JSON.parse(out.split('\n')[0]!) as { port: number }).port);
      });
      child.once('exit', (code) => fail(new Error(`app exited with ${code}: ${stderr}`)));
    });
    await send(port);
    const samples = await waitFor(async () => {
      const s = parseExposition((await request(metricsPort, { path: '/metrics' })).body.toString());
      return Object.values(byLabels(s, 'http_server_responses_total', [])).reduce((a, b) => a + b, 0) === 14 ? s : undefined;
    }, 10_000, 'all 14 responses to be counted');
    expect(byLabels(samples, 'http_server_responses_total', ['method', 'route', 'code', 'documented'])).toEqual(EXPECTED);
    expect(stderr).toBe('');
  });
});
