/**
 * The windows of the alerts. The burn-rate pairs are the Google SRE workbook's recommended
 * multi-window, multi-burn-rate parameters for a 30-day objective ("Alerting on SLOs", table 5-8):
 * 2 % of the budget spent in 1 hour or 5 % in 6 hours pages; 10 % in 1 day or 3 days opens a
 * ticket. Each long window has a short window of 1/12 its length, so the alert stops soon after
 * the burn stops.
 */

/**
 * The window of the 500/503/undocumented rates and of the traffic guard of those alerts.
 * @example
 * ```ts
 * `rate(http_server_responses_total[${RATIO_WINDOW}])`; // rate(...[5m])
 * ```
 */
export const RATIO_WINDOW = '5m';

/** One condition of a burn-rate alert: both windows above `factor` times the budget. */
export interface BurnCondition {
  readonly long: string;
  readonly short: string;
  readonly factor: number;
}

/** One burn-rate alert rule: a page (fast burn) or a ticket (slow burn). */
export interface BurnAlertSpec {
  readonly kind: 'page' | 'ticket';
  readonly severity: 'critical' | 'warning';
  readonly for: string;
  readonly conditions: readonly BurnCondition[];
}

/**
 * The two `HTTPServiceFaultBudgetBurn` rules.
 * @example
 * ```ts
 * BURN_ALERTS[0].conditions[0]; // { long: '1h', short: '5m', factor: 14.4 }
 * ```
 */
export const BURN_ALERTS: readonly BurnAlertSpec[] = [
  {
    kind: 'page',
    severity: 'critical',
    for: '2m',
    conditions: [
      { long: '1h', short: '5m', factor: 14.4 },
      { long: '6h', short: '30m', factor: 6 },
    ],
  },
  {
    kind: 'ticket',
    severity: 'warning',
    for: '15m',
    conditions: [
      { long: '1d', short: '2h', factor: 3 },
      { long: '3d', short: '6h', factor: 1 },
    ],
  },
];

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Seconds in a Prometheus duration such as `5m` or `1d` (one unit only).
 * @example
 * ```ts
 * windowSeconds('6h'); // 21600
 * ```
 */
export function windowSeconds(window: string): number {
  const m = /^(\d+)([smhd])$/.exec(window);
  if (!m) throw new RangeError(`window "${window}" is not a duration such as 5m or 1d`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

/**
 * Every window the burn-rate alerts read, shortest first.
 * @example
 * ```ts
 * burnWindows(); // ['5m', '30m', '1h', '2h', '6h', '1d', '3d']
 * ```
 */
export function burnWindows(): string[] {
  const all = new Set<string>();
  for (const alert of BURN_ALERTS) for (const c of alert.conditions) { all.add(c.long); all.add(c.short); }
  return [...all].sort((a, b) => windowSeconds(a) - windowSeconds(b));
}
