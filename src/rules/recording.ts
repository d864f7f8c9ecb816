import { metricNames } from '../record/names.js';
import type { RuleOptions } from './options.js';
import { selector } from './selector.js';
import { BURN_ALERTS, RATIO_WINDOW, burnWindows } from './windows.js';

/** One Prometheus recording rule. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
}

/** The names of the recorded series (`level:metric:operations`, per the Prometheus naming guide). */
export interface RecordedNames {
  /** Requests per second of a job over `window` (all responses). */
  requests(window: string): string;
  /** Share of a job's responses that were service faults over `window`. */
  serviceFaultRatio(window: string): string;
  /** Share of a job's responses with each code over {@link RATIO_WINDOW} (labels job, code). */
  readonly codeRatio: string;
  /** Responses per second with each undocumented code over {@link RATIO_WINDOW} (labels job, code). */
  readonly undocumentedRate: string;
}

/**
 * The recorded series' names for a metric prefix.
 * @example
 * ```ts
 * recordedNames('').serviceFaultRatio('1h'); // 'job:http_server_service_faults:ratio_rate1h'
 * ```
 */
export function recordedNames(prefix = ''): RecordedNames {
  const base = metricNames(prefix).responses.replace(/_total$/, '');
  const faults = `${prefix}http_server_service_faults`;
  return {
    requests: (w) => `job:${base}:rate${w}`,
    serviceFaultRatio: (w) => `job:${faults}:ratio_rate${w}`,
    codeRatio: `job_code:${base}:ratio_rate${RATIO_WINDOW}`,
    undocumentedRate: `job_code:${prefix}http_server_undocumented_responses:rate${RATIO_WINDOW}`,
  };
}

/**
 * The recording rules: request rates per job for the traffic guards, service-fault ratios per
 * job for every window of the burn-rate alerts, the share of each code, and the rate of each undocumented code. A job without
 * service faults records a ratio of 0, not nothing, so graphs and `absent()` checks stay honest.
 *
 * @example
 * ```ts
 * recordingRules(resolveRuleOptions()).map((r) => r.record);
 * ```
 */
export function recordingRules(o: RuleOptions): RecordingRule[] {
  const n = metricNames(o.prefix);
  const names = recordedNames(o.prefix);
  const responses = (...matchers: string[]): string => selector(n.responses, [o.jobSelector, ...matchers]);
  const rules: RecordingRule[] = [];
  // Request rates for the traffic guards: the ratio alerts' window and each burn pair's long window.
  const guarded = [...new Set([RATIO_WINDOW, ...BURN_ALERTS.flatMap((a) => a.conditions.map((c) => c.long))])];
  for (const w of guarded) {
    rules.push({ record: names.requests(w), expr: `sum by (job) (rate(${responses()}[${w}]))` });
  }
  for (const w of burnWindows()) {
    const all = `sum by (job) (rate(${responses()}[${w}]))`;
    const faults = `sum by (job) (rate(${responses('category="service_fault"')}[${w}]))`;
    rules.push({ record: names.serviceFaultRatio(w), expr: `(${faults} or 0 * ${all}) / ${all}` });
  }
  rules.push({
    record: names.codeRatio,
    expr: `sum by (job, code) (rate(${responses()}[${RATIO_WINDOW}])) / on (job) group_left () sum by (job) (rate(${responses()}[${RATIO_WINDOW}]))`,
  });
  rules.push({
    record: names.undocumentedRate,
    expr: `sum by (job, code) (rate(${responses('documented="false"')}[${RATIO_WINDOW}]))`,
  });
  return rules;
}
