import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { builtinCatalog } from '../catalog/builtin.js';
import type { Catalog } from '../catalog/types.js';
import { compileRoutes } from '../catalog/route-matcher.js';

/**
 * The API the demo imitates, modelled on the seed document's cloud database API: instances (creation is
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
  /** Whether the operation calls the upstream API before answering. */
  readonly callsUpstream: boolean;
}

const P = '/v3/{project_id}';
const SEG = '[^/]+';

/** The operations of the demo service. */
export const DEMO_ROUTES: readonly DemoRoute[] = [
  { method: 'GET', template: `${P}/instances`, pattern: new RegExp(`^/v3/${SEG}/instances$`), ok: 200, callsUpstream: false },
  { method: 'POST', template: `${P}/instances`, pattern: new RegExp(`^/v3/${SEG}/instances$`), ok: 202, callsUpstream: true },
  { method: 'GET', template: `${P}/instances/{instance_id}`, pattern: new RegExp(`^/v3/${SEG}/instances/${SEG}$`), ok: 200, callsUpstream: true },
  { method: 'DELETE', template: `${P}/instances/{instance_id}`, pattern: new RegExp(`^/v3/${SEG}/instances/${SEG}$`), ok: 202, callsUpstream: false },
  { method: 'GET', template: `${P}/backups`, pattern: new RegExp(`^/v3/${SEG}/backups$`), ok: 200, callsUpstream: false },
  { method: 'POST', template: `${P}/backups`, pattern: new RegExp(`^/v3/${SEG}/backups$`), ok: 202, callsUpstream: true },
];

/**
 * The operation for a method and path, if the API has it.
 * @example
 * ```ts
 * demoRoute('POST', '/v3/p1/instances')?.ok; // 202
 * ```
 */
export function demoRoute(method: string | undefined, path: string): DemoRoute | undefined {
  return DEMO_ROUTES.find((r) => r.method === method && r.pattern.test(path));
}

/**
 * Sends a JSON answer shaped like the API's (a job id for 202, an error code for faults).
 * @example
 * ```ts
 * answer(res, 413); // {"error_code":"DBS.413","error_msg":"Payload Too Large"}
 * ```
 */
export function answer(res: ServerResponse, code: number): void {
  let body: unknown;
  if (code === 202) body = { job_id: `job-${Date.now().toString(36)}` };
  else if (code < 300) body = { instances: [], total_count: 0 };
  else body = { error_code: `DBS.${code}`, error_msg: http.STATUS_CODES[code] ?? 'error' };
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The catalog of the simulated upstream: the built-in codes, plus the API's path templates so
 * that its calls get a `route` label (the base's `/v3` prefix removed) instead of `unmatched`.
 * @example
 * ```ts
 * fl.upstream({ base: 'http://127.0.0.1:8081/v3', catalog: demoUpstreamCatalog() });
 * ```
 */
export function demoUpstreamCatalog(): Catalog {
  return { ...builtinCatalog(), name: 'demo-upstream', routes: compileRoutes(new Set(DEMO_ROUTES.map((r) => r.template))) };
}
