import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createFaultline } from '../faultline.js';
import { startDemoService } from '../demo/service.js';
import { DEFAULT_RATES, startTraffic } from '../demo/traffic.js';

function intArg(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected an integer ${min}-${max}, got "${value}"`);
    return Number(value);
  };
}

/** `faultline demo`: the sample service, a traffic generator and a summary line. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run a sample service modelled on the seed API, with traffic and faults, counted by faultline')
    .option('--port <n>', 'port of the metrics endpoint', intArg(0, 65535), 9464)
    .option('--host <host>', 'host of the metrics endpoint', '127.0.0.1')
    .option('--duration <seconds>', 'stop after this many seconds (0 = until Ctrl-C)', intArg(0, 86400), 0)
    .option('--rate <rps>', 'requests per second sent to the service', intArg(1, 2000), 50)
    .addHelpText('after', '\nExamples:\n  faultline demo\n  faultline demo --port 9500 --duration 30\n')
    .action(async (opts: { port: number; host: string; duration: number; rate: number }) => {
      const fl = createFaultline({});
      const service = await startDemoService(fl);
      const address = await fl.listen(opts.port, opts.host);
      const servicePort = (service.address() as { port: number }).port;
      const counts = new Map<number, number>();
      const out = process.stdout;
      out.write(`faultline demo: sample service on http://127.0.0.1:${servicePort}/v3/{project_id}/instances\n`);
      out.write(`metrics: http://${opts.host}:${address.port}/metrics\n`);
      out.write(`point Prometheus at it: scrape_configs: [{ job_name: faultline-demo, static_configs: [{ targets: ['${opts.host}:${address.port}'] }] }]\n`);
      const stopTraffic = startTraffic(servicePort, DEFAULT_RATES, opts.rate, (code) => counts.set(code, (counts.get(code) ?? 0) + 1));
      const summary = setInterval(() => {
        let total = 0, client = 0, service = 0;
        for (const [code, n] of counts) {
          total += n;
          if (code >= 400 && code < 500) client += n;
          if (code >= 500) service += n;
        }
        out.write(`responses ${total}  client faults ${client}  service faults ${service}\n`);
      }, 2000);
      await new Promise<void>((resolve) => {
        const done = (): void => resolve();
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
        if (opts.duration > 0) setTimeout(done, opts.duration * 1000).unref();
      });
      clearInterval(summary);
      stopTraffic();
      service.closeAllConnections();
      await new Promise<void>((resolve) => service.close(() => resolve()));
      await fl.close();
      out.write('faultline demo: stopped\n');
    });
}
