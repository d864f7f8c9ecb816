import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config.js';
import { otelInstrumentNames } from '../../../src/record/otel-sink.js';

describe('otelInstrumentNames', () => {
  it('gives the names that OpenTelemetry\'s Prometheus translation turns into the contract\'s', () => {
    expect(otelInstrumentNames()).toEqual({
      responses: 'http.server.responses',
      duration: 'http.server.response.duration_seconds',
      inFlight: 'http.server.requests_in_flight',
      aborted: 'http.server.aborted_requests',
      codeInfo: 'http.status_code.info',
    });
  });

  it('prepends the prefix', () => {
    expect(otelInstrumentNames('shop_').responses).toBe('shop_http.server.responses');
  });

  it('rejects prefixes that cannot start an instrument name, naming the value', () => {
    for (const bad of ['_x', 'a:b', '9a']) {
      expect(() => otelInstrumentNames(bad)).toThrow(ConfigError);
      expect(() => otelInstrumentNames(bad)).toThrow(`prefix=${JSON.stringify(bad)} cannot start an OpenTelemetry instrument name`);
    }
  });
});
