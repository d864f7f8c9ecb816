// The demo's service and its upstream, in-process with real servers on 127.0.0.1: a fixed plan of
// requests is counted exactly, on the server side and (through fl.upstream) on the client side,
// and `faultline top`'s model reads the same numbers back from the exposition.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { demoUpstreamCatalog } from '../../src/demo/api.js';
import { startDemoService } from '../../src/demo/service.js';
import { startUpstream } from '../../src/demo/upstream.js';
import { TopModel } from '../../src/top/model.js';
import { parseExposition } from '../../src/top/parse.js';
import { byLabels, parseExposition as samplesOf, total } from '../helpers/exposition.js';
import { close, pool, request, waitFor } from '../helpers/net.js';

let fl: Faultline;
let upstream: http.Server;
let service: http.Server;
let port: number;
let upstreamPort: number;

beforeAll(async () => {
  fl = createFaultline({});
  upstream = await startUpstream();
  upstreamPort = (upstream.address() as AddressInfo).port;
  fl.upstream({ base: `http://127.0.0.1:${upstreamPort}/v3`, catalog: demoUpstreamCatalog() });
  service = await startDemoService(fl, { upstream: `http://127.0.0.1:${upstreamPort}` });
  port = (service.address() as AddressInfo).port;
});

afterAll(async () => {
  await close(service);
  await close(upstream);
  await fl.close();
});

describe('the demo service', () => {
  it('answers and counts a fixed plan exactly, with its upstream calls as client series', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    type Plan = [method: string, path: string, fault: number | undefined, upstreamFault: number | undefined, times: number];
    const plan: Plan[] = [
      ['GET', '/v3/p1/instances', undefined, undefined, 40], // 200, no upstream call
      ['POST', '/v3/p1/instances', undefined, 503, 20], // 202; upstream answers 503
      ['POST', '/v3/p1/instances', 413, undefined, 5], // 413; upstream 202
      ['GET', '/v3/p1/instances/i1', 418, 502, 3], // undocumented 418; upstream undocumented 502
      ['GET', '/v3/p1/backups', 503, undefined, 7], // 503, no upstream call
      ['PUT', '/v3/p1/backups', undefined, undefined, 2], // 405
      ['GET', '/v3/p1/nothing-here', undefined, undefined, 4], // 404, route unmatched
    ];
    const tasks = plan.flatMap(([method, path, fault, upstreamFault, times]) =>
      Array.from({ length: times }, () => async () => {
        const headers: Record<string, string> = {};
        if (fault !== undefined) headers['x-demo-fault'] = String(fault);
        if (upstreamFault !== undefined) headers['x-demo-upstream-fault'] = String(upstreamFault);
        return (await request(port, { method, path, headers, agent })).status;
      }),
    );
    const statuses = await pool(8, tasks);
    agent.destroy();
    expect(statuses.filter((s) => s === 202)).toHaveLength(20);

    // the service answers after its upstream call ended; give the client-side count the same chance
    const text = await waitFor(async () => {
      const t = await fl.metrics();
      return total(samplesOf(t), 'http_client_responses_total') === 28 ? t : undefined;
    }, 5000, '28 upstream answers counted');
    const samples = samplesOf(text);
    expect(byLabels(samples, 'http_server_responses_total', ['method', 'route', 'code', 'documented'])).toEqual({
      'GET|/v3/{project_id}/instances|200|true': 40,
      'POST|/v3/{project_id}/instances|202|true': 20,
      'POST|/v3/{project_id}/instances|413|true': 5,
      'GET|/v3/{project_id}/instances/{instance_id}|418|false': 3,
      'GET|/v3/{project_id}/backups|503|true': 7,
      'PUT|/v3/{project_id}/backups|405|true': 2,
      'GET|unmatched|404|true': 4,
    });
    const upstreamLabel = `127.0.0.1:${upstreamPort}`;
    expect(byLabels(samples, 'http_client_responses_total', ['method', 'upstream', 'route', 'code', 'category', 'documented'])).toEqual({
      [`POST|${upstreamLabel}|/{project_id}/instances|503|service_fault|true`]: 20,
      [`POST|${upstreamLabel}|/{project_id}/instances|202|success|true`]: 5,
      [`GET|${upstreamLabel}|/{project_id}/instances/{instance_id}|502|service_fault|false`]: 3,
    });
    expect(total(samples, 'http_client_failed_requests_total')).toBe(0);

    // what `faultline top` makes of it: totals per code, shares come with the next scrape
    const view = new TopModel().update(parseExposition(text), 0);
    expect(view.rows.map((r) => [r.code, r.category, r.total, r.documented])).toEqual([
      ['200', 'success', 40, true],
      ['202', 'success', 20, true],
      ['404', 'client_fault', 4, true],
      ['405', 'client_fault', 2, true],
      ['413', 'client_fault', 5, true],
      ['418', 'client_fault', 3, false],
      ['503', 'service_fault', 7, true],
    ]);
    expect(view.upstreams.map((u) => [u.upstream, u.mix.total, u.rows.map((r) => `${r.code}:${r.total}`)])).toEqual([[upstreamLabel, 28, ['202:5', '502:3', '503:20']]]);
  });
});
