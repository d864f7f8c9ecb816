import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { paintFor } from './colour.js';
import { onInterrupt, pause } from './interrupt.js';
import { CliError } from './errors.js';
import { Screen } from './screen.js';
import { ScrapeError, scrapeEndpoint } from '../top/fetch.js';
import { TopModel } from '../top/model.js';
import type { TopView } from '../top/model.js';
import { renderTop } from '../top/render.js';

/** Options of `faultline top`. */
interface TopOptions {
  interval: number;
  token?: string;
  once?: boolean;
  iterations?: number;
  timeout: number;
}

function seconds(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected seconds between ${min} and ${max}, got "${value}"`);
    return n;
  };
}

function count(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return Number(value);
}

function metricsUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.includes('://') ? value : `http://${value}`);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (e.g. http://127.0.0.1:9464/metrics)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`"${value}" is not an http(s) URL`);
  if (url.pathname === '/') url.pathname = '/metrics';
  return url.toString();
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** Runs `faultline top`; resolves when done (Ctrl-C, --once or --iterations). */
async function runTop(url: string, opts: TopOptions): Promise<void> {
  const token = opts.token ?? process.env['FAULTLINE_TOKEN'];
  const screen = new Screen(process.stdout);
  const paint = paintFor(process.stdout);
  const interrupt = onInterrupt();
  const model = new TopModel();
  const timeoutMs = opts.timeout * 1000;
  const scrape = async (): Promise<TopView> => model.update(await scrapeEndpoint(url, { token, timeoutMs, signal: interrupt.signal }), Date.now());
  const show = (view: TopView, notice?: string): void => {
    screen.draw(renderTop(view, { url, interval: opts.interval, time: clock(), width: screen.width, paint, notice }));
  };
  try {
    let view: TopView;
    try {
      view = await scrape();
      if (opts.once === true) {
        // one snapshot with rates: a second scrape one interval later
        await pause(opts.interval * 1000, interrupt.signal);
        if (!interrupt.signal.aborted) view = await scrape();
        show(view);
        return;
      }
    } catch (err) {
      if (interrupt.signal.aborted) return;
      throw err instanceof ScrapeError ? new CliError(err.message) : err;
    }
    show(view);
    let shown = 1;
    while (!interrupt.signal.aborted && (opts.iterations === undefined || shown < opts.iterations)) {
      await pause(opts.interval * 1000, interrupt.signal);
      if (interrupt.signal.aborted) break;
      try {
        view = await scrape();
        show(view);
      } catch (err) {
        if (interrupt.signal.aborted) break;
        if (!(err instanceof ScrapeError)) throw err;
        const notice = `last scrape failed at ${clock()}: ${err.message}; retrying`;
        if (screen.live) show(view, notice);
        else process.stderr.write(`faultline: ${notice}\n`);
      }
      shown++;
    }
  } finally {
    screen.close();
    interrupt.dispose();
  }
}

/** `faultline top <metrics-url>`: a live terminal view of any faultline endpoint. */
export function registerTop(program: Command): void {
  program
    .command('top')
    .description('live view of a faultline metrics endpoint: rates by status code with category and description, fault shares, undocumented codes')
    .argument('<metrics-url>', 'the endpoint, e.g. http://127.0.0.1:9464/metrics (path defaults to /metrics)', metricsUrl)
    .option('-i, --interval <seconds>', 'seconds between scrapes', seconds(0.2, 3600), 2)
    .addOption(new Option('--token <token>', 'bearer token of a protected endpoint').env('FAULTLINE_TOKEN'))
    .option('--once', 'print one snapshot (two scrapes, one interval apart) and exit')
    .option('-n, --iterations <n>', 'exit after this many screens', count)
    .option('--timeout <seconds>', 'give up on a scrape after this long', seconds(0.1, 600), 5)
    .addHelpText(
      'after',
      [
        '',
        'On a terminal the view is redrawn in place (Ctrl-C exits); piped or redirected, a plain-text',
        'snapshot is printed every interval. Rates need two scrapes; rows marked "!" are codes the',
        "endpoint's catalog does not document.",
        '',
        'Examples:',
        '  faultline top http://127.0.0.1:9464/metrics',
        '  faultline top localhost:9464 --interval 5',
        '  FAULTLINE_TOKEN=s3cret-token faultline top https://api.internal:9464/metrics',
        '  faultline top http://127.0.0.1:9464/metrics --once > snapshot.txt',
        '',
        'Exit codes: 0 ok (also after Ctrl-C), 1 the endpoint failed (unreachable, 401, not faultline), 2 bad arguments',
      ].join('\n'),
    )
    .action(async (url: string, opts: TopOptions) => {
      await runTop(url, opts);
    });
}
