import { describe, expect, it } from 'vitest';
import { ANSI } from '../../../src/cli/colour.js';
import { TopModel } from '../../../src/top/model.js';
import { parseExposition } from '../../../src/top/parse.js';
import { formatRate, formatShare, renderSummaryLine, renderTop, sparkline } from '../../../src/top/render.js';
import { FIRST, SECOND } from './fixtures.js';

const URL = 'http://127.0.0.1:9464/metrics';

function twoScrapes() {
  const model = new TopModel();
  const first = model.update(parseExposition(FIRST), 1000);
  const second = model.update(parseExposition(SECOND), 3000);
  return { first, second };
}

describe('renderTop', () => {
  it('renders the exact screen for a pair of scrapes (no colour, no width limit)', () => {
    const { second } = twoScrapes();
    expect(renderTop(second, { url: URL, interval: 2, time: '10:21:07' }).join('\n')).toBe(
      [
        'faultline top  http://127.0.0.1:9464/metrics  every 2s  10:21:07',
        '',
        'server  50.0/s  total 216  aborted 1.00/s  in flight 2',
        '  client faults 12.0%  service faults 8.0%  undocumented 2.0%',
        '  CODE  CATEGORY        RATE/S     TOTAL  TREND       DESCRIPTION',
        '  200   success           40.0       180           █  Request succeeded.',
        '  413   client_fault      5.00        20           █  The request exceeds the resource quota.',
        '! 418   client_fault      1.00         4           █  (not in the catalog)',
        '  503   service_fault     4.00        12           █  The request was not completed: the system is temporarily abnormal.',
        '',
        'outbound 127.0.0.1:8081  10.0/s  total 40  failed 0.50/s',
        '  client faults 0.0%  service faults 10.0%  undocumented 90.0%',
        '  CODE  CATEGORY        RATE/S     TOTAL  TREND       DESCRIPTION',
        '! 202   success           9.00        38           █  (not in the catalog)',
        '  503   service_fault     1.00         2           █  The request was not completed: the system is temporarily abnormal.',
        '',
        '! undocumented: the catalog does not list this code (for at least one operation)',
      ].join('\n'),
    );
  });

  it('says that rates come with the second scrape', () => {
    const { first } = twoScrapes();
    const lines = renderTop(first, { url: URL, interval: 2, time: '10:21:05' });
    expect(lines[2]).toBe('server  -/s  total 116  aborted -/s  in flight 2');
    expect(lines[3]).toBe('  client faults -  service faults -  undocumented -');
    expect(lines[5]).toBe('  200   success              -       100              Request succeeded.');
    expect(lines.at(-1)).toBe('rates appear after the second scrape');
  });

  it('colours categories, highlights undocumented codes and cuts descriptions to the width', () => {
    const { second } = twoScrapes();
    const lines = renderTop(second, { url: URL, interval: 2, time: '10:21:07', width: 80, paint: ANSI, notice: 'last scrape failed: connection refused' });
    expect(lines[0]).toBe('\x1b[1mfaultline top\x1b[22m  http://127.0.0.1:9464/metrics  every 2s  10:21:07');
    expect(lines[1]).toBe('\x1b[31mlast scrape failed: connection refused\x1b[39m');
    expect(lines[4]).toBe('  client faults \x1b[33m12.0%\x1b[39m  service faults \x1b[31m8.0%\x1b[39m  undocumented \x1b[35m2.0%\x1b[39m');
    expect(lines[7]).toBe('  413   \x1b[33mclient_fault  \x1b[39m    5.00        20  \x1b[33m         █\x1b[39m  The request exceeds the r…');
    expect(lines[8]).toBe('\x1b[7m\x1b[35m! 418  \x1b[39m\x1b[27m \x1b[33mclient_fault  \x1b[39m    1.00         4  \x1b[33m         █\x1b[39m  \x1b[35m(not in the catalog)\x1b[39m');
    // without escapes every line fits in 80 columns
    // eslint-disable-next-line no-control-regex
    for (const line of lines) expect(line.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(80);
  });

  it('warns about series past the limit', () => {
    const text = SECOND.replace('faultline_series_overflow_total{metric="http_server_responses_total"} 0', 'faultline_series_overflow_total{metric="http_server_responses_total"} 7');
    const view = new TopModel().update(parseExposition(text), 0);
    expect(renderTop(view, { url: URL, interval: 1, time: 't' })).toContain('7 observations recorded under route "overflow": the series limit was reached');
  });

  it('sums a view up in one line', () => {
    const { second } = twoScrapes();
    expect(renderSummaryLine(second, '10:21:07')).toBe(
      '10:21:07  server 50.0/s total 216  client faults 12.0%  service faults 8.0%  undocumented 2.0%  | outbound 127.0.0.1:8081 10.0/s total 40  service faults 10.0%',
    );
  });
});

describe('sparkline and number formats', () => {
  it('scales to the maximum and right-aligns', () => {
    expect(sparkline([0, 1, 2, 4], 6)).toBe('  ▁▃▅█');
    expect(sparkline([0, 0], 3)).toBe(' ▁▁');
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 4)).toBe('▆▇▇█');
    expect(sparkline([], 2)).toBe('  ');
  });

  it('formats rates and shares', () => {
    expect([formatRate(undefined), formatRate(0), formatRate(9.999), formatRate(12.34), formatRate(1234.5)]).toEqual(['-', '0.00', '10.00', '12.3', '1235']);
    expect([formatShare(undefined), formatShare(0), formatShare(0.1234)]).toEqual(['-', '0.0%', '12.3%']);
  });
});
