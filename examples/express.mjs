// Express 4 or 5 with faultline. From the repository: `npm run build && node examples/express.mjs`,
// then `curl localhost:3000/v3/p1/instances/i1` and `curl localhost:9464/metrics`.
import express from 'express';
import { createFaultline } from 'faultline';

const fl = createFaultline();
const app = express();
app.use(fl.express()); // first, before the routes

const instances = express.Router({ mergeParams: true });
instances.get('/:instance_id', (req, res) => { res.json({ id: req.params.instance_id, status: 'ACTIVE' }); });
instances.post('/', (_req, res) => { res.status(202).json({ job_id: 'job-1' }); });
instances.delete('/:instance_id', (_req, res) => { res.status(409).json({ error: 'the instance is busy' }); });
const projects = express.Router({ mergeParams: true });
projects.use('/instances', instances);
// Counted as route="/v3/:project_id/instances/:instance_id", whatever the ids in the URL.
app.use('/v3/:project_id', projects);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  fl.listen(Number(process.env.METRICS_PORT ?? 9464), '127.0.0.1').then((metrics) => {
    console.log(`app http://127.0.0.1:${server.address().port}  metrics http://127.0.0.1:${metrics.port}/metrics`);
  }, (err) => { console.error(err.message); process.exit(1); });
});
