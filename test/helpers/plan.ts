import http from 'node:http';
import { pool, request } from './net.js';

/** One kind of request of a test plan. */
export interface PlanItem {
  method: string;
  code: number;
  count: number;
}

/**
 * The mixed plan of the core tests: documented and undocumented codes, 999 (invalid), and an
 * unusual method (PROPFIND -> _OTHER). 500 requests in all.
 */
export const MIXED_PLAN: readonly PlanItem[] = [
  { method: 'GET', code: 200, count: 200 },
  { method: 'POST', code: 202, count: 60 },
  { method: 'GET', code: 404, count: 50 },
  { method: 'POST', code: 413, count: 20 },
  { method: 'PUT', code: 409, count: 20 },
  { method: 'GET', code: 500, count: 30 },
  { method: 'GET', code: 503, count: 40 },
  { method: 'GET', code: 418, count: 25 },
  { method: 'DELETE', code: 429, count: 15 },
  { method: 'GET', code: 302, count: 10 },
  { method: 'GET', code: 999, count: 10 },
  { method: 'PROPFIND', code: 207, count: 20 },
];

/** Sends the plan to `/code/<n>` of a server: half over keep-alive, half with Connection: close. */
export async function sendPlan(port: number, plan: readonly PlanItem[] = MIXED_PLAN): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const tasks: (() => Promise<unknown>)[] = [];
  for (const item of plan) {
    for (let i = 0; i < item.count; i++) {
      const keepAlive = i % 2 === 0;
      tasks.push(() => request(port, { method: item.method, path: `/code/${item.code}?i=${i}`, agent: keepAlive ? agent : false, headers: keepAlive ? {} : { connection: 'close' } }));
    }
  }
  try {
    const answers = (await pool(40, tasks)) as { status: number }[];
    if (answers.length !== tasks.length) throw new Error('lost answers');
  } finally {
    agent.destroy();
  }
}

/** Expected `http_server_responses_total` by `method|code|category|documented`. */
export function expectedByCode(plan: readonly PlanItem[] = MIXED_PLAN): Record<string, number> {
  const documented = new Set([200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 501, 503]);
  const category = (c: number): string =>
    c < 100 || c > 599 ? 'invalid' : c < 200 ? 'informational' : c < 300 ? 'success' : c < 400 ? 'redirection' : c < 500 ? 'client_fault' : 'service_fault';
  const out: Record<string, number> = {};
  for (const item of plan) {
    const method = item.method === 'PROPFIND' ? '_OTHER' : item.method;
    const key = `${method}|${item.code}|${category(item.code)}|${documented.has(item.code)}`;
    out[key] = (out[key] ?? 0) + item.count;
  }
  return out;
}
