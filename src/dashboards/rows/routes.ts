import { barGaugePanel, timeseriesPanel } from '../panels.js';
import type { DashboardRow } from './row.js';

const QUANTILES = [0.5, 0.95, 0.99] as const;

/**
 * Routes: the routes with the most service faults, latency quantiles from the duration
 * histogram, and aborted requests (the client went away before the response was sent).
 * @example
 * ```ts
 * routesRow.panels(new Queries()).length; // 5
 * ```
 */
export const routesRow: DashboardRow = {
  title: 'Routes',
  panels(q) {
    const all = q.responses();
    const service = q.responses('category="service_fault"');
    const buckets = q.durationBuckets();
    return [
      barGaugePanel(
        { title: 'Top routes by service faults', description: 'The 10 routes (with job and method) that sent the most 5xx responses in the time range.', unit: 'short', width: 12 },
        [{ expr: `topk(10, ${q.sumIncrease(['job', 'method', 'route'], service)} > 0)`, legend: '{{job}} {{method}} {{route}}' }],
      ),
      timeseriesPanel(
        { title: 'Service-fault ratio by route (top 10)', description: 'Share of each route\'s responses that are service faults, for the 10 worst routes.', unit: 'percentunit', width: 12 },
        [{ expr: `topk(10, ${q.share(['job', 'route'], service, all)})`, legend: '{{job}} {{route}}' }],
      ),
      timeseriesPanel(
        { title: 'Latency p50 / p95 / p99', description: 'Quantiles of the time until the response was completely sent, from the http_server_response_duration_seconds histogram, over all selected routes and instances.', unit: 's', width: 12 },
        QUANTILES.map((quantile) => ({
          expr: `histogram_quantile(${quantile}, ${q.sumRate(['le'], buckets)})`,
          legend: `p${Math.round(quantile * 100)}`,
        })),
      ),
      timeseriesPanel(
        { title: 'p95 latency by route', description: '95th percentile of the response time of each route.', unit: 's', width: 12 },
        [{ expr: `histogram_quantile(0.95, ${q.sumRate(['job', 'route', 'le'], buckets)})`, legend: '{{job}} {{route}}' }],
      ),
      timeseriesPanel(
        { title: 'Aborted requests by route', description: 'Requests whose connection closed before their response was completely sent (client timeouts, cancelled calls), per second. They are not counted as responses.', unit: 'reqps', width: 24 },
        [{ expr: q.sumRate(['job', 'method', 'route'], q.aborted()), legend: '{{job}} {{method}} {{route}}' }],
      ),
    ];
  },
};
