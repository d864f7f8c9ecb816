// A plain node:http server with faultline. From the repository:
// `npm run build && node examples/node-http.mjs`, then `curl localhost:3000/v3/p1/instances/i1`
// and `curl localhost:9464/metrics`.
import http from 'node:http';
import { createFaultline } from 'faultline';

const fl = createFaultline();
const INSTANCE = /^\/v3\/[^/]+\/instances\/[^/]+$/;
const INSTANCES = /^\/v3\/[^/]+\/instances$/;

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  // No framework reports a route here: tell faultline the template (never the URL).
  if (INSTANCE.test(path)) {
    fl.setRoute(req, res, '/v3/{project_id}/instances/{instance_id}');
    if (req.method === 'DELETE') return res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":"the instance is busy"}');
    return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ACTIVE"}');
  }
  if (INSTANCES.test(path) && req.method === 'POST') {
    fl.setRoute(req, res, '/v3/{project_id}/instances');
    return res.writeHead(202, { 'content-type': 'application/json' }).end('{"job_id":"job-1"}');
  }
  res.writeHead(404).end(); // counted with route="unmatched"
});
fl.instrument(server); // every response of this server, counted once

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  fl.listen(Number(process.env.METRICS_PORT ?? 9464), '127.0.0.1').then((metrics) => {
    console.log(`app http://127.0.0.1:${server.address().port}  metrics http://127.0.0.1:${metrics.port}/metrics`);
  }, (err) => { console.error(err.message); process.exit(1); });
});
