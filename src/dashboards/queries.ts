import { metricNames } from '../record/names.js';
import type { MetricNames } from '../record/names.js';
import { selector } from '../rules/selector.js';

/**
 * The dashboard variables the queries refer to (Grafana replaces `$name`).
 * @example
 * ```ts
 * `job=~"$${VARIABLES.job}"`; // 'job=~"$job"'
 * ```
 */
export const VARIABLES = {
  datasource: 'datasource',
  job: 'job',
  instance: 'instance',
  route: 'route',
  objective: 'objective',
} as const;

/**
 * Grafana's own interval variable for `rate()`: at least four scrape intervals.
 * @example
 * ```ts
 * new Queries().sumRate([], 'up', RATE_INTERVAL); // 'sum(rate(up[$__rate_interval]))'
 * ```
 */
export const RATE_INTERVAL = '$__rate_interval';

const JOB = `job=~"$${VARIABLES.job}"`;
const INSTANCE = `instance=~"$${VARIABLES.instance}"`;
const ROUTE = `route=~"$${VARIABLES.route}"`;

/**
 * Builds every PromQL query of the dashboards: the one place that writes selectors (through
 * {@link selector}, shared with the rules) with the dashboard's `job`, `instance` and `route`
 * variables. Aggregations always sum over instances, so a panel reads the same for one
 * instance and for fifty.
 *
 * @example
 * ```ts
 * const q = new Queries();
 * q.responses('code="500"'); // 'http_server_responses_total{job=~"$job",instance=~"$instance",route=~"$route",code="500"}'
 * ```
 */
export class Queries {
  /** The metric names (with the prefix of the instrumented services). */
  readonly names: MetricNames;

  constructor(prefix = '') {
    this.names = metricNames(prefix);
  }

  /** Selector of `http_server_responses_total` in the dashboard's scope, plus `matchers`. */
  responses(...matchers: string[]): string {
    return selector(this.names.responses, [JOB, INSTANCE, ROUTE, ...matchers]);
  }

  /** Selector of the duration histogram's buckets in the dashboard's scope. */
  durationBuckets(...matchers: string[]): string {
    return selector(`${this.names.duration}_bucket`, [JOB, INSTANCE, ROUTE, ...matchers]);
  }

  /** Selector of `http_server_aborted_requests_total` in the dashboard's scope. */
  aborted(...matchers: string[]): string {
    return selector(this.names.aborted, [JOB, INSTANCE, ROUTE, ...matchers]);
  }

  /** Selector of `http_server_requests_in_flight` (no route label: job and instance only). */
  inFlight(): string {
    return selector(this.names.inFlight, [JOB, INSTANCE]);
  }

  /** Selector of the responses of the selected jobs, all instances and routes: the SLO's scope, as the alerts'. */
  jobResponses(...matchers: string[]): string {
    return selector(this.names.responses, [JOB, ...matchers]);
  }

  /** `sum by (labels) (rate(sel[window]))`; `sum(...)` without labels. */
  sumRate(by: readonly string[], sel: string, window = RATE_INTERVAL): string {
    return `${sum(by)}(rate(${sel}[${window}]))`;
  }

  /** `sum by (labels) (increase(sel[window]))`. */
  sumIncrease(by: readonly string[], sel: string, window = '$__range'): string {
    return `${sum(by)}(increase(${sel}[${window}]))`;
  }

  /**
   * Share of the responses in `all` that `part` holds, per `by`; 0 (not "no data") for a group
   * that has responses but none of `part`.
   */
  share(by: readonly string[], part: string, all: string, window = RATE_INTERVAL): string {
    const whole = this.sumRate(by, all, window);
    return `(${this.sumRate(by, part, window)} or 0 * ${whole}) / ${whole}`;
  }

  /**
   * The catalog's description of each code, one series per code, from `http_status_code_info`
   * of the selected jobs and instances (instances with different catalogs cannot break the join:
   * one description per code is kept).
   */
  codeDescriptions(): string {
    return `topk by (code) (1, group by (code, description) (${selector(this.names.codeInfo, [JOB, INSTANCE])}))`;
  }

  /** `expr` per code with the catalog's `description` label joined on. */
  withDescription(expr: string): string {
    return `${expr} * on (code) group_left (description) ${this.codeDescriptions()}`;
  }

  /** The objective's error budget as a share of responses, from the `objective` variable (percent). */
  errorBudget(): string {
    return `(1 - $${VARIABLES.objective} / 100)`;
  }
}

function sum(by: readonly string[]): string {
  return by.length === 0 ? 'sum' : `sum by (${by.join(', ')}) `;
}
