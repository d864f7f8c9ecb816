import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, total } from '../helpers/exposition.js';
import { request, waitFor } from '../helpers/net.js';
import { MIXED_PLAN, expectedByCode, sendPlan } from '../helpers/plan.js';
import { findBinary, freePort, promtool, startPrometheus } from '../helpers/prometheus.js';
import type { PrometheusServer } from '../helpers/prometheus.js';
import { startApp } from '../helpers/app.js';

const prometheus = findBinary('prometheus');
const promtoolBin = findBinary('promtool');

describe.skipIf(!prometheus || !promtoolBin)('a real Prometheus scraping the register endpoint', () => {
  let app: { child: ChildProcess; port: number };
  let metricsPort: number;
  let prom: PrometheusServer;

  beforeAll(async () => {
    metricsPort = await freePort();
    app = await startApp('--import', { FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1' });
    prom = await startPrometheus(prometheus!, { jobs: { core: [`127.0.0.1:${metricsPort}`] } });
  });
  afterAll(async () => {
    app?.child.kill('SIGKILL');
    await prom?.stop();
  });

  it('sum by (code, category, documented) equals the plan exactly', async () => {
    await sendPlan(app.port);
    const expected: Record<string, number> = {};
    for (const [key, n] of Object.entries(expectedByCode(MIXED_PLAN))) {
      const [, code, category, documented] = key.split('|');
      const k = `${code}|${category}|${documented}`;
      expected[k] = (expected[k] ?? 0) + n;
    }
    const result = await waitFor(async () => {
      const r = await prom.query('sum by (code, category, documented) (http_server_responses_total{job="core"})');
      const sum = r.reduce((a, s) => a + Number(s.value[1]), 0);
      return sum === 500 ? r : undefined;
    }, 20_000, 'Prometheus to see all 500 responses');
    const got: Record<string, number> = {};
    for (const s of result) got[`${s.metric['code']}|${s.metric['category']}|${s.metric['documented']}`] = Number(s.value[1]);
    expect(got).toEqual(expected);
    const info = await prom.query('count(http_status_code_info{job="core"})');
    expect(Number(info[0]!.value[1])).toBe(14);
    // Prometheus negotiated OpenMetrics (its Accept header prefers it) and stored every series
    const up = await prom.query('up{job="core"}');
    expect(up[0]!.value[1]).toBe('1');
  });

  it('promtool check metrics accepts the text exposition; OpenMetrics ends with # EOF', async () => {
    const text = (await request(metricsPort, { path: '/metrics' })).body.toString();
    expect(total(parseExposition(text), 'http_server_responses_total')).toBe(500);
    const checked = promtool(promtoolBin!, ['check', 'metrics'], text);
    expect(checked).toEqual({ code: 0, output: '' });
    const om = await request(metricsPort, { path: '/metrics', headers: { accept: 'application/openmetrics-text;version=1.0.0' } });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body.toString().endsWith('\n# EOF\n')).toBe(true);
  });
});
