import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition } from '../../../src/top/parse.js';

describe('parseExposition', () => {
  it('reads samples, labels with escapes, special values and TYPE lines', () => {
    const text = [
      '# HELP a_total Something "quoted".',
      '# TYPE a_total counter',
      'a_total{code="200",description="say \\"hi\\"\\\\ and\\nbye"} 3',
      'b +Inf',
      'c{} NaN 1700000000000',
      'd_total{x="1"} 5 # {trace_id="abc"} 1 1700000000.000',
      '# EOF',
    ].join('\n');
    const scrape = parseExposition(text);
    expect(scrape.types.get('a_total')).toBe('counter');
    expect(scrape.samples.map((s) => [s.name, s.labels, s.value])).toEqual([
      ['a_total', { code: '200', description: 'say "hi"\\ and\nbye' }, 3],
      ['b', {}, Infinity],
      ['c', {}, NaN],
      ['d_total', { x: '1' }, 5],
    ]);
  });

  it('names the line that does not parse', () => {
    expect(() => parseExposition('ok 1\n<!DOCTYPE html>\n')).toThrow(new ExpositionError(2, '"<!DOCTYPE" is not a metric name'));
    expect(() => parseExposition('hello')).toThrow('line 1: sample without a value');
    expect(() => parseExposition('a{code="200} 1')).toThrow('line 1: label code has no closing quote');
    expect(() => parseExposition('a x')).toThrow('line 1: "x" is not a sample value');
  });
});
