/** Two scrapes of a faultline endpoint, two seconds apart (hand-written, as the endpoint renders them). */
const INFO = [
  '# HELP http_status_code_info The status codes the catalog documents, with their category and description; always 1.',
  '# TYPE http_status_code_info gauge',
  'http_status_code_info{code="200",category="success",description="Request succeeded."} 1',
  'http_status_code_info{code="413",category="client_fault",description="The request exceeds the resource quota."} 1',
  'http_status_code_info{code="503",category="service_fault",description="The request was not completed: the system is temporarily abnormal."} 1',
].join('\n');

function scrape(ok: number, quota: number, teapot: number, unavailable: number, upstreamOk: number, upstream503: number, failed: number): string {
  return [
    '# HELP http_server_responses_total HTTP responses completely sent.',
    '# TYPE http_server_responses_total counter',
    `http_server_responses_total{method="GET",route="/v3/{project_id}/instances",code="200",category="success",documented="true"} ${ok}`,
    `http_server_responses_total{method="POST",route="/v3/{project_id}/instances",code="413",category="client_fault",documented="true"} ${quota}`,
    `http_server_responses_total{method="GET",route="/v3/{project_id}/instances",code="418",category="client_fault",documented="false"} ${teapot}`,
    `http_server_responses_total{method="GET",route="/v3/{project_id}/backups",code="503",category="service_fault",documented="true"} ${unavailable}`,
    '# TYPE http_server_requests_in_flight gauge',
    'http_server_requests_in_flight{method="GET"} 2',
    '# TYPE http_server_aborted_requests_total counter',
    `http_server_aborted_requests_total{method="GET",route="unmatched"} ${teapot}`,
    INFO,
    '# TYPE faultline_series_overflow_total counter',
    'faultline_series_overflow_total{metric="http_server_responses_total"} 0',
    '# TYPE http_client_responses_total counter',
    `http_client_responses_total{method="POST",upstream="127.0.0.1:8081",route="unmatched",code="202",category="success",documented="false"} ${upstreamOk}`,
    `http_client_responses_total{method="POST",upstream="127.0.0.1:8081",route="unmatched",code="503",category="service_fault",documented="true"} ${upstream503}`,
    '# TYPE http_client_failed_requests_total counter',
    `http_client_failed_requests_total{method="POST",upstream="127.0.0.1:8081",route="unmatched",reason="connect"} ${failed}`,
    '',
  ].join('\n');
}

/** First scrape. */
export const FIRST = scrape(100, 10, 2, 4, 20, 0, 0);
/** Second scrape, 2 s later: +80 ok, +10 413, +2 418, +8 503; outbound +18 202, +2 503, +1 failed. */
export const SECOND = scrape(180, 20, 4, 12, 38, 2, 1);
