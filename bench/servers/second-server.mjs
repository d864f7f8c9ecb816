// A second node:http server in the application's process, answering a hand-written metrics
// body on METRICS_PORT, and nothing else: the shape of a service with an admin or health port.
// Asked once after the warm-up (the configuration's `scrape` target), it shows what the first
// request of a second server does to Node's http code, optimised by then for the application's
// server alone, without any instrumentation: faultline's metrics endpoint is such a server.
import http from 'node:http';

const body = '# TYPE up gauge\nup 1\n';
http
  .createServer((req, res) => {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(body);
  })
  .listen(Number(process.env.METRICS_PORT), '127.0.0.1')
  .unref();
