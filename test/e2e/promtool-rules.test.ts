import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRuleFile } from '../../src/rules/rule-file.js';
import { findBinary, promtool } from '../helpers/prometheus.js';

const promtoolBin = findBinary('promtool');
const ALERTS = fileURLToPath(new URL('../../alerts/', import.meta.url));
const TESTS = readdirSync(join(ALERTS, 'tests')).filter((f) => f.endsWith('.test.yml')).sort();

describe.skipIf(!promtoolBin)('the bundled rule file under promtool', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'faultline-rules-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes `promtool check rules` with 24 rules (19 on served responses, 5 on outbound calls)', () => {
    const r = promtool(promtoolBin!, ['check', 'rules', join(ALERTS, 'faultline.rules.yml')]);
    expect(r.output).toContain('SUCCESS: 24 rules found');
    expect(r.code).toBe(0);
  });

  it('passes every `promtool test rules` file in alerts/tests', () => {
    expect(TESTS).toEqual(['burn-rate.test.yml', 'code-share.test.yml', 'undocumented.test.yml', 'upstream.test.yml']);
    const r = promtool(promtoolBin!, ['test', 'rules', ...TESTS.map((t) => join(ALERTS, 'tests', t))]);
    expect(r.output.match(/SUCCESS/g)?.length, r.output).toBe(TESTS.length);
    expect(r.output).not.toContain('FAILED');
    expect(r.code).toBe(0);
  });

  it('passes `promtool check rules` for other objectives, thresholds and job selectors', () => {
    const file = join(scratch, 'custom.rules.yml');
    writeFileSync(file, renderRuleFile({ objective: 99.95, jobSelector: 'job=~"api|web", env!="dev"', threshold500: 0.01, threshold503: 0.5, minRps: 2, prefix: 'shop_' }));
    const r = promtool(promtoolBin!, ['check', 'rules', file]);
    expect(r.output).toContain('SUCCESS: 24 rules found');
    expect(r.code).toBe(0);
  });

  it('the unit tests catch a wrong threshold: with 500 alerting at 20 %, the 10 % storm test fails', () => {
    const dir = join(scratch, 'mutant');
    cpSync(join(ALERTS, 'tests'), join(dir, 'tests'), { recursive: true });
    writeFileSync(join(dir, 'faultline.rules.yml'), renderRuleFile({ threshold500: 0.2 }));
    const r = promtool(promtoolBin!, ['test', 'rules', join(dir, 'tests', 'code-share.test.yml')]);
    expect(r.code).toBe(1);
    expect(r.output).toContain('FAILED');
    expect(r.output).toContain('alertname: HTTP500RateHigh, time: 10m');
  });
});
