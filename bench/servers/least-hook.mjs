// The least a hook on Node's two HTTP server channels can do for a counter and a histogram by
// status code: a clock reading kept on the response at its start, one at its finish, a count
// and a bucket. No method, route, in-flight gauge, aborts or exemplars. A reference for what
// faultline/register's own work costs beyond the channels (bench/cache.mjs); not a product.
import diagnosticsChannel from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';

const START = Symbol('start');
const BOUNDS = new Float64Array([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
const counts = new Float64Array(1024);
const buckets = new Float64Array(1024 * 16);

diagnosticsChannel.subscribe('http.server.request.start', (message) => {
  message.response[START] = performance.now();
});
diagnosticsChannel.subscribe('http.server.response.finish', (message) => {
  const res = message.response;
  const start = res[START];
  if (start === undefined) return;
  const seconds = (performance.now() - start) / 1000;
  const code = res.statusCode & 1023;
  counts[code]++;
  let i = 0;
  while (i < BOUNDS.length && seconds > BOUNDS[i]) i++;
  buckets[code * 16 + i]++;
});
