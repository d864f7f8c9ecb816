import http from 'node:http';
import { DEMO_ROUTES } from './api.js';

/** Shares (0-1) of each kind of answer the generator asks the demo service (and its upstream) for. */
export interface FaultRates {
  /** Client faults the document lists (400, 401, 403, 404, 405, 409, 413, 415, 422). */
  readonly client: number;
  /** 500 Internal Server Error. */
  readonly error500: number;
  /** 503 Service Unavailable (maintenance). */
  readonly unavailable503: number;
  /** Codes the document does not list (429, 418, 502). */
  readonly undocumented: number;
}

/** The default mix: mostly healthy, a little of everything. */
export const DEFAULT_RATES: FaultRates = { client: 0.12, error500: 0.02, unavailable503: 0.03, undocumented: 0.03 };

const CLIENT_CODES = [400, 401, 403, 409, 413, 415, 422];
const UNDOCUMENTED = [429, 418, 502];

/** A request the generator sends. */
export interface Shot {
  readonly method: string;
  readonly path: string;
  /** The code the service is asked to answer (its normal one when undefined). */
  readonly fault: number | undefined;
  /** The code the upstream is asked to answer, for operations that call it. */
  readonly upstreamFault: number | undefined;
}

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length) % items.length]!;
}

/** A code drawn from the rates: 500, 503, an undocumented one, a documented client fault, or none. */
function drawFault(rates: FaultRates, random: () => number): number | 'not_found' | 'bad_method' | undefined {
  const r = random();
  let edge = rates.error500;
  if (r < edge) return 500;
  if (r < (edge += rates.unavailable503)) return 503;
  if (r < (edge += rates.undocumented)) return pick(UNDOCUMENTED, random());
  if (r < edge + rates.client) {
    const kind = random();
    if (kind < 0.15) return 'not_found';
    if (kind < 0.25) return 'bad_method';
    return pick(CLIENT_CODES, random());
  }
  return undefined;
}

/**
 * Chooses the next request from the rates (random source injectable for tests).
 * @example
 * ```ts
 * nextShot(DEFAULT_RATES); // { method: 'POST', path: '/v3/p1/instances', fault: undefined, upstreamFault: 503 }
 * ```
 */
export function nextShot(rates: FaultRates, random: () => number = Math.random): Shot {
  const route = pick(DEMO_ROUTES, random());
  let path = route.template.replace('{project_id}', 'p1').replace('{instance_id}', `i${Math.floor(random() * 1000)}`);
  let method = route.method;
  let fault: number | undefined;
  const drawn = drawFault(rates, random);
  if (drawn === 'not_found') path = `/v3/p1/unknown-${Math.floor(random() * 100)}`; // 404
  else if (drawn === 'bad_method') method = 'PUT'; // 405
  else fault = drawn;
  const up = drawFault(rates, random);
  return { method, path, fault, upstreamFault: typeof up === 'number' ? up : undefined };
}

/** Most requests in flight at once; the generator skips sending while the service is this far behind. */
const MAX_IN_FLIGHT = 64;

/**
 * Sends about `ratePerSecond` requests per second to the demo service until stopped;
 * `onAnswer` sees every status code. Returns the stop function.
 * @example
 * ```ts
 * const stop = startTraffic(port, DEFAULT_RATES, 50, (code) => counts[code]++);
 * ```
 */
export function startTraffic(port: number, rates: FaultRates, ratePerSecond: number, onAnswer: (code: number) => void = () => undefined): () => void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let stopped = false;
  let inFlight = 0;
  let credit = 0;
  let last = performance.now();
  const send = (): void => {
    const shot = nextShot(rates);
    const headers: Record<string, string> = {};
    if (shot.fault !== undefined) headers['x-demo-fault'] = String(shot.fault);
    if (shot.upstreamFault !== undefined) headers['x-demo-upstream-fault'] = String(shot.upstreamFault);
    inFlight++;
    const req = http.request({ host: '127.0.0.1', port, method: shot.method, path: shot.path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        inFlight--;
        onAnswer(res.statusCode ?? 0);
      });
    });
    req.on('error', () => {
      inFlight--;
    });
    req.end();
  };
  const timer = setInterval(() => {
    if (stopped) return;
    const now = performance.now();
    credit = Math.min(credit + ((now - last) / 1000) * ratePerSecond, ratePerSecond);
    last = now;
    while (credit >= 1 && inFlight < MAX_IN_FLIGHT) {
      credit -= 1;
      send();
    }
  }, 20);
  return () => {
    stopped = true;
    clearInterval(timer);
    agent.destroy();
  };
}
