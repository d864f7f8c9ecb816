// Koa 2 or 3 with @koa/router and faultline. From the repository:
// `npm run build && node examples/koa.mjs`, then `curl localhost:3000/v3/p1/instances/i1`
// and `curl localhost:9464/metrics`.
import Koa from 'koa';
import Router from '@koa/router';
import { createFaultline } from 'faultline';

const fl = createFaultline();
const app = new Koa();
app.use(fl.koa()); // first, so it sees the status Koa finally sends

const instances = new Router();
instances.get('/:instance_id', (ctx) => { ctx.body = { id: ctx.params.instance_id, status: 'ACTIVE' }; });
instances.post('/', (ctx) => { ctx.status = 202; ctx.body = { job_id: 'job-1' }; });
instances.delete('/:instance_id', (ctx) => ctx.throw(409, 'the instance is busy'));
// Counted as route="/v3/:project_id/instances/:instance_id" (the matched route, prefixes included).
const v3 = new Router({ prefix: '/v3/:project_id' });
v3.use('/instances', instances.routes(), instances.allowedMethods());
app.use(v3.routes()).use(v3.allowedMethods());

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  fl.listen(Number(process.env.METRICS_PORT ?? 9464), '127.0.0.1').then((metrics) => {
    console.log(`app http://127.0.0.1:${server.address().port}  metrics http://127.0.0.1:${metrics.port}/metrics`);
  }, (err) => { console.error(err.message); process.exit(1); });
});
