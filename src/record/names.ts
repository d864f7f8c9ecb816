/** The metric names of the contract, with an optional prefix. */
export interface MetricNames {
  readonly responses: string;
  readonly duration: string;
  readonly inFlight: string;
  readonly aborted: string;
  readonly codeInfo: string;
  readonly overflow: string;
  readonly internalErrors: string;
}

/** Builds the metric names; `prefix` is prepended to every name (e.g. `myapp_`). */
export function metricNames(prefix = ''): MetricNames {
  return {
    responses: `${prefix}http_server_responses_total`,
    duration: `${prefix}http_server_response_duration_seconds`,
    inFlight: `${prefix}http_server_requests_in_flight`,
    aborted: `${prefix}http_server_aborted_requests_total`,
    codeInfo: `${prefix}http_status_code_info`,
    overflow: `${prefix}faultline_series_overflow_total`,
    internalErrors: `${prefix}faultline_internal_errors_total`,
  };
}

/** HELP texts. */
export const HELP = {
  responses: 'HTTP responses completely sent, by method, route template, status code, fault category and whether the API documents the code.',
  duration: 'Time from the start of the request until its response was completely sent, in seconds.',
  inFlight: 'HTTP requests being served now.',
  aborted: 'HTTP requests whose connection closed before their response was completely sent.',
  codeInfo: 'The status codes the catalog documents, with their category and description; always 1.',
  overflow: 'Observations recorded under route "overflow" because their own label set would pass the series limit.',
  internalErrors: 'Faults inside faultline, counted instead of being thrown into the application.',
} as const;
