// node:http under OpenTelemetry's own HTTP instrumentation with its Prometheus exporter.
// CommonJS on purpose: instrumentation-http patches `http` through require-in-the-middle, which
// must run before `http` is loaded (the ESM caveat documented in the README).
'use strict';
const { MeterProvider } = require('@opentelemetry/sdk-metrics');
const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { metrics } = require('@opentelemetry/api');

const exporter = new PrometheusExporter({ port: Number(process.env.METRICS_PORT), host: '127.0.0.1' });
const provider = new MeterProvider({ readers: [exporter] });
metrics.setGlobalMeterProvider(provider);
registerInstrumentations({ instrumentations: [new HttpInstrumentation()], meterProvider: provider });

const http = require('node:http');
const BODY = '{"instances":[],"total_count":0}';
const server = http.createServer((req, res) => {
  const url = req.url;
  const q = url.indexOf('?');
  const parts = (q < 0 ? url : url.slice(0, q)).split('/');
  if (parts[1] !== 'v3' || parts[3] !== 'instances' || parts.length > 5) {
    res.statusCode = 404;
    res.end('{"error":"not found"}');
    return;
  }
  res.statusCode = q < 0 ? 200 : Number(url.slice(q + 3)) || 200;
  res.setHeader('content-type', 'application/json');
  res.end(BODY);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send && process.send('ready'));
