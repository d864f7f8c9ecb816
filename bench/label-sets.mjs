// The label sets the rendering and memory micro-benchmarks record, the same for faultline and
// prom-client: routes x CODES label sets of the counter and the histogram, and one label set of
// the aborted-requests counter per route.
import client from 'prom-client';
import { createFaultline } from '../dist/esm/index.js';

export const CODES = [200, 201, 202, 400, 404, 409, 413, 500, 503, 504];
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const routeOf = (r) => `/v3/:project_id/resource${r}/{id}`;
const seconds = (r, code) => 0.003 * ((r + code) % 40);

/**
 * A faultline instance with room for `sets` label sets and one recorded; `record(from, to)`
 * records the label sets of routes [from, to).
 */
export function faultlineSets(sets) {
  const fl = createFaultline({ seriesLimit: sets * 2 });
  const rec = fl.recorder;
  const get = rec.method('GET');
  rec.response(get, rec.route('/warm'), 200, 0.01);
  const record = (from, to) => {
    for (let r = from; r < to; r++) {
      const route = rec.route(routeOf(r));
      for (const code of CODES) rec.response(get, route, code, seconds(r, code));
      rec.aborted(get, route);
    }
  };
  return { fl, record };
}

/**
 * prom-client metrics of the same names and labels in a registry of their own (the in-flight
 * gauge and the info metric as faultline shows them), one label set recorded; `record(from, to)`
 * as faultlineSets.
 */
export function promClientSets() {
  const registry = new client.Registry();
  const counter = new client.Counter({ name: 'http_server_responses_total', help: 'x', labelNames: ['method', 'route', 'code', 'category', 'documented'], registers: [registry] });
  const histogram = new client.Histogram({ name: 'http_server_response_duration_seconds', help: 'x', labelNames: ['method', 'route', 'code', 'category'], buckets: BUCKETS, registers: [registry] });
  const gauge = new client.Gauge({ name: 'http_server_requests_in_flight', help: 'x', labelNames: ['method'], registers: [registry] });
  const aborted = new client.Counter({ name: 'http_server_aborted_requests_total', help: 'x', labelNames: ['method', 'route'], registers: [registry] });
  const info = new client.Gauge({ name: 'http_status_code_info', help: 'x', labelNames: ['code', 'category', 'description'], registers: [registry] });
  gauge.set({ method: 'GET' }, 0);
  for (const code of [200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 501, 503]) info.set({ code, category: 'x', description: 'some description text' }, 1);
  counter.inc({ method: 'GET', route: '/warm', code: 200, category: 'success', documented: 'true' });
  histogram.observe({ method: 'GET', route: '/warm', code: 200, category: 'success' }, 0.01);
  const record = (from, to) => {
    for (let r = from; r < to; r++) {
      const route = routeOf(r);
      for (const code of CODES) {
        const category = code < 300 ? 'success' : code < 500 ? 'client_fault' : 'service_fault';
        counter.inc({ method: 'GET', route, code, category, documented: 'true' });
        histogram.observe({ method: 'GET', route, code, category }, seconds(r, code));
      }
      aborted.inc({ method: 'GET', route });
    }
  };
  return { registry, record };
}
