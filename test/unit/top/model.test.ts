import { describe, expect, it } from 'vitest';
import { NotFaultlineError, TopModel } from '../../../src/top/model.js';
import { parseExposition } from '../../../src/top/parse.js';
import { FIRST, SECOND } from './fixtures.js';

describe('TopModel', () => {
  it('has totals but no rates after the first scrape', () => {
    const view = new TopModel().update(parseExposition(FIRST), 1000);
    expect(view.seconds).toBeUndefined();
    expect(view.mix).toEqual({ total: 116, rate: undefined, clientShare: undefined, serviceShare: undefined, undocumentedShare: undefined });
    expect(view.rows.map((r) => [r.code, r.total, r.rate, r.documented, r.history])).toEqual([
      ['200', 100, undefined, true, []],
      ['413', 10, undefined, true, []],
      ['418', 2, undefined, false, []],
      ['503', 4, undefined, true, []],
    ]);
  });

  it('turns counter growth into rates, shares and history', () => {
    const model = new TopModel();
    model.update(parseExposition(FIRST), 1000);
    const view = model.update(parseExposition(SECOND), 3000);
    expect(view.seconds).toBe(2);
    // 100 more responses in 2 s: 12 client faults (10 x 413 + 2 x 418), 8 service faults, 2 undocumented
    expect(view.mix).toEqual({ total: 216, rate: 50, clientShare: 0.12, serviceShare: 0.08, undocumentedShare: 0.02 });
    expect(view.rows).toEqual([
      { code: '200', category: 'success', description: 'Request succeeded.', documented: true, total: 180, rate: 40, history: [40] },
      { code: '413', category: 'client_fault', description: 'The request exceeds the resource quota.', documented: true, total: 20, rate: 5, history: [5] },
      { code: '418', category: 'client_fault', description: '', documented: false, total: 4, rate: 1, history: [1] },
      { code: '503', category: 'service_fault', description: 'The request was not completed: the system is temporarily abnormal.', documented: true, total: 12, rate: 4, history: [4] },
    ]);
    expect(view.inFlight).toBe(2);
    expect([view.abortedTotal, view.abortedRate]).toEqual([4, 1]);
    expect(view.upstreams).toEqual([
      {
        upstream: '127.0.0.1:8081',
        mix: { total: 40, rate: 10, clientShare: 0, serviceShare: 0.1, undocumentedShare: 0.9 },
        failedTotal: 1,
        failedRate: 0.5,
        rows: [
          { code: '202', category: 'success', description: '', documented: false, total: 38, rate: 9, history: [9] },
          { code: '503', category: 'service_fault', description: 'The request was not completed: the system is temporarily abnormal.', documented: true, total: 2, rate: 1, history: [1] },
        ],
      },
    ]);
  });

  it('treats a counter that went down as a restart of the target', () => {
    const model = new TopModel();
    model.update(parseExposition(SECOND), 0);
    const view = model.update(parseExposition(FIRST), 1000);
    expect(view.mix.rate).toBe(116);
    expect(view.rows.find((r) => r.code === '200')?.rate).toBe(100);
  });

  it('keeps the last historyLength rates per row', () => {
    const model = new TopModel(3);
    const texts = [FIRST, SECOND, FIRST, SECOND, FIRST];
    let view = model.update(parseExposition(texts[0]!), 0);
    for (let i = 1; i < texts.length; i++) view = model.update(parseExposition(texts[i]!), i * 1000);
    // rates of code 200 per 1 s interval: 80 (growth), 100 (reset), 80, 100
    expect(view.rows[0]!.history).toEqual([100, 80, 100]);
  });

  it('finds a prefixed target and rejects an endpoint without faultline metrics', () => {
    const prefixed = FIRST.replaceAll('http_', 'shop_http_').replaceAll('faultline_', 'shop_faultline_');
    const view = new TopModel().update(parseExposition(prefixed), 0);
    expect(view.prefix).toBe('shop_');
    expect(view.rows.map((r) => r.description)).toEqual(['Request succeeded.', 'The request exceeds the resource quota.', '', 'The request was not completed: the system is temporarily abnormal.']);
    expect(() => new TopModel().update(parseExposition('# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1\n'), 0)).toThrow(NotFaultlineError);
  });
});
