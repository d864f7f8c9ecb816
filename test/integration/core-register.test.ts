import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { byLabels, parseExposition, total } from '../helpers/exposition.js';
import { request, waitFor } from '../helpers/net.js';
import { expectedByCode, sendPlan } from '../helpers/plan.js';
import { freePort } from '../helpers/prometheus.js';
import { CJS_REGISTER, ESM_REGISTER, startApp } from '../helpers/app.js';


const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

beforeAll(() => {
  const built = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(CJS_REGISTER)})`], { env: { ...process.env, FAULTLINE_PORT: 'x' } });
  if (built.status === null) throw new Error('dist/ is missing: run npm run build');
});

describe.each([['--import'], ['--require']] as const)('zero-code attach with %s', (flag) => {
  it('counts the plan exactly and serves it on FAULTLINE_PORT', async () => {
    const metricsPort = await freePort();
    const app = await startApp(flag, { FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1' });
    children.push(app.child);
    await sendPlan(app.port);
    const scrape = await waitFor(async () => {
      const a = await request(metricsPort, { path: '/metrics' });
      const s = parseExposition(a.body.toString());
      return total(s, 'http_server_responses_total') === 500 ? s : undefined;
    }, 5000, 'the plan to be counted');
    expect(byLabels(scrape, 'http_server_responses_total', ['method', 'code', 'category', 'documented'])).toEqual(expectedByCode());
    expect(app.stderr()).toBe('');
  });

  it('honours FAULTLINE_PATH and FAULTLINE_TOKEN', async () => {
    const metricsPort = await freePort();
    const app = await startApp(flag, { FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1', FAULTLINE_PATH: '/internal/metrics', FAULTLINE_TOKEN: 'token-123456' });
    children.push(app.child);
    await request(app.port, { path: '/code/503' });
    // The endpoint's thread listens ~50 ms after start-up, maybe after the application.
    expect((await waitFor(() => request(metricsPort, { path: '/metrics' }), 5000, 'the metrics endpoint')).status).toBe(404);
    expect((await request(metricsPort, { path: '/internal/metrics' })).status).toBe(401);
    const ok = await request(metricsPort, { path: '/internal/metrics', headers: { authorization: 'Bearer token-123456' } });
    expect(byLabels(parseExposition(ok.body.toString()), 'http_server_responses_total', ['code', 'category'])).toEqual({ '503|service_fault': 1 });
  });

  it('keeps the service running when the metrics port is taken, and says so once', async () => {
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
    const app = await startApp(flag, { FAULTLINE_PORT: String(taken), FAULTLINE_HOST: '127.0.0.1' });
    children.push(app.child);
    expect((await request(app.port, { path: '/code/200' })).status).toBe(200);
    await waitFor(() => (app.stderr() ? true : undefined), 3000, 'the log line');
    expect(app.stderr()).toBe(`faultline: metrics_server: metrics endpoint not started on 127.0.0.1:${taken} (EADDRINUSE); the service keeps running without it (counted in faultline_internal_errors_total; further ones are not logged)\n`);
    blocker.close();
  });
});

describe('bad configuration stops start-up with one line naming the variable', () => {
  it.each([
    [{ FAULTLINE_PORT: 'abc' }, 'faultline: FAULTLINE_PORT="abc" is not a port number (0-65535)\n'],
    [{ FAULTLINE_HOST: 'no such host' }, 'faultline: FAULTLINE_HOST="no such host" is not a host name or address\n'],
    [{ FAULTLINE_PATH: 'metrics' }, 'faultline: FAULTLINE_PATH="metrics" must be a path starting with "/" without spaces, "?" or "#"\n'],
    [{ FAULTLINE_LANG: '??' }, 'faultline: FAULTLINE_LANG="??" is not a language tag such as "en" or "zh"\n'],
    [{ FAULTLINE_TOKEN: 'short' }, 'faultline: FAULTLINE_TOKEN="***" must be at least 8 characters without spaces\n'],
    [{ FAULTLINE_EXPORTER: 'statsd' }, 'faultline: FAULTLINE_EXPORTER="statsd" must be "prometheus" or "otel"\n'],
    [{ FAULTLINE_ENDPOINT_THREAD: 'off' }, 'faultline: FAULTLINE_ENDPOINT_THREAD="off" must be "true" or "false"\n'],
    [{ FAULTLINE_SERIES_LIMIT: 'lots' }, 'faultline: FAULTLINE_SERIES_LIMIT="lots" is not a positive integer\n'],
    [{ FAULTLINE_CATALOG: '/nonexistent/catalog.yaml' }, 'faultline: FAULTLINE_CATALOG: catalog /nonexistent/catalog.yaml: cannot read the file (ENOENT)\n'],
  ])('%o', (env, message) => {
    for (const [flag, register] of [['--import', ESM_REGISTER], ['--require', CJS_REGISTER]] as const) {
      const r = spawnSync(process.execPath, [flag, register, '-e', 'console.log("app ran")'], { env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(message);
      expect(r.stdout).toBe('');
    }
  });
});

describe('faultline/register through NODE_OPTIONS', () => {
  it("is not loaded again in the endpoint's own thread (Node applies NODE_OPTIONS to worker threads)", async () => {
    const metricsPort = await freePort();
    const probe = join(import.meta.dirname, '../fixtures/core/thread-probe.cjs');
    const child = spawn(process.execPath, [join(import.meta.dirname, '../fixtures/core/app.cjs')], {
      env: { ...process.env, NODE_OPTIONS: `--require "${probe}" --require "${CJS_REGISTER}"`, FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString().split('\n')[0]!) as { port: number }).port)));
    await request(port, { path: '/code/503' });
    const scrape = await waitFor(async () => {
      const s = parseExposition((await request(metricsPort, { path: '/metrics' })).body.toString());
      return total(s, 'http_server_responses_total') === 1 ? s : undefined;
    }, 5000, 'the response to be counted');
    expect(byLabels(scrape, 'http_server_responses_total', ['code', 'category'])).toEqual({ '503|service_fault': 1 });
    expect(stderr).toBe('preload: main thread\n');
  });
});
