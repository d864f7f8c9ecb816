import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countsOf, sendSteps, startChild } from '../helpers/adapters.js';
import type { Step } from '../helpers/adapters.js';
import { request } from '../helpers/net.js';

// The README's examples, run as a user would (`node examples/x.mjs` after `npm run build`).
const EXAMPLES = join(import.meta.dirname, '../../examples');

/** `app http://127.0.0.1:PORT  metrics http://127.0.0.1:PORT/metrics` */
function ports(line: string): Record<string, number> {
  const m = /^app http:\/\/127\.0\.0\.1:(\d+) {2}metrics http:\/\/127\.0\.0\.1:(\d+)\/metrics$/.exec(line);
  if (m === null) throw new Error(`unexpected first line: ${line}`);
  return { app: Number(m[1]), metrics: Number(m[2]) };
}

const PLAN: readonly Step[] = [
  { method: 'GET', path: '/v3/p1/instances/i1', times: 2, status: 200 },
  { method: 'GET', path: '/v3/p2/instances/i9?fields=all', times: 1, status: 200 },
  { method: 'POST', path: '/v3/p1/instances', times: 1, status: 202 },
  { method: 'DELETE', path: '/v3/p1/instances/i1', times: 1, status: 409 },
  { method: 'GET', path: '/wp-login.php?x=1', times: 1, status: 404 },
];

function expected(instance: string, collection: string): Record<string, number> {
  return {
    [`GET|${instance}|200|success|true`]: 3,
    [`POST|${collection}|202|success|true`]: 1,
    [`DELETE|${instance}|409|client_fault|true`]: 1,
    'GET|unmatched|404|client_fault|true': 1,
  };
}

const COLON = expected('/v3/:project_id/instances/:instance_id', '/v3/:project_id/instances');

describe('examples/ run with node and count exactly', () => {
  it.each([
    ['express.mjs', COLON],
    ['fastify.mjs', COLON],
    ['koa.mjs', COLON],
    ['node-http.mjs', expected('/v3/{project_id}/instances/{instance_id}', '/v3/{project_id}/instances')],
  ])('%s', async (file, counts) => {
    const child = await startChild(join(EXAMPLES, file), { env: { PORT: '0', METRICS_PORT: '0' }, parse: ports, timeoutMs: 30_000 });
    try {
      await sendSteps(child.ports['app']!, PLAN);
      const scrape = await request(child.ports['metrics']!, { path: '/metrics' });
      expect(scrape.status).toBe(200);
      expect(countsOf(scrape.body.toString())).toEqual(counts);
    } finally {
      await child.stop();
    }
  });
});
