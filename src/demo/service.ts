import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Faultline } from '../faultline.js';

/**
 * A sample service modelled on the seed document's cloud database API: instances (creation is
 * asynchronous and answers 202), backups, quotas (413), Content-Type checks (415), conflicts
 * (409), unprocessable bodies (422), maintenance windows (503), an occasional 500 — and a few
 * codes the document does not list (429, 418, 502). The client asks for a code with the
 * `x-demo-fault` header, so the traffic generator controls the mix exactly.
 */
export interface DemoRoute {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  /** Codes this operation answers when no fault is asked for. */
  readonly ok: number;
}

const P = '/v3/{project_id}';
const SEG = '[^/]+';

/** The operations of the demo service. */
export const DEMO_ROUTES: readonly DemoRoute[] = [
  { method: 'GET', template: `${P}/instances`, pattern: new RegExp(`^/v3/${SEG}/instances$`), ok: 200 },
  { method: 'POST', template: `${P}/instances`, pattern: new RegExp(`^/v3/${SEG}/instances$`), ok: 202 },
  { method: 'GET', template: `${P}/instances/{instance_id}`, pattern: new RegExp(`^/v3/${SEG}/instances/${SEG}$`), ok: 200 },
  { method: 'DELETE', template: `${P}/instances/{instance_id}`, pattern: new RegExp(`^/v3/${SEG}/instances/${SEG}$`), ok: 202 },
  { method: 'GET', template: `${P}/backups`, pattern: new RegExp(`^/v3/${SEG}/backups$`), ok: 200 },
  { method: 'POST', template: `${P}/backups`, pattern: new RegExp(`^/v3/${SEG}/backups$`), ok: 202 },
];

function reply(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(fl: Faultline, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const path = url.split('?')[0]!;
  const sameTemplate = DEMO_ROUTES.filter((r) => r.pattern.test(path));
  const route = sameTemplate.find((r) => r.method === req.method);
  if (sameTemplate.length === 0) {
    reply(res, 404, { error_code: 'DBS.0404', error_msg: 'not found' });
    return;
  }
  fl.setRoute(req, res, sameTemplate[0]!.template);
  if (route === undefined) {
    reply(res, req.method === 'PATCH' ? 501 : 405, { error_code: 'DBS.0405', error_msg: `${req.method ?? ''} is not supported here` });
    return;
  }
  const asked = Number(req.headers['x-demo-fault']);
  const code = Number.isInteger(asked) && asked >= 200 && asked <= 599 ? asked : route.ok;
  const delay = code === 503 ? 30 : code === 500 ? 15 : 2 + (path.length % 5);
  req.resume();
  setTimeout(() => {
    if (code === 202) reply(res, 202, { job_id: `job-${Date.now().toString(36)}` });
    else if (code < 300) reply(res, code, { instances: [], total_count: 0 });
    else reply(res, code, { error_code: `DBS.${code}`, error_msg: http.STATUS_CODES[code] ?? 'error' });
  }, delay);
}

/** Starts the demo service on 127.0.0.1 (port 0 = any free port), counted by `fl`. */
export function startDemoService(fl: Faultline, port = 0): Promise<Server> {
  const server = http.createServer((req, res) => handle(fl, req, res));
  fl.instrument(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
