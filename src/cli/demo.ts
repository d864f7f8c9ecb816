import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createFaultline } from '../faultline.js';
import { startDemoService } from '../demo/service.js';
import { DEFAULT_RATES, startTraffic } from '../demo/traffic.js';
import type { FaultRates } from '../demo/traffic.js';
import { startUpstream } from '../demo/upstream.js';
import { demoUpstreamCatalog } from '../demo/api.js';
import { TopModel } from '../top/model.js';
import type { TopView } from '../top/model.js';
import { parseExposition } from '../top/parse.js';
import { renderSummaryLine, renderTop } from '../top/render.js';
import { paintFor } from './colour.js';
import { CliError, EXIT } from './errors.js';
import { onInterrupt, pause } from './interrupt.js';
import { Screen } from './screen.js';
import { demoIntro } from './demo-intro.js';

/** Options of `faultline demo`. */
interface DemoOptions {
  port: number;
  host: string;
  servicePort: number;
  duration: number;
  rate: number;
  clientFaults: number;
  errors500: number;
  errors503: number;
  undocumented: number;
  token?: string;
}

function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected an integer ${min}-${max}, got "${value}"`);
    return Number(value);
  };
}

/** A share: `0.12` or `12%`. */
function share(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(value);
  const n = m === null ? NaN : Number(m[1]) / (m[2] === '%' ? 100 : 1);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`expected a share between 0 and 1 (or 0% and 100%), got "${value}"`);
  return n;
}

function token(value: string): string {
  if (value.length < 8 || /\s/.test(value)) throw new InvalidArgumentError('expected at least 8 characters without spaces');
  return value;
}

function closeServer(server: Server | undefined): Promise<void> {
  if (server === undefined || !server.listening) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function runDemo(opts: DemoOptions): Promise<void> {
  const rates: FaultRates = { client: opts.clientFaults, error500: opts.errors500, unavailable503: opts.errors503, undocumented: opts.undocumented };
  const sum = rates.client + rates.error500 + rates.unavailable503 + rates.undocumented;
  if (sum > 1 + 1e-9) throw new CliError(`the fault shares add up to ${sum.toFixed(2)}; together they must be at most 1`, EXIT.usage);

  const fl = createFaultline(opts.token === undefined ? {} : { token: opts.token });
  let upstream: Server | undefined;
  let service: Server | undefined;
  let metrics: AddressInfo;
  try {
    upstream = await startUpstream();
    const upstreamOrigin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    // the service's calls to it become the http_client_* series, routes without the /v3 prefix
    fl.upstream({ base: `${upstreamOrigin}/v3`, catalog: demoUpstreamCatalog() });
    service = await startDemoService(fl, { port: opts.servicePort, upstream: upstreamOrigin });
    metrics = await fl.listen(opts.port, opts.host).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(
        err.code === 'EADDRINUSE'
          ? `port ${opts.port} on ${opts.host} is taken (EADDRINUSE): stop what uses it or pick another with --port`
          : `cannot open the metrics endpoint on ${opts.host}:${opts.port}: ${err.code ?? err.message}`,
      );
    });
  } catch (err) {
    await closeServer(service);
    await closeServer(upstream);
    await fl.close();
    if (err instanceof CliError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new CliError(e.code === 'EADDRINUSE' ? `service port ${opts.servicePort} is taken (EADDRINUSE): pick another with --service-port` : `cannot start the demo: ${e.message}`);
  }

  const shownHost = opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const target = `${shownHost}:${metrics.port}`;
  const url = `http://${target}/metrics`;
  const out = process.stdout;
  const paint = paintFor(out);
  out.write(
    demoIntro({
      servicePort: (service.address() as AddressInfo).port,
      upstreamPort: (upstream.address() as AddressInfo).port,
      target,
      url,
      token: opts.token,
      rates,
      rate: opts.rate,
      duration: opts.duration,
      paint,
    }),
  );

  const interrupt = onInterrupt();
  const stopTraffic = startTraffic((service.address() as AddressInfo).port, rates, opts.rate);
  const screen = new Screen(out, true);
  const model = new TopModel();
  const started = Date.now();
  const deadline = opts.duration > 0 ? started + opts.duration * 1000 : Infinity;
  const every = screen.live ? 1000 : 2000;
  let view: TopView | undefined;
  try {
    while (!interrupt.signal.aborted && Date.now() < deadline) {
      await pause(Math.min(every, deadline - Date.now()), interrupt.signal);
      view = model.update(parseExposition(await fl.metrics('text')), Date.now());
      const time = new Date().toTimeString().slice(0, 8);
      if (screen.live) screen.draw([`${paint.bold('live')}  ${time}  Ctrl-C stops the demo`, ...renderTop(view, { url, interval: every / 1000, time, width: screen.width, paint }).slice(1)]);
      else out.write(`${renderSummaryLine(view, time)}\n`);
    }
  } finally {
    screen.close();
    interrupt.dispose();
    stopTraffic();
    await closeServer(service);
    await closeServer(upstream);
    await fl.close();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const total = view?.mix.total ?? 0;
  out.write(`faultline demo: stopped after ${seconds} s; ${total} responses counted${interrupt.signal.aborted ? ' (interrupted)' : ''}\n`);
}

/** `faultline demo`: the sample service, its upstream, a traffic generator and a live summary. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a sample service modelled on the seed API (and an upstream it calls), with traffic and faults, counted by faultline')
    .option('--port <n>', 'port of the metrics endpoint', intArg(0, 65535), 9464)
    .option('--host <host>', 'address the metrics endpoint binds', '127.0.0.1')
    .option('--service-port <n>', 'port of the sample service on 127.0.0.1 (0 = any free port)', intArg(0, 65535), 0)
    .option('--duration <seconds>', 'stop after this many seconds (0 = until Ctrl-C)', intArg(0, 86400), 0)
    .option('--token <token>', 'protect the metrics endpoint with this bearer token (at least 8 characters)', token)
    .option('--rate <rps>', 'requests per second sent to the service', intArg(1, 2000), 50)
    .option('--client-faults <share>', 'share of documented client faults (400-422)', share, DEFAULT_RATES.client)
    .option('--errors-500 <share>', 'share of 500 Internal Server Error', share, DEFAULT_RATES.error500)
    .option('--errors-503 <share>', 'share of 503 Service Unavailable', share, DEFAULT_RATES.unavailable503)
    .option('--undocumented <share>', 'share of codes the catalog does not list (418, 429, 502)', share, DEFAULT_RATES.undocumented)
    .addHelpText(
      'after',
      [
        '',
        'Shares are fractions (0.05) or percentages (5%); together at most 1. The same mix drives the',
        "answers of the simulated upstream, whose calls are counted as http_client_* series.",
        'On a terminal the summary is redrawn in place; otherwise a line is printed every 2 s.',
        '',
        'Examples:',
        '  faultline demo',
        '  faultline demo --port 9500 --duration 30',
        '  faultline demo --errors-503 0.2 --rate 100      # a maintenance window: watch HTTP503RateHigh fire',
        '  faultline demo --undocumented 10% --client-faults 0',
        '',
        'Exit codes: 0 ok (also after Ctrl-C), 1 could not start (e.g. port taken), 2 bad arguments',
      ].join('\n'),
    )
    .action(async (opts: DemoOptions) => {
      await runDemo(opts);
    });
}
