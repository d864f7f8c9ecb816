import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pool, request, waitFor } from '../helpers/net.js';
import { findBinary, freePort, startPrometheus } from '../helpers/prometheus.js';
import type { PrometheusServer } from '../helpers/prometheus.js';
import { startApp } from '../helpers/app.js';

// Two instances of one service (an ES module one under --import, a CommonJS one under
// --require, each with its own FAULTLINE_PORT) scraped by one real Prometheus as one job:
// aggregation by job sums both. Run `npm run build` first.

const prometheus = findBinary('prometheus');
const RULES = join(import.meta.dirname, '../../alerts/faultline.rules.yml');
const JOB = 'svc';

type Plan = Record<number, number>;
const PLANS: Record<'a' | 'b', [Plan, Plan]> = {
  // [before the first scrape that sees them, after it] so that rates have two samples
  a: [{ 200: 60, 404: 20, 503: 10 }, { 200: 60, 404: 20, 503: 10, 500: 5 }],
  b: [{ 200: 40, 500: 15, 404: 5 }, { 200: 40, 500: 15, 404: 5, 503: 5 }],
};

function paths(plan: Plan): string[] {
  return Object.entries(plan).flatMap(([code, n]) => Array.from({ length: n }, () => `/code/${code}`));
}

function sum(...plans: Plan[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of plans) for (const [code, n] of Object.entries(p)) out[code] = (out[code] ?? 0) + n;
  return out;
}

describe.skipIf(!prometheus)('many instances of one service, one Prometheus job', () => {
  const apps: { child: ChildProcess; port: number; metricsPort: number }[] = [];
  let prom: PrometheusServer;

  beforeAll(async () => {
    for (const flag of ['--import', '--require'] as const) {
      const metricsPort = await freePort();
      const app = await startApp(flag, { FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1' });
      apps.push({ ...app, metricsPort });
    }
    prom = await startPrometheus(prometheus!, {
      jobs: { [JOB]: apps.map((a) => `127.0.0.1:${a.metricsPort}`) },
      // The bundled rules, when they are there: their job-level recording rules must sum both.
      ruleFiles: existsSync(RULES) ? [RULES] : [],
    });
  });
  afterAll(async () => {
    for (const app of apps) app.child.kill('SIGKILL');
    await prom?.stop();
  });

  async function byJobAndCode(): Promise<Record<string, number>> {
    const result = await prom.query(`sum by (job, code) (http_server_responses_total{job="${JOB}"})`);
    return Object.fromEntries(result.map((s) => [s.metric['code']!, Number(s.value[1])]));
  }

  async function scalarAt(expr: string, time: number): Promise<number> {
    const data = await prom.api<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${time}`);
    if (data.result.length !== 1) throw new Error(`${expr} at ${time}: ${data.result.length} series`);
    return Number(data.result[0]!.value[1]);
  }

  it('sum by (job, code) equals the sum of both plans exactly; rates and increases by job add both instances', async () => {
    const [a, b] = apps as [(typeof apps)[0], (typeof apps)[0]];
    for (const phase of [0, 1] as const) {
      await pool(10, [...paths(PLANS.a[phase]).map((p) => () => request(a.port, { path: p })), ...paths(PLANS.b[phase]).map((p) => () => request(b.port, { path: p }))]);
      const expected = phase === 0 ? sum(PLANS.a[0], PLANS.b[0]) : sum(...PLANS.a, ...PLANS.b);
      const got = await waitFor(async () => {
        const now = await byJobAndCode();
        return JSON.stringify(Object.entries(now).sort()) === JSON.stringify(Object.entries(expected).sort()) ? now : undefined;
      }, 20_000, `Prometheus to see phase ${phase + 1} of both instances`);
      expect(got).toEqual(expected);
    }
    // Both instances are there, as two series of one job.
    const instances = await prom.query(`count by (instance) (http_server_responses_total{job="${JOB}"})`);
    expect(instances.map((s) => s.metric['instance']).sort()).toEqual(apps.map((x) => `127.0.0.1:${x.metricsPort}`).sort());

    // rate() and increase() by job at one evaluation time = the sum of the two instances' own.
    const t = Date.now() / 1000;
    for (const fn of ['rate', 'increase']) {
      const byJob = await scalarAt(`sum by (job) (${fn}(http_server_responses_total{job="${JOB}"}[5m]))`, t);
      const perInstance = await Promise.all(apps.map((x) => scalarAt(`sum(${fn}(http_server_responses_total{job="${JOB}",instance="127.0.0.1:${x.metricsPort}"}[5m]))`, t)));
      expect(perInstance.every((v) => v > 0)).toBe(true);
      expect(byJob).toBeCloseTo(perInstance[0]! + perInstance[1]!, 9);
    }
  });

  it.skipIf(!existsSync(RULES))('the bundled job-level recording rule sums both instances', async () => {
    // The recorded sample and the fresh expression, both at the rule's own evaluation time.
    const checked = await waitFor(async () => {
      const stamp = await prom.query(`timestamp(job:http_server_responses:rate5m{job="${JOB}"})`);
      if (stamp.length !== 1) return undefined;
      const t = Number(stamp[0]!.value[1]);
      const recorded = await scalarAt(`job:http_server_responses:rate5m{job="${JOB}"}`, t);
      const perInstance = await Promise.all(apps.map((x) => scalarAt(`sum(rate(http_server_responses_total{job="${JOB}",instance="127.0.0.1:${x.metricsPort}"}[5m]))`, t)));
      // A scrape ingested just after the rule ran can differ at the same timestamp: try again.
      return perInstance.every((v) => v > 0) && Math.abs(recorded - (perInstance[0]! + perInstance[1]!)) < 1e-9 ? { recorded, perInstance } : undefined;
    }, 15_000, 'job:http_server_responses:rate5m to equal the sum of both instances');
    expect(checked.recorded).toBeCloseTo(checked.perInstance[0]! + checked.perInstance[1]!, 9);
  });
});
