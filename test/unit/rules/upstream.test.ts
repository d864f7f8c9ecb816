import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveRuleOptions } from '../../../src/rules/options.js';
import { ruleFile } from '../../../src/rules/rule-file.js';
import { UPSTREAM_ALERT_NAMES, upstreamAlertRules, upstreamRecordedNames, upstreamRecordingRules } from '../../../src/rules/upstream.js';
import { clientMetricNames } from '../../../src/record/client-names.js';
import { checkPromql } from '../../helpers/promql.js';

describe('the upstream rules', () => {
  it('are two groups of the rule file: 3 recordings, 2 warning alerts', () => {
    const groups = ruleFile(resolveRuleOptions()).groups.slice(2);
    expect(groups.map((g) => g.name)).toEqual(['faultline.upstream.rules', 'faultline.upstream.alerts']);
    expect(upstreamAlertRules(resolveRuleOptions()).map((a) => `${a.alert}/${a.labels['severity']}/${a.for}`)).toEqual([
      'HTTPUpstreamServiceFaultsHigh/warning/5m',
      'HTTPUpstreamUndocumentedStatusCodes/warning/10m',
    ]);
    expect(upstreamAlertRules(resolveRuleOptions()).map((a) => a.alert)).toEqual([...UPSTREAM_ALERT_NAMES]);
  });

  it('parse with the PromQL grammar and read only the client metrics or their own recordings, each recording used', () => {
    const o = resolveRuleOptions();
    const recorded = new Set(upstreamRecordingRules(o).map((r) => r.record));
    const contract = new Set(Object.values(clientMetricNames()));
    for (const rule of [...upstreamRecordingRules(o), ...upstreamAlertRules(o)]) {
      const { errors, metrics } = checkPromql(rule.expr);
      expect(errors, rule.expr).toEqual([]);
      for (const m of metrics) expect(contract.has(m) || recorded.has(m), `${m} in ${rule.expr}`).toBe(true);
    }
    const used = new Set(upstreamAlertRules(o).flatMap((a) => checkPromql(a.expr).metrics));
    // the calls rate is read by the ratio and the alert's traffic guard
    expect([...recorded].filter((r) => !used.has(r))).toEqual([]);
  });

  it('never read client faults: the caller\'s own 4xx do not alert', () => {
    for (const rule of [...upstreamRecordingRules(resolveRuleOptions()), ...upstreamAlertRules(resolveRuleOptions())]) {
      expect(rule.expr).not.toMatch(/client_fault|code=~?"4/);
    }
  });

  it('put the job selector into every selector and the prefix into every name', () => {
    const o = resolveRuleOptions({ jobSelector: 'job="api"', prefix: 'shop_', minRps: 2 });
    const names = upstreamRecordedNames('shop_');
    expect(upstreamRecordingRules(o).map((r) => r.record)).toEqual([names.calls, names.serviceFaultRatio, names.undocumentedRate]);
    expect(names.calls).toBe('job_upstream:shop_http_client_calls:rate5m');
    for (const r of upstreamRecordingRules(o)) {
      expect(r.expr).not.toMatch(/[^_]http_client_/);
      for (const m of r.expr.matchAll(/shop_http_client_(?:responses|failed_requests)_total(\{[^}]*\})?/g)) expect(m[1] ?? '', r.expr).toContain('job="api"');
    }
    expect(upstreamAlertRules(o)[0]!.expr).toBe(
      'job_upstream:shop_http_client_service_faults:ratio_rate5m > 0.1 and on (job, upstream) job_upstream:shop_http_client_calls:rate5m >= 2',
    );
  });

  it('link a runbook section of the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const a of upstreamAlertRules(resolveRuleOptions())) {
      expect(a.annotations.runbook_url).toBe(`https://github.com/faultline/faultline#runbook-${a.alert.toLowerCase()}`);
      expect(readme).toContain(`### Runbook: ${a.alert}\n`);
    }
  });
});
