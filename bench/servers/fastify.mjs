// Fastify 5: bare, with faultline's plugin, with an empty onRequest hook, or with fastify-metrics
// (BENCH_MODE).
import Fastify from 'fastify';
import { BODY } from './routes.mjs';

const mode = process.env.BENCH_MODE ?? 'bare';
const app = Fastify({ logger: false });

if (mode === 'faultline') {
  const { createFaultline } = await import('faultline');
  const fl = createFaultline();
  await app.register(fl.fastify);
  await fl.listen(Number(process.env.METRICS_PORT), '127.0.0.1');
}
if (mode === 'empty-hook') {
  // The floor of any per-request hook: what Fastify charges for running one onRequest hook.
  app.addHook('onRequest', (request, reply, done) => done());
}
if (mode === 'fastify-metrics') {
  const { default: metricsPlugin } = await import('fastify-metrics');
  await app.register(metricsPlugin, { endpoint: '/__metrics', defaultMetrics: { enabled: false }, routeMetrics: { enabled: true, overrides: { histogram: { buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } } } });
}

const answer = async (req, reply) => {
  reply.code(Number(req.query.s) || 200).type('application/json');
  return BODY;
};
app.get('/v3/:project_id/instances', answer);
app.get('/v3/:project_id/instances/:instance_id', answer);

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.send?.('ready');
