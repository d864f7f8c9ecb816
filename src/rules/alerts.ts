import type { RuleOptions } from './options.js';
import { formatNumber, formatPercent } from './options.js';
import { recordedNames } from './recording.js';
import { BURN_ALERTS, RATIO_WINDOW } from './windows.js';
import type { BurnAlertSpec } from './windows.js';

/** One Prometheus alerting rule. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/**
 * Where the runbook lives: the README's `## Runbook` section; each alert links to its own
 * heading (`### Runbook: HTTP500RateHigh` -> `#runbook-http500ratehigh`).
 * @example
 * ```ts
 * runbookUrl('HTTP503RateHigh'); // 'https://github.com/faultline/faultline#runbook-http503ratehigh'
 * ```
 */
export const RUNBOOK_BASE_URL = 'https://github.com/faultline/faultline';

/**
 * The runbook link of an alert.
 * @example
 * ```ts
 * runbookUrl('HTTP500RateHigh'); // 'https://github.com/faultline/faultline#runbook-http500ratehigh'
 * ```
 */
export function runbookUrl(alert: string): string {
  return `${RUNBOOK_BASE_URL}#runbook-${alert.toLowerCase()}`;
}

/**
 * The names of the alerts on served responses, as the README's runbook and the tests refer to them.
 * @example
 * ```ts
 * ALERT_NAMES.map(runbookUrl); // one README anchor per alert
 * ```
 */
export const ALERT_NAMES = ['HTTP500RateHigh', 'HTTP503RateHigh', 'HTTPServiceFaultBudgetBurn', 'HTTPUndocumentedStatusCodes'] as const;

const CODE_TEXT: Record<number, string> = { 500: '500 Internal Server Error', 503: '503 Service Unavailable' };

function codeShareAlert(o: RuleOptions, code: 500 | 503, threshold: number, hint: string): AlertRule {
  const names = recordedNames(o.prefix);
  const alert = `HTTP${code}RateHigh`;
  return {
    alert,
    expr: `${names.codeRatio}{code="${code}"} > ${formatNumber(threshold)} and on (job) ${names.requests(RATIO_WINDOW)} >= ${formatNumber(o.minRps)}`,
    for: '5m',
    labels: { severity: 'critical' },
    annotations: {
      summary: `{{ $labels.job }}: {{ $value | humanizePercentage }} of responses are ${CODE_TEXT[code]!}`,
      description:
        `More than ${formatPercent(threshold)} of the responses of {{ $labels.job }} over the last ${RATIO_WINDOW} were ` +
        `${CODE_TEXT[code]!} (a service fault), while it served at least ${formatNumber(o.minRps)} requests per second. ${hint}`,
      runbook_url: runbookUrl(alert),
    },
  };
}

function burnAlert(o: RuleOptions, spec: BurnAlertSpec): AlertRule {
  const names = recordedNames(o.prefix);
  const budget = formatNumber(1 - o.objective / 100);
  const expr = spec.conditions
    .map((c) => {
      const limit = `(${formatNumber(c.factor)} * ${budget})`;
      return [
        `(`,
        `  ${names.serviceFaultRatio(c.long)} > ${limit}`,
        `  and ${names.serviceFaultRatio(c.short)} > ${limit}`,
        `  and ${names.requests(c.long)} >= ${formatNumber(o.minRps)}`,
        `)`,
      ].join('\n');
    })
    .join('\nor\n');
  const pace = (f: number): string => formatNumber(Number((30 / f).toFixed(1)));
  const conditions = spec.conditions
    .map((c, i) => `${i === 0 ? '' : 'or '}at least ${formatNumber(c.factor)} times the sustainable rate over both ${c.long} and ${c.short}`)
    .join(', ');
  const lasts = spec.conditions.map((c) => `at ${formatNumber(c.factor)} times a 30-day budget lasts ${pace(c.factor)} days`).join('; ');
  return {
    alert: 'HTTPServiceFaultBudgetBurn',
    expr: `${expr}\n`,
    for: spec.for,
    labels: { severity: spec.severity },
    annotations: {
      summary:
        spec.kind === 'page'
          ? '{{ $labels.job }} is burning its error budget fast'
          : '{{ $labels.job }} is burning its error budget',
      description:
        `Service faults of {{ $labels.job }} are spending the error budget of its ${formatNumber(o.objective)}% availability objective ` +
        `${conditions}. ${lasts.charAt(0).toUpperCase()}${lasts.slice(1)}.`,
      runbook_url: runbookUrl('HTTPServiceFaultBudgetBurn'),
    },
  };
}

/**
 * The alerting rules. Every rule is per job and reads only service faults or undocumented
 * codes: client faults alone never page.
 *
 * @example
 * ```ts
 * alertRules(resolveRuleOptions()).map((a) => a.alert);
 * ```
 */
export function alertRules(o: RuleOptions): AlertRule[] {
  const names = recordedNames(o.prefix);
  return [
    codeShareAlert(o, 500, o.threshold500, 'Look for an exception or a failing dependency behind the routes with the most service faults.'),
    codeShareAlert(o, 503, o.threshold503, 'The service is overloaded, shedding load, restarting, or a dependency is down.'),
    ...BURN_ALERTS.map((spec) => burnAlert(o, spec)),
    {
      alert: 'HTTPUndocumentedStatusCodes',
      expr: `${names.undocumentedRate} > ${formatNumber(o.undocumentedMinRps)}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: '{{ $labels.job }} answers {{ $labels.code }}, a status code its API documentation does not list',
        description:
          `{{ $labels.job }} sent {{ printf "%.2f" $value }} responses per second with status {{ $labels.code }} over the last ${RATIO_WINDOW}, ` +
          'a code the catalog (the API documentation) does not document for those operations. Clients written against the documentation may not handle it.',
        runbook_url: runbookUrl('HTTPUndocumentedStatusCodes'),
      },
    },
  ];
}
