// The configurations every benchmark compares, side by side: each framework bare, with
// faultline, and with the alternatives (installed as dev dependencies).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..');
const register = join(root, 'dist/esm/register.js');
const S = (f) => join(here, 'servers', f);

/**
 * framework, name, node args, env, how to read the count back (faultline's port when counted),
 * and where the alternatives serve their metrics (`scrape`), so that every configuration with an
 * endpoint is scraped once before it is measured, as faultline's are by the count check.
 */
export const CONFIGS = [
  { fw: 'node:http', name: 'bare', argv: [S('node.mjs')], env: { BENCH_MODE: 'bare' } },
  { fw: 'node:http', name: 'faultline/register', argv: ['--import', register, S('node.mjs')], env: { BENCH_MODE: 'bare' }, counted: 'faultline-port' },
  // The same, its metrics endpoint never scraped (the count is checked by the row above): one
  // scrape, a second client's request answered by a second server, sets off deoptimisations in
  // Node's http code (wrong maps, new header names; sending the body as a string did not help)
  // that cost the rest of the process's life ~400 instructions per response under callgrind
  // (docs/performance.md).
  { fw: 'node:http', name: 'faultline/register, metrics never scraped', argv: ['--import', register, S('node.mjs')], env: { BENCH_MODE: 'bare' } },
  // Bare node:http with one request from a second client (fetch) after its warm-up, as the
  // scraped configurations get: what that alone does to Node's http code (it stops inlining
  // the ServerResponse constructor), which any service pays once it has more than one client.
  { fw: 'node:http', name: 'bare, one fetch() after the warm-up', argv: [S('node.mjs')], env: { BENCH_MODE: 'bare' }, scrape: { port: 'app', path: '/v3/p/instances' } },
  // Bare node:http with a second server in the process (bench/servers/second-server.mjs), asked
  // once after the warm-up as faultline's metrics endpoint is by the first scrape: what a second
  // server's first request does to Node's http code, with no instrumentation at all.
  { fw: 'node:http', name: 'bare, a second server asked once after the warm-up', argv: ['--import', S('second-server.mjs'), S('node.mjs')], env: { BENCH_MODE: 'bare' }, scrape: { port: 'metrics', path: '/metrics' } },
  // The same process with faultline imported (`import 'faultline'`) but nothing started: what
  // loading its code does to Node's http code by itself, apart from what faultline does per
  // response (an ES module tree of ~150 modules cost ~1,000-1,500 instructions per response;
  // the package's import entry now wraps the CommonJS build).
  { fw: 'node:http', name: "faultline's modules loaded, not started", argv: ['--import', S('loaded.mjs'), S('node.mjs')], env: { BENCH_MODE: 'bare' } },
  // Node's two HTTP server channels with empty subscribers: the floor of any hook built on them.
  { fw: 'node:http', name: 'two empty diagnostics_channel subscribers', argv: ['--import', S('channels.mjs'), S('node.mjs')], env: { BENCH_MODE: 'bare' } },
  // The least a hook on those channels can do for a counter + histogram by status code: the
  // reference for faultline/register's own work (bench/cache.mjs).
  { fw: 'node:http', name: 'the least channel hook (count + histogram by code)', argv: ['--import', S('least-hook.mjs'), S('node.mjs')], env: { BENCH_MODE: 'bare' } },
  // The same counter + histogram seeing responses by patching `emit` on http.Server and
  // ServerResponse instead of through the channels: whether a hook without channel messages
  // would be cheaper (faultline does not patch; its contract is diagnostics_channel).
  { fw: 'node:http', name: 'the least emit-patching hook (count + histogram by code)', argv: ['--import', S('emit-hook.mjs'), S('node.mjs')], env: { BENCH_MODE: 'bare' } },
  { fw: 'node:http', name: 'prom-client by hand', argv: [S('node.mjs')], env: { BENCH_MODE: 'prom-client' }, scrape: { port: 'metrics', path: '/metrics' } },
  { fw: 'node:http', name: 'OpenTelemetry http', argv: [S('node-otel.cjs')], env: {}, scrape: { port: 'metrics', path: '/metrics' } },
  { fw: 'express', name: 'bare', argv: [S('express.mjs')], env: { BENCH_MODE: 'bare' } },
  { fw: 'express', name: 'faultline', argv: [S('express.mjs')], env: { BENCH_MODE: 'faultline' }, counted: 'metrics-port' },
  { fw: 'express', name: 'an empty middleware', argv: [S('express.mjs')], env: { BENCH_MODE: 'empty-middleware' } },
  { fw: 'express', name: 'express-prom-bundle', argv: [S('express.mjs')], env: { BENCH_MODE: 'express-prom-bundle' }, scrape: { port: 'app', path: '/__metrics' } },
  { fw: 'fastify', name: 'bare', argv: [S('fastify.mjs')], env: { BENCH_MODE: 'bare' } },
  { fw: 'fastify', name: 'faultline', argv: [S('fastify.mjs')], env: { BENCH_MODE: 'faultline' }, counted: 'metrics-port' },
  { fw: 'fastify', name: 'bare, a second server asked once after the warm-up', argv: ['--import', S('second-server.mjs'), S('fastify.mjs')], env: { BENCH_MODE: 'bare' }, scrape: { port: 'metrics', path: '/metrics' } },
  { fw: 'fastify', name: 'an empty onRequest hook', argv: [S('fastify.mjs')], env: { BENCH_MODE: 'empty-hook' } },
  { fw: 'fastify', name: 'fastify-metrics', argv: [S('fastify.mjs')], env: { BENCH_MODE: 'fastify-metrics' }, scrape: { port: 'app', path: '/__metrics' } },
  { fw: 'koa', name: 'bare', argv: [S('koa.mjs')], env: { BENCH_MODE: 'bare' } },
  { fw: 'koa', name: 'faultline', argv: [S('koa.mjs')], env: { BENCH_MODE: 'faultline' }, counted: 'metrics-port' },
  { fw: 'koa', name: 'bare, a second server asked once after the warm-up', argv: ['--import', S('second-server.mjs'), S('koa.mjs')], env: { BENCH_MODE: 'bare' }, scrape: { port: 'metrics', path: '/metrics' } },
  { fw: 'koa', name: 'an empty middleware', argv: [S('koa.mjs')], env: { BENCH_MODE: 'empty-middleware' } },
];

/** The configurations whose `framework name` matches `only` (a RegExp), or all. */
export function selected(only) {
  return CONFIGS.filter((c) => !only || only.test(`${c.fw} ${c.name}`));
}

/** The environment of a benchmark server. */
export function serverEnv(config, port, metricsPort) {
  return { ...process.env, ...config.env, PORT: String(port), METRICS_PORT: String(metricsPort), FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1', NODE_ENV: 'production' };
}
