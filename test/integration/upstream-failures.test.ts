import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byLabels, parseExposition, select } from '../helpers/exposition.js';
import { freePort } from '../helpers/prometheus.js';
import { request } from '../helpers/net.js';
import { removeDir, runClient, startFakeUpstream, writeUpstreams } from '../helpers/upstream.js';
import type { CallStep, ClientProcess, FakeUpstream } from '../helpers/upstream.js';

// Calls that get no response count once each in http_client_failed_requests_total with their
// reason: connection refused, timeouts (AbortSignal.timeout, node:http's timeout option),
// resets (the upstream destroys the socket) and aborts (AbortController), with fetch and
// node:http. Run `npm run build` first.

const OPENAPI = new URL('../fixtures/upstream/rds-openapi.yaml', import.meta.url).pathname;

describe('outbound calls that get no response', () => {
  let upstream: FakeUpstream;
  let client: ClientProcess;
  let dir: string;
  let samples: ReturnType<typeof parseExposition>;
  let up: string;
  let dead: string;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    up = `127.0.0.1:${upstream.port}`;
    dead = `127.0.0.1:${await freePort()}`; // nothing listens there
    const U = `http://${up}/v3`;
    const D = `http://${dead}/v3`;
    const files = writeUpstreams(`- base: ${U}\n  catalog: ${OPENAPI}\n- { base: '${D}', catalog: '${OPENAPI}' }\n`);
    dir = files.dir;
    const plan: CallStep[] = [
      // connection refused
      { via: 'fetch', method: 'GET', url: `${D}/p1/instances` },
      { via: 'http', method: 'GET', url: `${D}/p1/instances/i-1` },
      { via: 'http-fresh', method: 'POST', url: `${D}/p1/instances` },
      // timeouts: the upstream answers after 3 s, the caller gives up after 150 ms
      { via: 'fetch', method: 'GET', url: `${U}/p1/instances`, behave: 'slow', cancel: 'signal-timeout' },
      { via: 'http', method: 'GET', url: `${U}/p1/instances`, behave: 'slow', cancel: 'signal-timeout' },
      { via: 'http-fresh', method: 'GET', url: `${U}/p1/instances/i-1`, behave: 'slow', cancel: 'timeout-option' },
      // resets: the upstream destroys the socket before answering
      { via: 'fetch', method: 'POST', url: `${U}/p1/instances`, behave: 'reset' },
      { via: 'http', method: 'POST', url: `${U}/p1/instances`, behave: 'reset' },
      { via: 'http-fresh', method: 'DELETE', url: `${U}/p1/instances/i-1`, behave: 'reset' },
      // aborted by the caller
      { via: 'fetch', method: 'GET', url: `${U}/p1/instances/i-2?key=SECRET`, behave: 'hang', cancel: 'abort' },
      { via: 'http', method: 'POST', url: `${U}/p1/backups`, behave: 'hang', cancel: 'abort' },
      // and two answered calls on the same connections afterwards
      { via: 'fetch', method: 'GET', url: `${U}/p1/instances`, answer: 200 },
      { via: 'http', method: 'GET', url: `${U}/p1/instances`, answer: 503 },
    ];
    client = await runClient(plan, { FAULTLINE_UPSTREAMS: files.file }, await freePort());
    const scrape = await request(client.metricsPort, { path: '/metrics' });
    expect(scrape.status).toBe(200);
    samples = parseExposition(scrape.body.toString());
  });

  afterAll(async () => {
    await client?.stop();
    await upstream?.stop();
    if (dir) removeDir(dir);
  });

  it('the client saw 11 failures and 2 answers', () => {
    expect(client.summary).toEqual({ answered: 2, failed: 11 });
  });

  it('counts each failure once with its reason', () => {
    expect(byLabels(samples, 'http_client_failed_requests_total', ['upstream', 'method', 'route', 'reason'])).toEqual({
      [`${dead}|GET|/{project_id}/instances|connect`]: 1,
      [`${dead}|GET|/{project_id}/instances/{instance_id}|connect`]: 1,
      [`${dead}|POST|/{project_id}/instances|connect`]: 1,
      [`${up}|GET|/{project_id}/instances|timeout`]: 2,
      [`${up}|GET|/{project_id}/instances/{instance_id}|timeout`]: 1,
      [`${up}|POST|/{project_id}/instances|reset`]: 2,
      [`${up}|DELETE|/{project_id}/instances/{instance_id}|reset`]: 1,
      [`${up}|GET|/{project_id}/instances/{instance_id}|aborted`]: 1,
      [`${up}|POST|/{project_id}/backups|aborted`]: 1,
    });
  });

  it('counts no response for a failed call, and the answers after them exactly', () => {
    expect(byLabels(samples, 'http_client_responses_total', ['upstream', 'method', 'route', 'code', 'category', 'documented'])).toEqual({
      [`${up}|GET|/{project_id}/instances|200|success|true`]: 1,
      [`${up}|GET|/{project_id}/instances|503|service_fault|true`]: 1,
    });
  });

  it('puts no request data in any label and counts no internal error', () => {
    for (const s of samples) for (const value of Object.values(s.labels)) expect(value).not.toMatch(/SECRET|key|i-1|i-2|p1/);
    expect(select(samples, 'faultline_internal_errors_total')).toEqual([]);
  });
});
