import { describe, expect, it } from 'vitest';
import { negotiate } from '../../../src/index.js';
import { acceptsGzip } from '../../../src/exporter/negotiate.js';

describe('negotiate', () => {
  it.each([
    ['Prometheus 2.42', 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', 'openmetrics'],
    ['absent', undefined, 'text'],
    ['empty', '', 'text'],
    ['curl', '*/*', 'text'],
    ['OpenMetrics without version', 'application/openmetrics-text', 'openmetrics'],
    ['OpenMetrics 0.0.1', 'application/openmetrics-text; version=0.0.1', 'openmetrics'],
    ['unknown OpenMetrics version', 'application/openmetrics-text;version=9.9.9', 'text'],
    ['text 0.0.4', 'text/plain;version=0.0.4', 'text'],
    ['q prefers text', 'application/openmetrics-text;q=0.3,text/plain;q=0.9', 'text'],
    ['tie goes to text', 'application/openmetrics-text;q=0.5,text/plain;q=0.5', 'text'],
    ['q=0 refuses OpenMetrics', 'application/openmetrics-text;q=0', 'text'],
    ['bad q', 'application/openmetrics-text;q=abc', 'text'],
    ['protobuf only', 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited', 'text'],
    ['garbage', ';;;,,,=;q=;version', 'text'],
    ['8 KB of commas', ','.repeat(8192), 'text'],
    ['upper case', 'APPLICATION/OPENMETRICS-TEXT; VERSION=1.0.0', 'openmetrics'],
  ])('%s', (_name, accept, format) => {
    expect(negotiate(accept)).toBe(format);
  });
});

describe('acceptsGzip', () => {
  it.each([
    ['gzip', true], ['gzip, deflate, br', true], ['br', false], ['identity', false], ['*', true],
    ['gzip;q=0', false], ['gzip;q=0.5', true], [undefined, false], ['', false], [';;,,gz ip', false],
  ])('%s -> %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
