/**
 * The metric names of the outbound-call metrics, with an optional prefix.
 * @example
 * ```ts
 * const names: ClientMetricNames = clientMetricNames();
 * names.responses; // 'http_client_responses_total'
 * ```
 */
export interface ClientMetricNames {
  readonly responses: string;
  readonly duration: string;
  readonly failed: string;
}

/**
 * Builds the names of the three client metrics; `prefix` is prepended to each.
 *
 * @example
 * ```ts
 * clientMetricNames('myapp_').failed; // 'myapp_http_client_failed_requests_total'
 * ```
 */
export function clientMetricNames(prefix = ''): ClientMetricNames {
  return {
    responses: `${prefix}http_client_responses_total`,
    duration: `${prefix}http_client_response_duration_seconds`,
    failed: `${prefix}http_client_failed_requests_total`,
  };
}

/**
 * HELP texts of the client metrics.
 * @example
 * ```ts
 * CLIENT_HELP.failed; // 'Outbound calls to upstream APIs that got no response at all, ...'
 * ```
 */
export const CLIENT_HELP = {
  responses: 'HTTP responses received from upstream APIs, counted when their headers arrive, by method, upstream, route template, status code, fault category and whether the upstream documents the code.',
  duration: 'Time from the start of an outbound call until the end of its response body (or until the exchange stopped early), in seconds.',
  failed: 'Outbound calls to upstream APIs that got no response at all, by reason (connect, timeout, reset, aborted, other).',
} as const;
