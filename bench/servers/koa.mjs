// Koa 3 with @koa/router: bare, with faultline's middleware or with an empty middleware
// (BENCH_MODE).
import Koa from 'koa';
import Router from '@koa/router';
import { BODY } from './routes.mjs';

const mode = process.env.BENCH_MODE ?? 'bare';
const app = new Koa();

if (mode === 'faultline') {
  const { createFaultline } = await import('faultline');
  const fl = createFaultline();
  app.use(fl.koa());
  await fl.listen(Number(process.env.METRICS_PORT), '127.0.0.1');
}

if (mode === 'empty-middleware') {
  // The floor of any middleware: what Koa charges for one more middleware in its chain.
  app.use((ctx, next) => next());
}

const router = new Router();
const answer = (ctx) => {
  ctx.status = Number(ctx.query.s) || 200;
  ctx.type = 'application/json';
  ctx.body = BODY;
};
router.get('/v3/:project_id/instances', answer);
router.get('/v3/:project_id/instances/:instance_id', answer);
app.use(router.routes());
app.use(router.allowedMethods());

app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
