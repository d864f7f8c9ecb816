import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERT_NAMES, alertRules, runbookUrl } from '../../../src/rules/alerts.js';
import { resolveRuleOptions } from '../../../src/rules/options.js';
import { recordedNames, recordingRules } from '../../../src/rules/recording.js';
import { renderRuleFile, ruleFile } from '../../../src/rules/rule-file.js';
import { burnWindows } from '../../../src/rules/windows.js';
import { metricNames } from '../../../src/record/names.js';
import { checkPromql } from '../../helpers/promql.js';

const COMMITTED = new URL('../../../alerts/faultline.rules.yml', import.meta.url);

describe('the rule file', () => {
  it('is committed exactly as the code generates it (run `npm run generate` after changing src/rules)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(renderRuleFile());
  });

  it('holds 14 recording rules and the 4 alerts (the burn alert as a page and a ticket)', () => {
    const file = ruleFile(resolveRuleOptions());
    expect(file.groups.map((g) => [g.name, g.rules.length])).toEqual([
      ['faultline.rules', 14], ['faultline.alerts', 5], ['faultline.upstream.rules', 3], ['faultline.upstream.alerts', 2],
    ]);
    const alerts = alertRules(resolveRuleOptions());
    expect(alerts.map((a) => `${a.alert}/${a.labels['severity']}/${a.for}`)).toEqual([
      'HTTP500RateHigh/critical/5m',
      'HTTP503RateHigh/critical/5m',
      'HTTPServiceFaultBudgetBurn/critical/2m',
      'HTTPServiceFaultBudgetBurn/warning/15m',
      'HTTPUndocumentedStatusCodes/warning/10m',
    ]);
    expect([...new Set(alerts.map((a) => a.alert))]).toEqual([...ALERT_NAMES]);
  });

  it('gives every alert a severity, a summary, a description and a runbook link into the README', () => {
    for (const a of alertRules(resolveRuleOptions())) {
      expect(Object.keys(a.labels)).toEqual(['severity']);
      expect(a.annotations.summary).toMatch(/\{\{ \$labels\.job \}\}/);
      expect(a.annotations.description.length).toBeGreaterThan(80);
      expect(a.annotations.runbook_url).toBe(`https://github.com/faultline/faultline#runbook-${a.alert.toLowerCase()}`);
    }
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const name of ALERT_NAMES) {
      expect(readme).toContain(`### Runbook: ${name}\n`);
      expect(runbookUrl(name)).toBe(`https://github.com/faultline/faultline#runbook-${name.toLowerCase()}`);
    }
  });

  it('never lets client faults page: no alert reads client_fault or 4xx', () => {
    const text = renderRuleFile();
    expect(text).not.toMatch(/client_fault|code=~?"4/);
  });

  it('parses every expression with the PromQL grammar and reads only contract metrics or its own recordings', () => {
    const o = resolveRuleOptions();
    const recorded = new Set(recordingRules(o).map((r) => r.record));
    const contract = new Set(Object.values(metricNames()));
    const rules = [...recordingRules(o), ...alertRules(o)];
    for (const rule of rules) {
      const { errors, metrics } = checkPromql(rule.expr);
      expect(errors, rule.expr).toEqual([]);
      expect(metrics.length, rule.expr).toBeGreaterThan(0);
      for (const m of metrics) expect(contract.has(m) || recorded.has(m), `${m} in ${rule.expr}`).toBe(true);
    }
    // every recording is used by an alert
    const used = new Set(alertRules(o).flatMap((a) => checkPromql(a.expr).metrics));
    expect([...recorded].filter((r) => !used.has(r))).toEqual([]);
  });

  it('puts the job selector into every selector and the prefix into every name', () => {
    const text = renderRuleFile({ jobSelector: '{job=~"api|web"}', prefix: 'shop_', objective: 99.5, threshold500: 0.02, threshold503: 0.2, minRps: 1 });
    const doc = parse(text) as { groups: Array<{ rules: Array<{ record?: string; alert?: string; expr: string }> }> };
    const recordings = doc.groups[0]!.rules;
    for (const r of recordings) {
      expect(r.record).toMatch(/^job(_code)?:shop_http_server_/);
      expect(r.expr).toContain('shop_http_server_responses_total{job=~"api|web"');
      expect(r.expr).not.toMatch(/[^_]http_server_responses_total/);
    }
    const alerts = doc.groups[1]!.rules;
    expect(alerts[0]!.expr).toBe('job_code:shop_http_server_responses:ratio_rate5m{code="500"} > 0.02 and on (job) job:shop_http_server_responses:rate5m >= 1');
    expect(alerts[1]!.expr).toBe('job_code:shop_http_server_responses:ratio_rate5m{code="503"} > 0.2 and on (job) job:shop_http_server_responses:rate5m >= 1');
    expect(alerts[2]!.expr).toContain('job:shop_http_server_service_faults:ratio_rate1h > (14.4 * 0.005)');
    expect(alerts[3]!.expr).toContain('job:shop_http_server_service_faults:ratio_rate3d > (1 * 0.005)');
    expect(text.split('\n').slice(0, 2)).toEqual([
      '# Prometheus rules for services instrumented with faultline. Generated; do not edit:',
      `#   faultline rules --slo 99.5 --threshold-500 2 --threshold-503 20 --min-rps 1 --job-selector 'job=~"api|web"'`,
    ]);
  });

  it('records a service-fault ratio for every burn window', () => {
    const names = recordingRules(resolveRuleOptions()).map((r) => r.record);
    for (const w of burnWindows()) {
      expect(names).toContain(`job:http_server_service_faults:ratio_rate${w}`);
    }
    expect(burnWindows()).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
    expect(names.filter((n) => n.startsWith('job:http_server_responses:'))).toEqual(['5m', '1h', '6h', '1d', '3d'].map((w) => recordedNames().requests(w)));
  });
});
