// Fastify 5 with faultline. From the repository: `npm run build && node examples/fastify.mjs`,
// then `curl localhost:3000/v3/p1/instances/i1` and `curl localhost:9464/metrics`.
import Fastify from 'fastify';
import { createFaultline } from 'faultline';

const fl = createFaultline();
const app = Fastify();
await app.register(fl.fastify); // a fastify-plugin: covers every route of the app

// Counted as route="/v3/:project_id/instances/:instance_id" (request.routeOptions.url).
await app.register((v3, _options, done) => {
  v3.get('/instances/:instance_id', (request, reply) => reply.send({ id: request.params.instance_id, status: 'ACTIVE' }));
  v3.post('/instances', (_request, reply) => reply.code(202).send({ job_id: 'job-1' }));
  v3.delete('/instances/:instance_id', (_request, reply) => reply.code(409).send({ error: 'the instance is busy' }));
  done();
}, { prefix: '/v3/:project_id' });

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
const metrics = await fl.listen(Number(process.env.METRICS_PORT ?? 9464), '127.0.0.1');
console.log(`app http://127.0.0.1:${app.server.address().port}  metrics http://127.0.0.1:${metrics.port}/metrics`);
