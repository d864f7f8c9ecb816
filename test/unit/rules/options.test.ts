import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_OPTIONS, RuleOptionsError, formatNumber, formatPercent, parseJobSelector, resolveRuleOptions } from '../../../src/rules/options.js';

describe('resolveRuleOptions', () => {
  it('applies the defaults', () => {
    expect(resolveRuleOptions()).toEqual({ objective: 99.9, jobSelector: '', threshold500: 0.05, threshold503: 0.1, minRps: 0.1, undocumentedMinRps: 0.01, prefix: '' });
    expect(resolveRuleOptions()).toEqual(DEFAULT_RULE_OPTIONS);
  });

  it.each([
    [{ objective: 250 }, 'objective 250 must be a percentage above 0 and below 100, e.g. 99.9'],
    [{ objective: 100 }, 'objective 100 must be a percentage above 0 and below 100, e.g. 99.9'],
    [{ objective: Number.NaN }, 'objective null must be a percentage above 0 and below 100, e.g. 99.9'],
    [{ threshold500: -0.01 }, 'threshold500 -0.01 must be a share of responses above 0 and at most 1'],
    [{ threshold503: 0 }, 'threshold503 0 must be a share of responses above 0 and at most 1'],
    [{ minRps: -1 }, 'minRps -1 must be a number of requests per second >= 0'],
    [{ undocumentedMinRps: Number.POSITIVE_INFINITY }, 'undocumentedMinRps null must be a number of responses per second >= 0'],
    [{ prefix: 'my-app_' }, 'prefix "my-app_" is not a valid metric name prefix'],
    [{ jobSelector: 'job=api' }, 'job selector "job=api" is not a list of label matchers such as job="api" or job=~"api|web"'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveRuleOptions(options)).toThrow(RuleOptionsError);
    expect(() => resolveRuleOptions(options)).toThrow(message);
  });
});

describe('parseJobSelector', () => {
  it.each([
    ['job="api"', 'job="api"'],
    ['{job="api"}', 'job="api"'],
    [' { job =~ "api|web" , env!="dev", } ', 'job =~ "api|web" , env!="dev"'],
    ['job="a\\"b"', 'job="a\\"b"'],
    ['', ''],
    ['{}', ''],
  ])('accepts %j', (raw, expected) => {
    expect(parseJobSelector(raw)).toBe(expected);
  });

  it.each(['job="api', 'job=', '"api"', 'job="api" env="x"', 'job="api"}', '1job="x"', 'job=="x"', 'job="x"; drop'])('rejects %j', (raw) => {
    expect(() => parseJobSelector(raw)).toThrow(`job selector ${JSON.stringify(raw)} is not a list of label matchers`);
  });
});

describe('formatting', () => {
  it('writes numbers without float noise', () => {
    expect(formatNumber(1 - 0.999)).toBe('0.001');
    expect(formatNumber(14.4)).toBe('14.4');
    expect(formatPercent(0.05)).toBe('5%');
    expect(formatPercent(0.001)).toBe('0.1%');
  });
});
