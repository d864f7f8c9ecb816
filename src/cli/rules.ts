import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_RULE_OPTIONS, RuleOptionsError, formatNumber, parseJobSelector, resolveRuleOptions } from '../rules/options.js';
import { renderRuleFile, ruleFile } from '../rules/rule-file.js';
import { CliError, EXIT } from './errors.js';

interface RulesFlags {
  slo: string;
  jobSelector: string;
  threshold500: string;
  threshold503: string;
  minRps: string;
  out?: string;
}

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

function number(flag: string, raw: string, ok: (n: number) => boolean, expected: string): number {
  const n = NUMBER_RE.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || !ok(n)) throw new CliError(`${flag} ${raw}: ${expected}`, EXIT.usage);
  return n;
}

const EXAMPLES = `
Examples:
  faultline rules > faultline.rules.yml
  faultline rules --slo 99.5 --job-selector 'job=~"api|web"' --out /etc/prometheus/rules/faultline.rules.yml
  faultline rules --threshold-500 2 --threshold-503 20 --min-rps 1

Thresholds are percentages of a job's responses over 5 minutes; --min-rps is the traffic a job
must serve (requests per second) before a ratio alert may fire, so a single 503 at night does not
page. The burn-rate alert uses the SRE workbook's windows against --slo.
`;

/**
 * `faultline rules`: writes the Prometheus rule file (recording rules and alerts) for the
 * user's objective, thresholds and job selector, to stdout or `--out`.
 * @example
 * ```ts
 * const program = new Command('faultline');
 * registerRules(program);
 * await program.parseAsync(['rules', '--slo', '99.5'], { from: 'user' });
 * ```
 */
export function registerRules(program: Command): void {
  const d = DEFAULT_RULE_OPTIONS;
  program
    .command('rules')
    .description('write the Prometheus recording and alerting rules for your objective and thresholds')
    .option('--slo <percent>', 'availability objective: percent of responses that are not service faults', formatNumber(d.objective))
    .option('--job-selector <matchers>', 'label matchers added to every selector, e.g. \'job="api"\' (default: every job)', '')
    .option('--threshold-500 <percent>', 'HTTP500RateHigh fires above this percentage of 500 responses', formatNumber(d.threshold500 * 100))
    .option('--threshold-503 <percent>', 'HTTP503RateHigh fires above this percentage of 503 responses', formatNumber(d.threshold503 * 100))
    .option('--min-rps <rps>', 'traffic guard: requests per second a job needs before a ratio alert fires', formatNumber(d.minRps))
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText('after', EXAMPLES)
    .action((flags: RulesFlags) => {
      const objective = number('--slo', flags.slo, (n) => n > 0 && n < 100, 'must be a percentage above 0 and below 100, e.g. 99.9');
      const threshold500 = number('--threshold-500', flags.threshold500, (n) => n > 0 && n <= 100, 'must be a percentage above 0 and at most 100, e.g. 5');
      const threshold503 = number('--threshold-503', flags.threshold503, (n) => n > 0 && n <= 100, 'must be a percentage above 0 and at most 100, e.g. 10');
      const minRps = number('--min-rps', flags.minRps, (n) => n >= 0, 'must be a number of requests per second >= 0, e.g. 0.1');
      let jobSelector: string;
      try {
        jobSelector = parseJobSelector(flags.jobSelector);
      } catch (err) {
        if (err instanceof RuleOptionsError) throw new CliError(`--job-selector ${flags.jobSelector}: is not a list of label matchers such as job="api" or job=~"api|web"`, EXIT.usage);
        throw err;
      }
      const options = resolveRuleOptions({ objective, jobSelector, threshold500: threshold500 / 100, threshold503: threshold503 / 100, minRps });
      const text = renderRuleFile(options);
      if (flags.out === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(flags.out, text);
      } catch (err) {
        throw new CliError(`cannot write ${flags.out} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      const rules = ruleFile(options).groups.flatMap((g) => g.rules);
      const recording = rules.filter((r) => 'record' in r).length;
      process.stdout.write(`wrote ${flags.out}: ${recording} recording rules, ${rules.length - recording} alerting rules\n`);
    });
}
