import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../src/catalog/builtin.js';
import { catalogFromDocument } from '../../../src/catalog/file.js';
import { ClientRecorder, FAILURE_REASONS } from '../../../src/record/client-recorder.js';
import { DEFAULT_BUCKETS, Recorder } from '../../../src/record/recorder.js';

function recorders(seriesLimit = 2000): { server: Recorder; client: ClientRecorder } {
  const server = new Recorder({ catalog: builtinCatalog(), lang: 'en', seriesLimit, buckets: DEFAULT_BUCKETS, methods: ['PROPFIND'] });
  return { server, client: new ClientRecorder(server) };
}

const catalog = catalogFromDocument({
  codes: [{ code: 200, description: 'ok' }, { code: 413, description: 'quota' }],
  operations: [{ method: 'POST', route: '/v3/{project_id}/instances', codes: [202, 413] }],
}, 'test.yaml');

describe('ClientRecorder', () => {
  it('counts a response into one series per label set, with escaped labels and the classification', () => {
    const { client } = recorders();
    const up = client.upstream('rds.example.com');
    const route = client.route('/{project_id}/instances');
    const post = client.method('POST');
    const a = client.response(post, up, route, 413, catalog, '/v3/{project_id}/instances');
    const b = client.response(post, up, route, 413, catalog, '/v3/{project_id}/instances');
    expect(b).toBe(a);
    expect(a.count).toBe(2);
    expect(a.counterLabels).toBe('method="POST",upstream="rds.example.com",route="/{project_id}/instances",code="413",category="client_fault",documented="true"');
    // the operation documents 202 and 413 only: 200 is undocumented for it
    expect(client.response(post, up, route, 200, catalog, '/v3/{project_id}/instances').documented).toBe(false);
    // without an operation, the global list decides
    expect(client.response(client.method('GET'), up, client.route(undefined), 200, catalog, undefined).counterLabels)
      .toBe('method="GET",upstream="rds.example.com",route="unmatched",code="200",category="success",documented="true"');
  });

  it('labels unknown methods _OTHER and configured ones as themselves, as the server side does', () => {
    const { client } = recorders();
    const up = client.upstream('a:8080');
    expect(client.response(client.method('BREW'), up, client.route(undefined), 418, catalog, undefined).method).toBe('_OTHER');
    expect(client.response(client.method('PROPFIND'), up, client.route(undefined), 207, catalog, undefined).method).toBe('PROPFIND');
    expect(client.response(client.method('get'), up, client.route(undefined), 200, catalog, undefined).method).toBe('_OTHER');
  });

  it('observes durations into the shared buckets, separately from the count', () => {
    const { client } = recorders();
    const s = client.response(0, client.upstream('a'), client.route('/x'), 200, builtinCatalog(), undefined);
    client.observe(s, 0.003);
    client.observe(s, 0.2);
    client.observe(s, 11);
    client.observe(s, Number.NaN);
    expect(s.count).toBe(1);
    expect(s.observed).toBe(3);
    expect(s.sum).toBeCloseTo(11.203, 9);
    expect(Array.from(s.buckets)).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('counts failures by reason', () => {
    const { client } = recorders();
    const up = client.upstream('a');
    const route = client.route('/x');
    client.failed(0, up, route, FAILURE_REASONS.indexOf('timeout'));
    client.failed(0, up, route, FAILURE_REASONS.indexOf('timeout'));
    client.failed(0, up, route, FAILURE_REASONS.indexOf('connect'));
    expect([...client.failures.values()].map((s) => `${s.labels} ${s.count}`)).toEqual([
      'method="GET",upstream="a",route="/x",reason="timeout" 2',
      'method="GET",upstream="a",route="/x",reason="connect" 1',
    ]);
  });

  it('keeps totals exact past the series limit: new label sets go to route overflow', () => {
    const { client } = recorders(3);
    const up = client.upstream('a');
    for (let i = 0; i < 10; i++) client.response(0, up, client.route(`/r${i}`), 200, builtinCatalog(), `/r${i}`);
    for (let i = 0; i < 10; i++) client.failed(0, up, client.route(`/r${i}`), 0);
    expect(client.responses.size).toBe(4);
    expect([...client.responses.values()].reduce((a, s) => a + s.count, 0)).toBe(10);
    expect([...client.responses.values()].filter((s) => s.route === 'overflow').map((s) => s.count)).toEqual([7]);
    expect(client.overflowed.responses).toBe(7);
    expect([...client.failures.values()].reduce((a, s) => a + s.count, 0)).toBe(10);
    expect(client.overflowed.failed).toBe(7);
  });

  it('cleans route labels (control characters, length) and escapes upstream labels', () => {
    const { client } = recorders();
    const s = client.response(0, client.upstream('we"ird'), client.route('/a\nb'), 200, builtinCatalog(), undefined);
    expect(s.histogramLabels).toBe('method="GET",upstream="we\\"ird",route="/a b",code="200",category="success"');
  });
});
