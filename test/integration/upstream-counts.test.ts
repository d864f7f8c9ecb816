import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byLabels, parseExposition, select } from '../helpers/exposition.js';
import { freePort } from '../helpers/prometheus.js';
import { request } from '../helpers/net.js';
import { removeDir, runClient, startFakeUpstream, writeUpstreams } from '../helpers/upstream.js';
import type { CallStep, ClientProcess, FakeUpstream } from '../helpers/upstream.js';

// A client under `node --import dist/esm/register.js` with FAULTLINE_UPSTREAMS calls a fake
// upstream modelled on the seed's API with fetch (keep-alive), node:http with a keep-alive
// agent and node:http with a fresh connection per call; the counts are exact by every label.
// Run `npm run build` first.

const OPENAPI = new URL('../fixtures/upstream/rds-openapi.yaml', import.meta.url).pathname;

describe('outbound calls to a listed upstream (OpenAPI catalog)', () => {
  let upstream: FakeUpstream;
  let other: FakeUpstream;
  let client: ClientProcess;
  let dir: string;
  let samples: ReturnType<typeof parseExposition>;
  let up: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    other = await startFakeUpstream();
    up = `127.0.0.1:${upstream.port}`;
    const U = `http://${up}/v3`;
    const files = writeUpstreams(`- base: ${U}\n  catalog: ${OPENAPI}\n`);
    dir = files.dir;
    const plan: CallStep[] = [
      { via: 'fetch', method: 'GET', url: `${U}/p1/instances`, times: 3 },
      { via: 'fetch', method: 'POST', url: `${U}/p1/instances`, answer: 413, times: 2 },
      { via: 'fetch', method: 'GET', url: `${U}/p-2/instances/i-1?token=SECRET`, answer: 503, times: 4 },
      { via: 'fetch', method: 'DELETE', url: `${U}/p1/instances/i-1`, answer: 418 },
      { via: 'fetch', method: 'GET', url: `${U}/p1/unknown/thing`, answer: 404 },
      { via: 'fetch', method: 'PROPFIND', url: `${U}/p1/instances`, answer: 405 },
      { via: 'http', method: 'GET', url: `${U}/p1/instances`, times: 2 },
      { via: 'http', method: 'POST', url: `${U}/p1/backups`, answer: 503, times: 2 },
      { via: 'http', method: 'GET', url: `${U}/p1/instances/i-1`, answer: 500 },
      { via: 'http-fresh', method: 'POST', url: `${U}/p1/instances`, times: 2 },
      { via: 'http-fresh', method: 'GET', url: `${U}/p1/instances/i-9?secret=SECRET`, answer: 404 },
      { via: 'http-fresh', method: 'PATCH', url: `${U}/p1/instances/i-9`, answer: 200 },
      // not counted: another port, another host name for the same server, outside the base's path
      { via: 'fetch', method: 'GET', url: `http://127.0.0.1:${other.port}/v3/p1/instances`, answer: 503, times: 2 },
      { via: 'http', method: 'GET', url: `http://127.0.0.1:${other.port}/v3/p1/instances`, answer: 503 },
      { via: 'fetch', method: 'GET', url: `http://localhost:${upstream.port}/v3/p1/instances`, answer: 503 },
      { via: 'http', method: 'GET', url: `http://${up}/v2/p1/instances`, answer: 503 },
      { via: 'http-fresh', method: 'GET', url: `http://${up}/v30/p1/instances`, answer: 503 },
    ];
    client = await runClient(plan, { FAULTLINE_UPSTREAMS: files.file }, await freePort());
    const scrape = await request(client.metricsPort, { path: '/metrics' });
    expect(scrape.status).toBe(200);
    samples = parseExposition(scrape.body.toString());
  });

  afterAll(async () => {
    await client?.stop();
    await upstream?.stop();
    await other?.stop();
    if (dir) removeDir(dir);
  });

  it('every call got an answer, and the upstreams saw every call', () => {
    expect(client.summary).toEqual({ answered: 27, failed: 0 });
    expect([...upstream.received.values()].reduce((a, b) => a + b, 0)).toBe(24);
    expect([...other.received.values()].reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('counts each answer once by (upstream, method, route, code, category, documented)', () => {
    const keys = ['upstream', 'method', 'route', 'code', 'category', 'documented'];
    expect(byLabels(samples, 'http_client_responses_total', keys)).toEqual({
      [`${up}|GET|/{project_id}/instances|200|success|true`]: 5,
      [`${up}|POST|/{project_id}/instances|413|client_fault|true`]: 2,
      [`${up}|GET|/{project_id}/instances/{instance_id}|503|service_fault|true`]: 4,
      // DELETE documents 202/404/409/503 only
      [`${up}|DELETE|/{project_id}/instances/{instance_id}|418|client_fault|false`]: 1,
      // no template: the document's global list (every code it names) decides
      [`${up}|GET|unmatched|404|client_fault|true`]: 1,
      [`${up}|_OTHER|/{project_id}/instances|405|client_fault|false`]: 1,
      [`${up}|POST|/{project_id}/backups|503|service_fault|true`]: 2,
      [`${up}|GET|/{project_id}/instances/{instance_id}|500|service_fault|true`]: 1,
      [`${up}|POST|/{project_id}/instances|202|success|true`]: 2,
      [`${up}|GET|/{project_id}/instances/{instance_id}|404|client_fault|true`]: 1,
      // PATCH is no operation of the document: its global list decides
      [`${up}|PATCH|/{project_id}/instances/{instance_id}|200|success|true`]: 1,
    });
  });

  it('observes one duration per answer (bodies read to the end)', () => {
    const keys = ['upstream', 'method', 'route', 'code', 'category'];
    const counts = byLabels(samples, 'http_client_response_duration_seconds_count', keys);
    const infBuckets = byLabels(samples, 'http_client_response_duration_seconds_bucket', keys, { le: '+Inf' });
    const responses = byLabels(samples, 'http_client_responses_total', keys);
    expect(counts).toEqual(responses);
    expect(infBuckets).toEqual(responses);
    for (const s of select(samples, 'http_client_response_duration_seconds_sum')) {
      expect(s.value).toBeGreaterThan(0);
      expect(s.value).toBeLessThan(30);
    }
  });

  it('records no failures and nothing for unlisted hosts or paths outside the base', () => {
    expect(select(samples, 'http_client_failed_requests_total')).toEqual([]);
    const upstreams = new Set(select(samples, 'http_client_responses_total').map((s) => s.labels['upstream']));
    expect([...upstreams]).toEqual([up]);
  });

  it('puts no request data in any label', () => {
    for (const s of samples) {
      for (const value of Object.values(s.labels)) {
        expect(value).not.toMatch(/SECRET|token|p-2|i-1|i-9|\?|unknown|thing/);
      }
    }
  });

  it('does not count the server side of the client (it serves nothing but its metrics)', () => {
    expect(select(samples, 'http_server_responses_total')).toEqual([]);
  });
});
