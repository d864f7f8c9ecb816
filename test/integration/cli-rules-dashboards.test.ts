import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRuleFile, ruleFile } from '../../src/rules/rule-file.js';
import { resolveRuleOptions } from '../../src/rules/options.js';

// The built binary, as users run it (npm test builds first).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'faultline.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'faultline-cli-assets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the binary; several runs go in parallel (each start-up takes a while on a busy machine). */
function faultline(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function counts(options: Parameters<typeof resolveRuleOptions>[0]): string {
  const rules = ruleFile(resolveRuleOptions(options)).groups.flatMap((g) => g.rules);
  return `${rules.filter((r) => 'record' in r).length} recording rules, ${rules.filter((r) => 'alert' in r).length} alerting rules`;
}

describe.concurrent('faultline rules', () => {
  it('prints the bundled rule file with the defaults', async () => {
    const r = await faultline('rules');
    expect(r).toEqual({ code: 0, stdout: readFileSync(join(ROOT, 'alerts', 'faultline.rules.yml'), 'utf8'), stderr: '' });
  });

  it('writes the rules for the given objective, thresholds and job selector to --out', async () => {
    const out = join(scratch, 'api.rules.yml');
    const r = await faultline('rules', '--slo', '99.5', '--job-selector', 'job="api"', '--threshold-500', '2', '--threshold-503', '20', '--min-rps', '1', '--out', out);
    const options = { objective: 99.5, jobSelector: 'job="api"', threshold500: 0.02, threshold503: 0.2, minRps: 1 };
    expect(r).toEqual({ code: 0, stdout: `wrote ${out}: ${counts(options)}\n`, stderr: '' });
    expect(counts(options)).toMatch(/^(1[4-9]|[2-9]\d) recording rules, ([5-9]|\d\d) alerting rules$/);
    expect(readFileSync(out, 'utf8')).toBe(renderRuleFile(options));
    expect(readFileSync(out, 'utf8')).toContain('job_code:http_server_responses:ratio_rate5m{code="500"} > 0.02 and on (job) job:http_server_responses:rate5m >= 1');
  });

  it.each([
    [['--slo', '250'], '--slo 250: must be a percentage above 0 and below 100, e.g. 99.9'],
    [['--slo', 'high'], '--slo high: must be a percentage above 0 and below 100, e.g. 99.9'],
    [['--threshold-500', '-1'], '--threshold-500 -1: must be a percentage above 0 and at most 100, e.g. 5'],
    [['--min-rps', '-0.5'], '--min-rps -0.5: must be a number of requests per second >= 0, e.g. 0.1'],
    [['--job-selector', 'job="api"} or vector(1'], '--job-selector job="api"} or vector(1: is not a list of label matchers such as job="api" or job=~"api|web"'],
  ] as Array<[string[], string]>)('rejects %j with one line on stderr and exit 2', async (args, message) => {
    expect(await faultline('rules', ...args)).toEqual({ code: 2, stdout: '', stderr: `faultline: ${message}\n` });
  });

  it('reports an unwritable --out with exit 1', async () => {
    const out = join(scratch, 'missing', 'dir', 'x.yml');
    expect(await faultline('rules', '--out', out)).toEqual({ code: 1, stdout: '', stderr: `faultline: cannot write ${out} (ENOENT)\n` });
  });

  it('documents its options in --help', async () => {
    const r = await faultline('rules', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--slo <percent>', '--job-selector <matchers>', '--threshold-500 <percent>', '--threshold-503 <percent>', '--min-rps <rps>', '--out <file>']) expect(r.stdout).toContain(flag);
  });
});

describe.concurrent('faultline dashboards', () => {
  it('writes the bundled dashboards into a new directory', async () => {
    const out = join(scratch, 'grafana', 'dashboards');
    const r = await faultline('dashboards', '--out', out);
    const bundled = readdirSync(join(ROOT, 'dashboards')).sort();
    expect(bundled).toEqual(['faultline-http.json']);
    expect(r).toEqual({ code: 0, stdout: bundled.map((f) => `wrote ${join(out, f)}\n`).join(''), stderr: '' });
    for (const f of bundled) expect(readFileSync(join(out, f), 'utf8')).toBe(readFileSync(join(ROOT, 'dashboards', f), 'utf8'));
  });

  it('needs --out: one line on stderr, exit 2', async () => {
    const r = await faultline('dashboards');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^faultline: .*'--out <dir>'.*\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });

  it('reports an unwritable --out with exit 1', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    const r = await faultline('dashboards', '--out', join(file, 'sub'));
    expect(r).toEqual({ code: 1, stdout: '', stderr: `faultline: cannot write to ${join(file, 'sub')} (ENOTDIR)\n` });
  });
});
