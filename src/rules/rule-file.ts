import type * as Yaml from 'yaml';
import { dependency } from '../dependency.js';
import { alertRules } from './alerts.js';
import type { AlertRule } from './alerts.js';
import type { RuleOptions } from './options.js';
import { formatNumber, resolveRuleOptions } from './options.js';
import { recordingRules } from './recording.js';
import { upstreamAlertRules, upstreamRecordingRules } from './upstream.js';
import type { RecordingRule } from './recording.js';

/** A Prometheus rule file: groups of recording and alerting rules. */
export interface RuleFile {
  readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: ReadonlyArray<RecordingRule | AlertRule> }>;
}

/**
 * The rule file as an object: groups `faultline.rules` (recording) and `faultline.alerts`, then
 * `faultline.upstream.rules` and `faultline.upstream.alerts` (outbound calls).
 * @example
 * ```ts
 * ruleFile(resolveRuleOptions({ objective: 99.5 })).groups.length; // 4
 * ```
 */
export function ruleFile(o: RuleOptions): RuleFile {
  return {
    groups: [
      { name: 'faultline.rules', rules: recordingRules(o) },
      { name: 'faultline.alerts', rules: alertRules(o) },
      { name: 'faultline.upstream.rules', rules: upstreamRecordingRules(o) },
      { name: 'faultline.upstream.alerts', rules: upstreamAlertRules(o) },
    ],
  };
}

/**
 * The rule file as YAML, with a header saying how it was generated. Deterministic: the same
 * options give the same bytes (the committed `alerts/faultline.rules.yml` is checked against it).
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('faultline.rules.yml', renderRuleFile({ objective: 99.5, jobSelector: 'job="api"' }));
 * ```
 */
export function renderRuleFile(options: Partial<RuleOptions> = {}): string {
  const o = resolveRuleOptions(options);
  const header = [
    '# Prometheus rules for services instrumented with faultline. Generated; do not edit:',
    `#   faultline rules --slo ${formatNumber(o.objective)} --threshold-500 ${formatNumber(o.threshold500 * 100)} --threshold-503 ${formatNumber(o.threshold503 * 100)} --min-rps ${formatNumber(o.minRps)}` +
      (o.jobSelector ? ` --job-selector '${o.jobSelector}'` : ''),
    '# Runbook: https://github.com/faultline/faultline#runbook',
    '',
  ].join('\n');
  return header + dependency<typeof Yaml>('yaml').stringify(ruleFile(o), { lineWidth: 0 });
}
