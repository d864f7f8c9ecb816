import http from 'node:http';
import { DEMO_ROUTES } from './service.js';

/** Shares (0-1) of each kind of answer the generator asks the demo service for. */
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
interface Shot { method: string; path: string; fault: number | undefined }

function pick<T>(items: readonly T[], r: number): T {
  return items[Math.floor(r * items.length) % items.length]!;
}

/** Chooses the next request from the rates (random source injectable for tests). */
export function nextShot(rates: FaultRates, random: () => number = Math.random): Shot {
  const route = pick(DEMO_ROUTES, random());
  const path = route.template.replace('{project_id}', 'p1').replace('{instance_id}', `i${Math.floor(random() * 1000)}`);
  const r = random();
  let fault: number | undefined;
  let method = route.method;
  let target = path;
  if (r < rates.error500) fault = 500;
  else if (r < rates.error500 + rates.unavailable503) fault = 503;
  else if (r < rates.error500 + rates.unavailable503 + rates.undocumented) fault = pick(UNDOCUMENTED, random());
  else if (r < rates.error500 + rates.unavailable503 + rates.undocumented + rates.client) {
    const kind = random();
    if (kind < 0.15) target = `/v3/p1/unknown-${Math.floor(random() * 100)}`; // 404
    else if (kind < 0.25) method = 'PUT'; // 405
    else fault = pick(CLIENT_CODES, random());
  }
  return { method, path: target, fault };
}

/** Sends requests to the demo service until stopped; `onAnswer` sees every status code. */
export function startTraffic(port: number, rates: FaultRates, ratePerSecond: number, onAnswer: (code: number) => void): () => void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let stopped = false;
  const interval = Math.max(1, Math.round(1000 / ratePerSecond));
  const timer = setInterval(() => {
    if (stopped) return;
    const shot = nextShot(rates);
    const headers: Record<string, string> = shot.fault === undefined ? {} : { 'x-demo-fault': String(shot.fault) };
    const req = http.request({ host: '127.0.0.1', port, method: shot.method, path: shot.path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => onAnswer(res.statusCode ?? 0));
    });
    req.on('error', () => undefined);
    req.end();
  }, interval);
  return () => {
    stopped = true;
    clearInterval(timer);
    agent.destroy();
  };
}
