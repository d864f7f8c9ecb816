import { describe, expect, it } from 'vitest';
import { ConfigError, createFaultline, optionsFromEnv } from '../../src/index.js';

function envError(env: Record<string, string>): string {
  try {
    optionsFromEnv(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('optionsFromEnv', () => {
  it('reads every variable', () => {
    expect(optionsFromEnv({
      FAULTLINE_PORT: '9500', FAULTLINE_HOST: '127.0.0.1', FAULTLINE_PATH: '/m', FAULTLINE_CATALOG: './c.yaml', FAULTLINE_LANG: 'zh',
      FAULTLINE_TOKEN: 'secret-token', FAULTLINE_UPSTREAMS: './u.yaml', FAULTLINE_EXPORTER: 'prometheus', FAULTLINE_PREFIX: 'shop_',
      FAULTLINE_SERIES_LIMIT: '500', FAULTLINE_MAX_SCRAPES: '2', FAULTLINE_METHODS: 'PROPFIND, PURGE',
    })).toEqual({
      port: 9500, host: '127.0.0.1', path: '/m', catalog: './c.yaml', lang: 'zh', token: 'secret-token', upstreams: './u.yaml',
      exporter: 'prometheus', prefix: 'shop_', seriesLimit: 500, maxConcurrentScrapes: 2, methods: ['PROPFIND', 'PURGE'],
    });
    expect(optionsFromEnv({})).toEqual({});
    expect(optionsFromEnv({ FAULTLINE_PORT: '' })).toEqual({});
  });

  it.each([
    [{ FAULTLINE_PORT: 'abc' }, 'FAULTLINE_PORT="abc" is not a port number (0-65535)'],
    [{ FAULTLINE_PORT: '70000' }, 'FAULTLINE_PORT="70000" is not a port number (0-65535)'],
    [{ FAULTLINE_HOST: 'a b' }, 'FAULTLINE_HOST="a b" is not a host name or address'],
    [{ FAULTLINE_PATH: 'metrics' }, 'FAULTLINE_PATH="metrics" must be a path starting with "/" without spaces, "?" or "#"'],
    [{ FAULTLINE_LANG: 'english!' }, 'FAULTLINE_LANG="english!" is not a language tag such as "en" or "zh"'],
    [{ FAULTLINE_TOKEN: 'short' }, 'FAULTLINE_TOKEN="***" must be at least 8 characters without spaces'],
    [{ FAULTLINE_EXPORTER: 'statsd' }, 'FAULTLINE_EXPORTER="statsd" must be "prometheus" or "otel"'],
    [{ FAULTLINE_PREFIX: '1x' }, 'FAULTLINE_PREFIX="1x" is not a valid metric name prefix'],
    [{ FAULTLINE_SERIES_LIMIT: '0' }, 'FAULTLINE_SERIES_LIMIT="0" is not a positive integer'],
    [{ FAULTLINE_MAX_SCRAPES: '-1' }, 'FAULTLINE_MAX_SCRAPES="-1" is not a positive integer'],
    [{ FAULTLINE_METHODS: 'GET,fetch' }, 'FAULTLINE_METHODS="GET,fetch" holds "fetch", not an upper-case method name'],
  ])('%o -> %s', (env, message) => {
    expect(envError(env)).toBe(message);
  });
});

describe('createFaultline options', () => {
  it.each([
    [{ port: 70000 }, 'port="70000" is not a port number (0-65535)'],
    [{ buckets: [1, 0.5] }, 'buckets="[1,0.5]" must be finite positive numbers in increasing order'],
    [{ seriesLimit: 0 }, 'seriesLimit="0" is not a positive integer'],
    [{ methods: ['BAD METHOD'] }, 'methods="BAD METHOD" is not a method name'],
  ])('%o -> %s', (options, message) => {
    expect(() => createFaultline(options)).toThrow(message);
  });
});
