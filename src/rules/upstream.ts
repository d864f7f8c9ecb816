import { clientMetricNames } from '../record/client-names.js';
import type { AlertRule } from './alerts.js';
import { runbookUrl } from './alerts.js';
import type { RuleOptions } from './options.js';
import { formatNumber, formatPercent } from './options.js';
import type { RecordingRule } from './recording.js';
import { selector } from './selector.js';
import { RATIO_WINDOW } from './windows.js';

/**
 * Rules on outbound calls (`http_client_*`): how the upstream APIs a service depends on answer
 * it. A 4xx answer is the caller's fault and never alerts; 5xx answers and calls that got no
 * answer at all (failures) are the upstream's, and alert per (job, upstream) past a share with a
 * traffic guard; answers the upstream's documentation does not list raise a ticket.
 */

/**
 * The alert names of this module, as the README's runbook refers to them.
 * @example
 * ```ts
 * UPSTREAM_ALERT_NAMES[0]; // 'HTTPUpstreamServiceFaultsHigh'
 * ```
 */
export const UPSTREAM_ALERT_NAMES = ['HTTPUpstreamServiceFaultsHigh', 'HTTPUpstreamUndocumentedStatusCodes'] as const;

/**
 * Share (0-1) of an upstream's calls that are service faults or failures above which
 * `HTTPUpstreamServiceFaultsHigh` fires.
 * @example
 * ```ts
 * UPSTREAM_FAULT_THRESHOLD; // 0.1
 * ```
 */
export const UPSTREAM_FAULT_THRESHOLD = 0.1;

/**
 * The names of the recorded upstream series.
 * @example
 * ```ts
 * const names: UpstreamRecordedNames = upstreamRecordedNames('');
 * ```
 */
export interface UpstreamRecordedNames {
  /** Calls per second to each upstream (answers + failures), labels job, upstream. */
  readonly calls: string;
  /** Share of an upstream's calls that got a 5xx or no answer, labels job, upstream. */
  readonly serviceFaultRatio: string;
  /** Answers per second with each undocumented code, labels job, upstream, code. */
  readonly undocumentedRate: string;
}

/**
 * The recorded series' names for a metric prefix.
 * @example
 * ```ts
 * upstreamRecordedNames('').serviceFaultRatio; // 'job_upstream:http_client_service_faults:ratio_rate5m'
 * ```
 */
export function upstreamRecordedNames(prefix = ''): UpstreamRecordedNames {
  return {
    calls: `job_upstream:${prefix}http_client_calls:rate${RATIO_WINDOW}`,
    serviceFaultRatio: `job_upstream:${prefix}http_client_service_faults:ratio_rate${RATIO_WINDOW}`,
    undocumentedRate: `job_upstream_code:${prefix}http_client_undocumented_responses:rate${RATIO_WINDOW}`,
  };
}

/** `a + b` per (job, upstream), keeping the side that exists when the other has no series. */
function plus(a: string, b: string): string {
  return `(${a} + ${b}) or ${a} or ${b}`;
}

/**
 * The recording rules of the upstream alerts: calls per upstream, the share of service faults
 * and failures (0 when there are none, not nothing), the rate of each undocumented answer.
 * @example
 * ```ts
 * upstreamRecordingRules(resolveRuleOptions()).map((r) => r.record);
 * ```
 */
export function upstreamRecordingRules(o: RuleOptions): RecordingRule[] {
  const n = clientMetricNames(o.prefix);
  const names = upstreamRecordedNames(o.prefix);
  const w = RATIO_WINDOW;
  const by = 'sum by (job, upstream)';
  const answers = `${by} (rate(${selector(n.responses, [o.jobSelector])}[${w}]))`;
  const faults = `${by} (rate(${selector(n.responses, [o.jobSelector, 'category="service_fault"'])}[${w}]))`;
  const failures = `${by} (rate(${selector(n.failed, [o.jobSelector])}[${w}]))`;
  return [
    { record: names.calls, expr: plus(answers, failures) },
    { record: names.serviceFaultRatio, expr: `(${plus(faults, failures)} or 0 * ${names.calls}) / ${names.calls}` },
    { record: names.undocumentedRate, expr: `sum by (job, upstream, code) (rate(${selector(n.responses, [o.jobSelector, 'documented="false"'])}[${w}]))` },
  ];
}

/**
 * The two upstream alerts, both `warning`: an upstream's outage is not this service's to fix,
 * and when it hurts this service's own answers the server-side alerts page.
 * @example
 * ```ts
 * upstreamAlertRules(resolveRuleOptions()).map((a) => a.alert);
 * // ['HTTPUpstreamServiceFaultsHigh', 'HTTPUpstreamUndocumentedStatusCodes']
 * ```
 */
export function upstreamAlertRules(o: RuleOptions): AlertRule[] {
  const names = upstreamRecordedNames(o.prefix);
  const threshold = UPSTREAM_FAULT_THRESHOLD;
  return [
    {
      alert: 'HTTPUpstreamServiceFaultsHigh',
      expr: `${names.serviceFaultRatio} > ${formatNumber(threshold)} and on (job, upstream) ${names.calls} >= ${formatNumber(o.minRps)}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '{{ $labels.job }}: {{ $value | humanizePercentage }} of the calls to {{ $labels.upstream }} get a 5xx or no answer',
        description:
          `More than ${formatPercent(threshold)} of the calls of {{ $labels.job }} to the upstream {{ $labels.upstream }} over the last ${RATIO_WINDOW} ` +
          `were answered with a service fault (5xx) or got no answer at all (refused, timed out, reset), while it made at least ${formatNumber(o.minRps)} calls per second. ` +
          'The upstream is failing; 4xx answers (this service\'s own mistakes as a caller) do not count here.',
        runbook_url: runbookUrl('HTTPUpstreamServiceFaultsHigh'),
      },
    },
    {
      alert: 'HTTPUpstreamUndocumentedStatusCodes',
      expr: `${names.undocumentedRate} > ${formatNumber(o.undocumentedMinRps)}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '{{ $labels.job }}: the upstream {{ $labels.upstream }} answers {{ $labels.code }}, a status code its API documentation does not list',
        description:
          `{{ $labels.job }} received {{ printf "%.2f" $value }} answers per second with status {{ $labels.code }} from {{ $labels.upstream }} over the last ${RATIO_WINDOW}, ` +
          'a code the upstream\'s catalog (its API documentation) does not document for those operations. This service\'s error handling may not expect it.',
        runbook_url: runbookUrl('HTTPUpstreamUndocumentedStatusCodes'),
      },
    },
  ];
}
