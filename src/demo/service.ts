import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Faultline } from '../faultline.js';
import { answer, DEMO_ROUTES } from './api.js';
import { callUpstream } from './upstream.js';

// The demo service: the API of api.ts on node:http, counted by faultline; some operations call
// the upstream first (see upstream.ts).

/** Where the demo service sends its upstream calls. */
interface UpstreamLink {
  readonly base: string;
  readonly agent: http.Agent;
}

function handle(fl: Faultline, upstream: UpstreamLink | undefined, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0]!;
  const sameTemplate = DEMO_ROUTES.filter((r) => r.pattern.test(path));
  const route = sameTemplate.find((r) => r.method === req.method);
  req.resume();
  if (sameTemplate.length === 0) {
    answer(res, 404);
    return;
  }
  fl.setRoute(req, res, sameTemplate[0]!.template);
  if (route === undefined) {
    answer(res, req.method === 'PATCH' ? 501 : 405);
    return;
  }
  const asked = Number(req.headers['x-demo-fault']);
  const code = Number.isInteger(asked) && asked >= 200 && asked <= 599 ? asked : route.ok;
  const delay = code === 503 ? 30 : code === 500 ? 15 : 2 + (path.length % 5);
  const reply = (): void => {
    setTimeout(() => answer(res, code), delay);
  };
  if (upstream === undefined || !route.callsUpstream) {
    reply();
    return;
  }
  const upstreamFault = Number(req.headers['x-demo-upstream-fault']);
  // the service's own answer does not depend on the upstream's: the traffic generator sets both
  void callUpstream(upstream.agent, upstream.base, route.method, path, Number.isInteger(upstreamFault) ? upstreamFault : undefined).then(reply);
}

/** Options of `startDemoService`. */
export interface DemoServiceOptions {
  /** Port on 127.0.0.1; 0 (default) = any free port. */
  readonly port?: number;
  /** Origin (`http://host:port`) of the upstream API the service calls (see `startUpstream`); none by default. */
  readonly upstream?: string;
}

/**
 * Starts the demo service on 127.0.0.1, counted by `fl`. Its upstream connections are closed
 * with the server.
 * @example
 * ```ts
 * const service = await startDemoService(fl, { upstream: 'http://127.0.0.1:8081' });
 * ```
 */
export function startDemoService(fl: Faultline, options: DemoServiceOptions = {}): Promise<Server> {
  const link = options.upstream === undefined ? undefined : { base: options.upstream, agent: new http.Agent({ keepAlive: true, maxSockets: 16 }) };
  const server = http.createServer((req, res) => handle(fl, link, req, res));
  server.on('close', () => link?.agent.destroy());
  fl.instrument(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
