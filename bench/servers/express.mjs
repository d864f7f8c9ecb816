// Express 5: bare, with faultline's adapter, or with express-prom-bundle (BENCH_MODE).
import express from 'express';
import { BODY } from './routes.mjs';

const mode = process.env.BENCH_MODE ?? 'bare';
const app = express();
app.set('etag', false);
app.set('x-powered-by', false);

if (mode === 'faultline') {
  const { createFaultline } = await import('faultline');
  const fl = createFaultline();
  app.use(fl.express());
  await fl.listen(Number(process.env.METRICS_PORT), '127.0.0.1');
}
if (mode === 'empty-middleware') {
  // The floor of any middleware-based tool: what Express charges for one more app.use() layer.
  app.use((req, res, next) => next());
}
if (mode === 'express-prom-bundle') {
  const { default: promBundle } = await import('express-prom-bundle');
  app.use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true, normalizePath: (req) => req.route?.path ?? 'unmatched', buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10], metricsPath: '/__metrics' }));
}

const router = express.Router({ mergeParams: true });
const answer = (req, res) => {
  res.status(Number(req.query.s) || 200).type('application/json').send(BODY);
};
router.get('/instances', answer);
router.get('/instances/:instance_id', answer);
app.use('/v3/:project_id', router);
app.use((req, res) => { res.status(404).send('{"error":"not found"}'); });

app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
