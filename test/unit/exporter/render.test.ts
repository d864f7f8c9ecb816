import { describe, expect, it } from 'vitest';
import { createFaultline } from '../../../src/index.js';

describe('render', () => {
  function sample() {
    const fl = createFaultline({ buckets: [0.1, 1], catalog: { name: 't', source: 't', ranges: [], operations: new Map(), codes: new Map([[503, { code: 503, description: { en: 'Say "maintenance"\\now' } }]]) } });
    fl.observe({ method: 'GET', route: '/a', statusCode: 503, durationSeconds: 0.5 });
    fl.observe({ method: 'GET', route: '/a', statusCode: 503, durationSeconds: 0.05 });
    return fl;
  }

  it('writes the text format exactly', async () => {
    const fl = sample();
    expect(await fl.metrics('text')).toBe(`# HELP http_server_responses_total HTTP responses completely sent, by method, route template, status code, fault category and whether the API documents the code.
# TYPE http_server_responses_total counter
http_server_responses_total{method="GET",route="/a",code="503",category="service_fault",documented="true"} 2
# HELP http_server_response_duration_seconds Time from the start of the request until its response was completely sent, in seconds.
# TYPE http_server_response_duration_seconds histogram
http_server_response_duration_seconds_bucket{method="GET",route="/a",code="503",category="service_fault",le="0.1"} 1
http_server_response_duration_seconds_bucket{method="GET",route="/a",code="503",category="service_fault",le="1"} 2
http_server_response_duration_seconds_bucket{method="GET",route="/a",code="503",category="service_fault",le="+Inf"} 2
http_server_response_duration_seconds_sum{method="GET",route="/a",code="503",category="service_fault"} 0.55
http_server_response_duration_seconds_count{method="GET",route="/a",code="503",category="service_fault"} 2
# HELP http_server_requests_in_flight HTTP requests being served now.
# TYPE http_server_requests_in_flight gauge
# HELP http_server_aborted_requests_total HTTP requests whose connection closed before their response was completely sent.
# TYPE http_server_aborted_requests_total counter
# HELP http_status_code_info The status codes the catalog documents, with their category and description; always 1.
# TYPE http_status_code_info gauge
http_status_code_info{code="503",category="service_fault",description="Say \\"maintenance\\"\\\\now"} 1
# HELP faultline_series_overflow_total Observations recorded under route "overflow" because their own label set would pass the series limit.
# TYPE faultline_series_overflow_total counter
faultline_series_overflow_total{metric="http_server_responses_total"} 0
faultline_series_overflow_total{metric="http_server_aborted_requests_total"} 0
# HELP faultline_internal_errors_total Faults inside faultline, counted instead of being thrown into the application.
# TYPE faultline_internal_errors_total counter
`);
    await fl.close();
  });

  it('writes OpenMetrics: counter families without _total, samples with it, # EOF at the end', async () => {
    const fl = sample();
    const om = await fl.metrics('openmetrics');
    expect(om.split('\n').filter((l) => l.startsWith('# TYPE'))).toEqual([
      '# TYPE http_server_responses counter',
      '# TYPE http_server_response_duration_seconds histogram',
      '# TYPE http_server_requests_in_flight gauge',
      '# TYPE http_server_aborted_requests counter',
      '# TYPE http_status_code_info gauge',
      '# TYPE faultline_series_overflow counter',
      '# TYPE faultline_internal_errors counter',
    ]);
    expect(om).toContain('\nhttp_server_responses_total{method="GET",route="/a",code="503",category="service_fault",documented="true"} 2\n');
    expect(om.endsWith('# EOF\n')).toBe(true);
    // rendering OpenMetrics does not change the text format afterwards (prom-client 15 bug)
    expect(await fl.metrics('text')).toContain('# TYPE http_server_responses_total counter\n');
    await fl.close();
  });

  it('applies the prefix to every name', async () => {
    const fl = createFaultline({ prefix: 'shop_' });
    fl.observe({ method: 'GET', statusCode: 200 });
    const names = new Set((await fl.metrics()).split('\n').filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]));
    expect([...names]).toEqual([
      'shop_http_server_responses_total', 'shop_http_server_response_duration_seconds', 'shop_http_server_requests_in_flight',
      'shop_http_server_aborted_requests_total', 'shop_http_status_code_info', 'shop_faultline_series_overflow_total', 'shop_faultline_internal_errors_total',
    ]);
    await fl.close();
  });

  it('the prom-client bridge registry renders the same samples', async () => {
    const fl = sample();
    const text = await fl.registry.metrics();
    expect(text).toContain('http_server_responses_total{method="GET",route="/a",code="503",category="service_fault",documented="true"} 2');
    expect(text).toContain('http_server_response_duration_seconds_bucket{method="GET",route="/a",code="503",category="service_fault",le="0.1"} 1');
    expect(text).toContain('http_status_code_info{code="503",category="service_fault",description="Say \\"maintenance\\"\\\\now"} 1');
    await fl.close();
  });
});
