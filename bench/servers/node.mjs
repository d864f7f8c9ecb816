// node:http: bare, under `--import faultline/register` (same script), or with alternatives,
// chosen by BENCH_MODE: bare | prom-client (OpenTelemetry's instrumentation: node-otel.cjs).
import http from 'node:http';
import { route, BODY } from './routes.mjs';

const mode = process.env.BENCH_MODE ?? 'bare';
let onResponse = null;
let metricsServer = null;

if (mode === 'prom-client') {
  // The hand-written baseline the issue quotes: one counter + one histogram, labels per response.
  const client = await import('prom-client');
  const registry = new client.Registry();
  const counter = new client.Counter({ name: 'http_requests_total', help: 'x', labelNames: ['method', 'route', 'code'], registers: [registry] });
  const histogram = new client.Histogram({ name: 'http_request_duration_seconds', help: 'x', labelNames: ['method', 'route', 'code'], buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10], registers: [registry] });
  onResponse = (req, res, tpl, start) => {
    res.once('finish', () => {
      const labels = { method: req.method, route: tpl, code: res.statusCode };
      counter.inc(labels);
      histogram.observe(labels, (performance.now() - start) / 1000);
    });
  };
  metricsServer = http.createServer(async (req, res) => { res.end(await registry.metrics()); });
}

const server = http.createServer((req, res) => {
  const r = route(req.url);
  if (r === null) {
    res.statusCode = 404;
    res.end('{"error":"not found"}');
    return;
  }
  if (onResponse) onResponse(req, res, r.template, performance.now());
  res.statusCode = r.code;
  res.setHeader('content-type', 'application/json');
  res.end(BODY);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
if (metricsServer) metricsServer.listen(Number(process.env.METRICS_PORT), '127.0.0.1');
