import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DASHBOARDS, renderDashboard } from '../../../src/dashboards/dashboards.js';
import { DEFAULT_RULE_OPTIONS } from '../../../src/rules/options.js';
import { BURN_ALERTS } from '../../../src/rules/windows.js';
import { metricNames } from '../../../src/record/names.js';
import { clientMetricNames } from '../../../src/record/client-names.js';
import { GRAFANA_DEFAULTS, dashboardQueries, resolveVariables } from '../../helpers/grafana.js';
import type { DashboardJson } from '../../helpers/grafana.js';
import { checkPromql } from '../../helpers/promql.js';

const DIR = new URL('../../../dashboards/', import.meta.url);
const committed = (file: string): DashboardJson => JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as DashboardJson;
const MODERN = new Set(['row', 'timeseries', 'stat', 'table', 'gauge', 'bargauge']);

describe('the bundled dashboards', () => {
  it('are committed exactly as the code generates them (run `npm run generate` after changing src/dashboards)', () => {
    expect(readdirSync(DIR).sort()).toEqual(DASHBOARDS.map((d) => d.file).sort());
    for (const spec of DASHBOARDS) expect(readFileSync(new URL(spec.file, DIR), 'utf8'), spec.file).toBe(renderDashboard(spec));
  });

  it('have a fixed uid, rows in order and unique panel ids', () => {
    const d = committed('faultline-http.json');
    expect(d.uid).toBe('faultline-http');
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(d.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Overview', 'Status codes', 'Routes', 'Availability SLO', 'Upstreams']);
    expect(d.panels.map((p) => p.id)).toEqual(d.panels.map((_p, i) => i + 1));
    expect(d.annotations.list).toHaveLength(1);
  });

  it('use modern panel types only, all reading the datasource variable', () => {
    for (const spec of DASHBOARDS) {
      const d = committed(spec.file);
      for (const p of d.panels) {
        expect(MODERN.has(p.type), `${p.title}: ${p.type}`).toBe(true);
        if (p.type === 'row') continue;
        expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(new Set(p.targets?.map((t) => t.refId)).size).toBe(p.targets?.length);
      }
    }
  });

  it('declare a prometheus datasource variable and job, instance, route from label_values', () => {
    const vars = committed('faultline-http.json').templating.list;
    expect(vars.map((v) => `${v.type}:${v.name}`)).toEqual(['datasource:datasource', 'query:job', 'query:instance', 'query:route', 'custom:objective', 'query:upstream']);
    expect(vars[0]!.query).toBe('prometheus');
    expect(vars.slice(1, 4).map((v) => v.query)).toEqual([
      'label_values(http_server_responses_total, job)',
      'label_values(http_server_responses_total{job=~"$job"}, instance)',
      'label_values(http_server_responses_total{job=~"$job",instance=~"$instance"}, route)',
    ]);
    for (const v of vars.slice(1, 4)) {
      expect(v).toMatchObject({ datasource: { type: 'prometheus', uid: '${datasource}' }, multi: true, includeAll: true, allValue: '.*' });
    }
    expect(vars[4]!.query).toBe('99,99.5,99.9,99.95,99.99');
    // the Upstreams row's own variable
    expect(vars[5]).toMatchObject({ query: 'label_values(http_client_responses_total{job=~"$job",instance=~"$instance"}, upstream)', multi: true, includeAll: true, allValue: '.*' });
  });

  it('draw the alert thresholds: 500 and 503 shares at the rules\' thresholds, burn rate at the page factors', () => {
    const d = committed('faultline-http.json');
    const steps = (title: string): Array<number | null> => d.panels.find((p) => p.title.startsWith(title))!.fieldConfig!.defaults.thresholds!.steps.map((s) => s.value);
    expect(steps('Share of 500 responses')).toEqual([null, DEFAULT_RULE_OPTIONS.threshold500]);
    expect(steps('Share of 503 responses')).toEqual([null, DEFAULT_RULE_OPTIONS.threshold503]);
    expect(steps('Burn rate')).toEqual([null, ...BURN_ALERTS[0]!.conditions.map((c) => c.factor).sort((a, b) => a - b)]);
    expect(steps('Burn rate')).toEqual([null, 6, 14.4]);
  });

  it('hold PromQL that parses, once variables are resolved, and reads only contract metrics', () => {
    // the parser does report errors: an unresolved Grafana interval is one
    expect(checkPromql('sum(rate(http_server_responses_total[$__rate_interval]))').errors.length).toBeGreaterThan(0);
    expect(checkPromql('sum(rate(http_server_responses_total[1m])').errors.length).toBeGreaterThan(0);
    const n = metricNames();
    const c = clientMetricNames();
    const known = new Set([n.responses, n.aborted, n.inFlight, n.codeInfo, `${n.duration}_bucket`, `${n.duration}_sum`, `${n.duration}_count`, c.responses, c.failed, `${c.duration}_bucket`]);
    for (const spec of DASHBOARDS) {
      const queries = dashboardQueries(committed(spec.file));
      expect(queries.length).toBe(34); // 26 on served responses, 8 in the Upstreams row
      for (const q of queries) {
        const { errors, metrics } = checkPromql(resolveVariables(q.expr, GRAFANA_DEFAULTS));
        expect(errors, `${q.panel}: ${q.expr}`).toEqual([]);
        expect(metrics.length).toBeGreaterThan(0);
        for (const m of metrics) expect(known.has(m), `${q.panel}: ${m}`).toBe(true);
      }
      for (const v of committed(spec.file).templating.list.filter((x) => x.type === 'query')) {
        const inner = /^label_values\((.*), \w+\)$/.exec(String(v.query))![1]!;
        expect(checkPromql(resolveVariables(inner, GRAFANA_DEFAULTS)).errors).toEqual([]);
      }
    }
  });

  it('aggregate over instances: every panel query sums, groups or reduces', () => {
    for (const q of dashboardQueries(committed('faultline-http.json'))) {
      expect(q.expr, q.panel).toMatch(/^(\(?sum|1 - |topk|sort_desc|histogram_quantile|\(\(sum)/);
    }
  });
});
