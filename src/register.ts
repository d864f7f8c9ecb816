/**
 * Zero-code attach: `node --import faultline/register app.js` (ESM) or
 * `node --require faultline/register app.js` (CommonJS). Counts every node:http/https server of
 * the process and serves the metrics on FAULTLINE_PORT, configured by FAULTLINE_* variables.
 * A bad variable stops start-up with one line naming it; a taken port is logged once and the
 * service keeps running.
 */
import { ConfigError, optionsFromEnv } from './config.js';
import { CatalogError } from './catalog/errors.js';
import { UpstreamsError } from './upstream/file.js';
import { createFaultline } from './faultline.js';
import type { Faultline } from './faultline.js';
import { REGISTERED_KEY } from './registered.js';
import { attachCluster } from './exporter/cluster.js';

function fail(message: string): never {
  process.stderr.write(`faultline: ${message}\n`);
  process.exit(1);
}

function start(): void {
  const g = globalThis as { [REGISTERED_KEY]?: Faultline };
  if (g[REGISTERED_KEY] !== undefined) return; // loaded twice (ESM + CommonJS): one instance
  let fl: Faultline;
  try {
    const options = optionsFromEnv(process.env);
    fl = createFaultline({ ...options, attachAll: true });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    if (err instanceof UpstreamsError) fail(`FAULTLINE_UPSTREAMS: ${err.message}`);
    if (err instanceof CatalogError) fail(`FAULTLINE_CATALOG: ${err.message}`);
    fail(err instanceof Error ? err.message : String(err));
  }
  g[REGISTERED_KEY] = fl;
  // FAULTLINE_EXPORTER=otel: the service's OpenTelemetry SDK exports; open no port.
  if (fl.options.exporter === 'otel') return;
  // Node cluster: a worker answers the primary's snapshot requests and never binds
  // FAULTLINE_PORT; the primary's endpoint serves the totals of all of them.
  if (attachCluster(fl).role === 'worker') return;
  const port = fl.options.port ?? 9464;
  fl.listen(port).catch((err: NodeJS.ErrnoException) => {
    fl.fault('metrics_server', new Error(`metrics endpoint not started on ${fl.options.host}:${port} (${err.code ?? err.message}); the service keeps running without it`));
  });
}

start();
