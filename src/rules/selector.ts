/**
 * Writes a PromQL vector selector: the metric name and its label matchers, skipping empty
 * ones (`http_server_responses_total{job="api",code="500"}`). The one place the rules and the
 * dashboards build selectors, so both filter the same way.
 *
 * @example
 * ```ts
 * selector('http_server_responses_total', ['job="api"', '', 'code="500"']);
 * // 'http_server_responses_total{job="api",code="500"}'
 * ```
 */
export function selector(metric: string, matchers: readonly string[]): string {
  const list = matchers.filter((m) => m !== '');
  return list.length === 0 ? metric : `${metric}{${list.join(',')}}`;
}
