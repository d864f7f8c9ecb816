// Memory per 10,000 label sets, in a process of its own: `node --expose-gc bench/memory.mjs
// faultline|prom-client` prints one JSON line. Run by micro.mjs for both libraries.
//
// What a running service pays for more label sets is the slope: the process's young generation
// has long grown to its working size, and the heap's pages come in steps. So the process first
// makes short-lived garbage (as serving requests does), then records the label sets in steps of
// 10,000 and reads RSS and what V8 holds (heap in use + array buffers) after two full
// collections at each step. Printed: the first 10,000, and the mean per 10,000 over all steps.
import client from 'prom-client';
import { createFaultline } from '../dist/esm/index.js';

const STEP = 10_000;
const STEPS = 5;
const CODES = [200, 201, 202, 400, 404, 409, 413, 500, 503, 504];
const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const mem = () => { gc(); gc(); const m = process.memoryUsage(); return { rss: m.rss, held: m.heapUsed + m.arrayBuffers }; };

/** The two libraries, each recording the label sets of routes [from, to) x CODES. */
function faultline() {
  const fl = createFaultline({ seriesLimit: STEP * STEPS * 2 });
  const rec = fl.recorder;
  const get = rec.method('GET');
  return (from, to) => {
    for (let r = from; r < to; r++) {
      const route = rec.route(`/v3/:project_id/resource${r}/{id}`);
      for (const code of CODES) rec.response(get, route, code, 0.003 * ((r + code) % 40));
      rec.aborted(get, route);
    }
  };
}

function promClient() {
  const registry = new client.Registry();
  const counter = new client.Counter({ name: 'http_server_responses_total', help: 'x', labelNames: ['method', 'route', 'code', 'category', 'documented'], registers: [registry] });
  const histogram = new client.Histogram({ name: 'http_server_response_duration_seconds', help: 'x', labelNames: ['method', 'route', 'code', 'category'], buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10], registers: [registry] });
  const aborted = new client.Counter({ name: 'http_server_aborted_requests_total', help: 'x', labelNames: ['method', 'route'], registers: [registry] });
  return (from, to) => {
    for (let r = from; r < to; r++) {
      const route = `/v3/:project_id/resource${r}/{id}`;
      for (const code of CODES) {
        const category = code < 300 ? 'success' : code < 500 ? 'client_fault' : 'service_fault';
        counter.inc({ method: 'GET', route, code, category, documented: 'true' });
        histogram.observe({ method: 'GET', route, code, category }, 0.003 * ((r + code) % 40));
      }
      aborted.inc({ method: 'GET', route });
    }
  };
}

const which = process.argv[2];
const record = which === 'faultline' ? faultline() : which === 'prom-client' ? promClient() : undefined;
if (record === undefined) throw new Error(`usage: memory.mjs faultline|prom-client (got ${which})`);
record(-1, 0); // one label set, so that the objects of the first are not counted as the 10,000's

// Short-lived garbage, bounded: ~2 million small objects, as a serving process makes.
let keep = [];
for (let i = 0; i < 2_000_000; i++) {
  keep.push({ i, s: `x${i}` });
  if (keep.length > 1000) keep = [];
}
keep = [];

const routesPerStep = STEP / CODES.length;
const base = mem();
const steps = [];
for (let k = 0; k < STEPS; k++) {
  record(k * routesPerStep, (k + 1) * routesPerStep);
  steps.push(mem());
}
const last = steps[STEPS - 1];
process.stdout.write(`${JSON.stringify({
  firstRss: steps[0].rss - base.rss,
  firstHeld: steps[0].held - base.held,
  rssPer10k: (last.rss - base.rss) / STEPS,
  heldPer10k: (last.held - base.held) / STEPS,
})}\n`);
