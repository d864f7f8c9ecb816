/**
 * The knobs of the generated rule file: the availability objective, the 500/503 thresholds and
 * the traffic guards. The dashboards read the same defaults, so their threshold lines are the
 * alert thresholds.
 */

/** Options of the generated Prometheus rule file. */
export interface RuleOptions {
  /** Availability objective in percent of responses that are not service faults, e.g. `99.9`. */
  readonly objective: number;
  /** Label matchers added to every selector, e.g. `job="api"` (empty: every job). */
  readonly jobSelector: string;
  /** Share of responses (0-1) with code 500 above which `HTTP500RateHigh` fires. */
  readonly threshold500: number;
  /** Share of responses (0-1) with code 503 above which `HTTP503RateHigh` fires. */
  readonly threshold503: number;
  /** Requests per second a job must serve before a ratio alert may fire (the traffic guard). */
  readonly minRps: number;
  /** Responses per second with one undocumented code before `HTTPUndocumentedStatusCodes` fires. */
  readonly undocumentedMinRps: number;
  /** Metric name prefix of the instrumented services (`FAULTLINE_PREFIX`). */
  readonly prefix: string;
}

/**
 * The defaults: 99.9 % availability, 5 % of 500s, 10 % of 503s (a short burst of 503 is what a
 * well-behaved service sends while it sheds load or restarts), 0.1 req/s of traffic (30 requests
 * in 5 minutes), 0.01 undocumented responses per second (3 in 5 minutes).
 *
 * @example
 * ```ts
 * import { DEFAULT_RULE_OPTIONS } from './options.js';
 * DEFAULT_RULE_OPTIONS.threshold500; // 0.05
 * ```
 */
export const DEFAULT_RULE_OPTIONS: RuleOptions = Object.freeze({
  objective: 99.9,
  jobSelector: '',
  threshold500: 0.05,
  threshold503: 0.1,
  minRps: 0.1,
  undocumentedMinRps: 0.01,
  prefix: '',
});

/** A bad rule option: the message names the option and the value. */
export class RuleOptionsError extends Error {
  override name = 'RuleOptionsError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(`${option} ${JSON.stringify(value)} ${problem}`);
  }
}

const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const VALUE = '"(?:[^"\\\\\\n]|\\\\.)*"';
const MATCHER = `\\s*${LABEL}\\s*(?:=~|!~|!=|=)\\s*${VALUE}\\s*`;
const MATCHERS_RE = new RegExp(`^${MATCHER}(?:,${MATCHER})*,?\\s*$`);
const PREFIX_RE = /^([a-zA-Z_][a-zA-Z0-9_]*)?$/;

/**
 * Checks a job selector (label matchers such as `job="api"` or `job=~"api|web", env="prod"`,
 * with or without braces) and returns it without braces.
 * @throws RuleOptionsError when it is not a list of label matchers.
 * @example
 * ```ts
 * parseJobSelector('{job="api"}'); // 'job="api"'
 * ```
 */
export function parseJobSelector(raw: string): string {
  let s = raw.trim();
  if (s.startsWith('{') && s.endsWith('}')) s = s.slice(1, -1).trim();
  if (s === '') return '';
  if (!MATCHERS_RE.test(s)) {
    throw new RuleOptionsError('job selector', raw, 'is not a list of label matchers such as job="api" or job=~"api|web"');
  }
  return s.replace(/,\s*$/, '');
}

function check(option: string, value: number, ok: boolean, problem: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok) throw new RuleOptionsError(option, value, problem);
  return value;
}

/**
 * Applies the defaults and validates every option.
 * @throws RuleOptionsError naming the first bad option.
 * @example
 * ```ts
 * const options = resolveRuleOptions({ objective: 99.5, jobSelector: 'job="api"' });
 * ```
 */
export function resolveRuleOptions(partial: Partial<RuleOptions> = {}): RuleOptions {
  const o = { ...DEFAULT_RULE_OPTIONS, ...partial };
  check('objective', o.objective, o.objective > 0 && o.objective < 100, 'must be a percentage above 0 and below 100, e.g. 99.9');
  check('threshold500', o.threshold500, o.threshold500 > 0 && o.threshold500 <= 1, 'must be a share of responses above 0 and at most 1');
  check('threshold503', o.threshold503, o.threshold503 > 0 && o.threshold503 <= 1, 'must be a share of responses above 0 and at most 1');
  check('minRps', o.minRps, o.minRps >= 0, 'must be a number of requests per second >= 0');
  check('undocumentedMinRps', o.undocumentedMinRps, o.undocumentedMinRps >= 0, 'must be a number of responses per second >= 0');
  if (typeof o.prefix !== 'string' || !PREFIX_RE.test(o.prefix)) throw new RuleOptionsError('prefix', o.prefix, 'is not a valid metric name prefix');
  return Object.freeze({ ...o, jobSelector: parseJobSelector(o.jobSelector) });
}

/**
 * A number as PromQL/YAML writes it, without float noise (`1 - 0.999` is `0.001`).
 * @example
 * ```ts
 * formatNumber(1 - 0.999); // '0.001'
 * ```
 */
export function formatNumber(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/**
 * A share as a percentage for humans (`0.05` -> `5%`).
 * @example
 * ```ts
 * formatPercent(0.05); // '5%'
 * ```
 */
export function formatPercent(share: number): string {
  return `${formatNumber(share * 100)}%`;
}
