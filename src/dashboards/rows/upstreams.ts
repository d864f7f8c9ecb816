import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { clientMetricNames } from '../../record/client-names.js';
import { formatPercent } from '../../rules/options.js';
import { selector } from '../../rules/selector.js';
import { UPSTREAM_FAULT_THRESHOLD } from '../../rules/upstream.js';
import { RATIO_WINDOW } from '../../rules/windows.js';
import { DATASOURCE, tablePanel, timeseriesPanel } from '../panels.js';
import type { Queries } from '../queries.js';
import type { DashboardRow } from './row.js';

/**
 * The row's own variable: the upstreams to show.
 * @example
 * ```ts
 * `upstream=~"$${UPSTREAM_VARIABLE}"`; // 'upstream=~"$upstream"'
 * ```
 */
export const UPSTREAM_VARIABLE = 'upstream';

const SCOPE = ['job=~"$job"', 'instance=~"$instance"', `upstream=~"$${UPSTREAM_VARIABLE}"`];

/** Selectors of the client metrics in the row's scope (job, instance, upstream variables). */
function client(q: Queries): { responses: (...m: string[]) => string; failed: () => string; buckets: () => string } {
  // the client names follow the same prefix as the server names the Queries were made with
  const prefix = q.names.responses.slice(0, q.names.responses.indexOf('http_server_responses_total'));
  const n = clientMetricNames(prefix);
  return {
    responses: (...m) => selector(n.responses, [...SCOPE, ...m]),
    failed: () => selector(n.failed, SCOPE),
    buckets: () => selector(`${n.duration}_bucket`, SCOPE),
  };
}

/** `a + b` per group, keeping the side that exists when the other has no series. */
function plus(a: string, b: string): string {
  return `(${a} + ${b}) or ${a} or ${b}`;
}

/**
 * Upstreams: what the APIs this service calls answer it (`http_client_*`): answers by upstream
 * and code with the catalog's descriptions, the caller's faults (4xx) against the upstream's
 * (5xx and calls without an answer), the share HTTPUpstreamServiceFaultsHigh watches, failures
 * by reason, latency, and the undocumented answers.
 * @example
 * ```ts
 * upstreamsRow.panels(new Queries()).length; // 6
 * ```
 */
export const upstreamsRow: DashboardRow = {
  title: 'Upstreams',
  panels(q) {
    const c = client(q);
    const all = c.responses();
    const byCode = q.sumRate(['upstream', 'code'], all);
    const faults = q.sumRate(['upstream'], c.responses('category="service_fault"'), RATIO_WINDOW);
    const failures = q.sumRate(['upstream'], c.failed(), RATIO_WINDOW);
    const calls = plus(q.sumRate(['upstream'], all, RATIO_WINDOW), failures);
    return [
      timeseriesPanel(
        {
          title: 'Upstream answers by code',
          description:
            'Answers per second from each upstream, by status code, with the description of the code from the catalog (joined from http_status_code_info; codes the catalog does not know have none).',
          unit: 'reqps',
          width: 16,
        },
        [{ expr: `${q.withDescription(byCode)} or on (upstream, code) ${byCode}`, legend: '{{upstream}} {{code}} {{description}}' }],
      ),
      timeseriesPanel(
        {
          title: 'Caller faults vs upstream faults',
          description:
            'Per upstream: answers that were this service\'s fault as the caller (4xx, client_fault), the upstream\'s fault (5xx, service_fault), and calls that got no answer at all.',
          unit: 'reqps',
          width: 8,
        },
        [
          { expr: q.sumRate(['upstream', 'category'], c.responses('category=~"client_fault|service_fault"')), legend: '{{upstream}} {{category}}' },
          { expr: q.sumRate(['upstream'], c.failed()), legend: '{{upstream}} no answer' },
        ],
      ),
      timeseriesPanel(
        {
          title: `Upstream fault share (${RATIO_WINDOW}, as HTTPUpstreamServiceFaultsHigh sees it)`,
          description:
            `Share of the calls to each upstream over the last ${RATIO_WINDOW} that got a 5xx or no answer. The dashed line is the alert's threshold (${formatPercent(UPSTREAM_FAULT_THRESHOLD)}).`,
          unit: 'percentunit',
          width: 12,
          thresholds: [{ value: UPSTREAM_FAULT_THRESHOLD, color: 'red' }],
        },
        [{ expr: `(${plus(faults, failures)} or 0 * (${calls})) / (${calls})`, legend: '{{upstream}}' }],
      ),
      timeseriesPanel(
        {
          title: 'Calls without an answer by reason',
          description: 'Calls per second that got no response: connect (refused, DNS, TLS), timeout, reset (the upstream closed the connection), aborted (by this service), other.',
          unit: 'reqps',
          width: 12,
        },
        [{ expr: q.sumRate(['upstream', 'reason'], c.failed()), legend: '{{upstream}} {{reason}}' }],
      ),
      timeseriesPanel(
        {
          title: 'Upstream latency (p50, p95)',
          description: 'From the start of a call to the end of the response body, per upstream.',
          unit: 's',
          width: 12,
        },
        [
          { expr: `histogram_quantile(0.5, ${q.sumRate(['upstream', 'le'], c.buckets())})`, legend: '{{upstream}} p50' },
          { expr: `histogram_quantile(0.95, ${q.sumRate(['upstream', 'le'], c.buckets())})`, legend: '{{upstream}} p95' },
        ],
      ),
      tablePanel(
        {
          title: 'Undocumented upstream answers',
          description: 'Answers whose code the upstream\'s catalog does not document for the operation, by upstream, method and route, counted over the time range. A new row here is what HTTPUpstreamUndocumentedStatusCodes warns about.',
          unit: 'short',
          width: 12,
        },
        { expr: `${q.sumIncrease(['upstream', 'method', 'route', 'code'], c.responses('documented="false"'))} > 0` },
        { upstream: 'Upstream', method: 'Method', route: 'Route', code: 'Code', Value: 'Answers' },
      ),
    ];
  },
  variables(q): Array<cog.Builder<dashboard.VariableModel>> {
    const query = `label_values(${selector(client(q).responses().split('{')[0]!, ['job=~"$job"', 'instance=~"$instance"'])}, upstream)`;
    return [
      new QueryVariableBuilder(UPSTREAM_VARIABLE)
        .label('Upstream')
        .datasource(DATASOURCE)
        .query(query)
        .definition(query)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ selected: true, text: ['All'], value: ['$__all'] }),
    ];
  },
};
