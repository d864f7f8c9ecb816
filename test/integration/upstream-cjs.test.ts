import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byLabels, parseExposition } from '../helpers/exposition.js';
import { freePort } from '../helpers/prometheus.js';
import { request } from '../helpers/net.js';
import { removeDir, runClient, startFakeUpstream, writeUpstreams } from '../helpers/upstream.js';
import type { ClientProcess, FakeUpstream } from '../helpers/upstream.js';

// The CommonJS build: the same client fixture under `node --require dist/cjs/register.js`.
// Run `npm run build` first.

const OPENAPI = new URL('../fixtures/upstream/rds-openapi.yaml', import.meta.url).pathname;

describe('outbound calls under --require faultline/register (CommonJS build)', () => {
  let upstream: FakeUpstream;
  let client: ClientProcess;
  let dir: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    const U = `http://127.0.0.1:${upstream.port}/v3`;
    const files = writeUpstreams(`- { base: '${U}', catalog: '${OPENAPI}' }\n`);
    dir = files.dir;
    client = await runClient([
      { via: 'fetch', method: 'GET', url: `${U}/p1/instances`, answer: 503, times: 2 },
      { via: 'http', method: 'POST', url: `${U}/p1/instances`, answer: 413 },
      { via: 'http-fresh', method: 'POST', url: `${U}/p1/instances`, behave: 'reset' },
    ], { FAULTLINE_UPSTREAMS: files.file }, await freePort(), undefined, 'require');
  });

  afterAll(async () => {
    await client?.stop();
    await upstream?.stop();
    if (dir) removeDir(dir);
  });

  it('counts answers and failures exactly', async () => {
    const samples = parseExposition((await request(client.metricsPort, { path: '/metrics' })).body.toString());
    const up = `127.0.0.1:${upstream.port}`;
    expect(byLabels(samples, 'http_client_responses_total', ['upstream', 'method', 'route', 'code', 'documented'])).toEqual({
      [`${up}|GET|/{project_id}/instances|503|true`]: 2,
      [`${up}|POST|/{project_id}/instances|413|true`]: 1,
    });
    expect(byLabels(samples, 'http_client_failed_requests_total', ['upstream', 'method', 'route', 'reason'])).toEqual({
      [`${up}|POST|/{project_id}/instances|reset`]: 1,
    });
  });
});
