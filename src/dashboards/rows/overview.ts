import { DEFAULT_RULE_OPTIONS, formatPercent } from '../../rules/options.js';
import { RATIO_WINDOW } from '../../rules/windows.js';
import { statPanel, timeseriesPanel } from '../panels.js';
import type { Panel } from '../panels.js';
import type { Queries } from '../queries.js';
import type { DashboardRow } from './row.js';

const RED = 'red';

function codeShare(q: Queries, code: 500 | 503, threshold: number): Panel {
  return timeseriesPanel(
    {
      title: `Share of ${code} responses by job (${RATIO_WINDOW}, as HTTP${code}RateHigh sees it)`,
      description:
        `Share of each job's responses with status ${code} over the last ${RATIO_WINDOW}: the quantity HTTP${code}RateHigh ` +
        `watches. The dashed line is the alert's default threshold (${formatPercent(threshold)}); the alert also needs ` +
        `${DEFAULT_RULE_OPTIONS.minRps} req/s of traffic.`,
      unit: 'percentunit',
      width: 12,
      thresholds: [{ value: threshold, color: RED }],
    },
    [{ expr: q.share(['job'], q.responses(`code="${code}"`), q.responses(), RATIO_WINDOW), legend: '{{job}}' }],
  );
}

/**
 * Overview: traffic by category, the client- and service-fault ratios, the 500 and 503 shares
 * against the alert thresholds, and requests in flight.
 * @example
 * ```ts
 * overviewRow.panels(new Queries()).length; // 8
 * ```
 */
export const overviewRow: DashboardRow = {
  title: 'Overview',
  panels(q) {
    const all = q.responses();
    const client = q.responses('category="client_fault"');
    const service = q.responses('category="service_fault"');
    return [
      statPanel({ title: 'Requests per second', description: 'All responses of the selected jobs, instances and routes.', unit: 'reqps', width: 6, baseColor: 'blue' }, [
        { expr: q.sumRate([], all) },
      ]),
      statPanel(
        { title: 'Client-fault ratio', description: 'Share of responses with a 4xx code: the callers\' fault (bad input, missing auth). It never pages.', unit: 'percentunit', width: 6, thresholds: [{ value: 0.25, color: 'orange' }] },
        [{ expr: q.share([], client, all) }],
      ),
      statPanel(
        { title: 'Service-fault ratio', description: 'Share of responses with a 5xx code: the service\'s fault. Compare with the error budget in the SLO row.', unit: 'percentunit', width: 6, thresholds: [{ value: DEFAULT_RULE_OPTIONS.threshold500, color: RED }] },
        [{ expr: q.share([], service, all) }],
      ),
      statPanel({ title: 'Requests in flight', description: 'Requests being served now, summed over instances.', unit: 'short', width: 6, baseColor: 'blue' }, [
        { expr: `sum(${q.inFlight()})` },
      ]),
      timeseriesPanel({ title: 'Request rate by category', description: 'Responses per second by category: success, redirection, client_fault (4xx), service_fault (5xx), informational, invalid.', unit: 'reqps', width: 12 }, [
        { expr: q.sumRate(['category'], all), legend: '{{category}}' },
      ]),
      timeseriesPanel({ title: 'Fault ratios by job', description: 'Share of each job\'s responses that are client faults (4xx) and service faults (5xx).', unit: 'percentunit', width: 12 }, [
        { expr: q.share(['job'], client, all), legend: '{{job}} client faults' },
        { expr: q.share(['job'], service, all), legend: '{{job}} service faults' },
      ]),
      codeShare(q, 500, DEFAULT_RULE_OPTIONS.threshold500),
      codeShare(q, 503, DEFAULT_RULE_OPTIONS.threshold503),
    ];
  },
};
