import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseExposition } from './exposition.js';
import type { Sample } from './exposition.js';
import { pool, request, waitFor } from './net.js';

/** Response counts keyed `METHOD|route|code|category|documented`. */
export type Counts = Record<string, number>;

/** The `http_server_responses_total` samples of an exposition as `Counts`. */
export function responseCounts(samples: readonly Sample[]): Counts {
  const out: Counts = {};
  for (const s of samples) {
    if (s.name !== 'http_server_responses_total') continue;
    const l = s.labels;
    out[`${l['method']}|${l['route']}|${l['code']}|${l['category']}|${l['documented']}`] = s.value;
  }
  return out;
}

/** Parses an exposition and returns its response counts. */
export function countsOf(exposition: string): Counts {
  return responseCounts(parseExposition(exposition));
}

/** One request of a plan: method, path, how many times, and the status the app must answer. */
export interface Step {
  readonly method: string;
  readonly path: string;
  readonly times: number;
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** Sends a plan (sequentially per step, keep-alive) and checks every answer's status. */
export async function sendSteps(port: number, steps: readonly Step[]): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  try {
    const tasks = steps.flatMap((step) => Array.from({ length: step.times }, () => async () => {
      const answer = await request(port, { method: step.method, path: step.path, agent, body: step.body, headers: step.headers });
      if (answer.status !== step.status) {
        throw new Error(`${step.method} ${step.path}: expected ${step.status}, got ${answer.status} ${answer.body.toString().slice(0, 200)}`);
      }
    }));
    await pool(8, tasks);
  } finally {
    agent.destroy();
  }
}

/** A random token that cannot occur in any template (for "no request data in labels"). */
export function token(): string {
  return `q${randomBytes(6).toString('hex')}`;
}

/** The result of a scanner flood: the tokens it used and the statuses it got. */
export interface Flood {
  readonly tokens: string[];
  readonly statuses: Record<string, number>;
}

/**
 * A scanner: `count` requests to random paths with random query strings (`make(tokens)` gives
 * method and path from fresh random tokens), 16 at a time, bounded by `count`.
 */
export async function flood(port: number, count: number, make: (t: () => string) => { method: string; path: string }): Promise<Flood> {
  const tokens: string[] = [];
  const next = (): string => {
    const t = token();
    tokens.push(t);
    return t;
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const statuses: Record<string, number> = {};
  try {
    const tasks = Array.from({ length: count }, () => {
      const { method, path } = make(next);
      return async () => {
        const answer = await request(port, { method, path, agent });
        const key = `${method}|${answer.status}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      };
    });
    await pool(16, tasks);
  } finally {
    agent.destroy();
  }
  return { tokens, statuses };
}

/** Every label value of an exposition that contains one of the tokens (expected: none). */
export function leakedLabels(samples: readonly Sample[], tokens: readonly string[]): string[] {
  const leaked: string[] = [];
  const values = new Set<string>();
  for (const s of samples) for (const v of Object.values(s.labels)) values.add(v);
  for (const v of values) if (tokens.some((t) => v.includes(t))) leaked.push(v);
  return leaked;
}

/** A fixture or example app in a subprocess that printed one JSON line with its ports. */
export interface ChildApp {
  readonly child: ChildProcess;
  readonly ports: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Starts `node <file>` and waits (at most `timeoutMs`) for its first stdout line, by default a
 * JSON object of ports (e.g. `{"app":4321,"metrics":4322}`), else read by `parse`.
 */
export function startChild(
  file: string,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; args?: string[]; parse?: (line: string) => Record<string, number> } = {},
): Promise<ChildApp> {
  const parse = options.parse ?? ((line: string) => JSON.parse(line) as Record<string, number>);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.args ?? []), file], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} printed no ports within ${options.timeoutMs ?? 15_000} ms; stderr: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    const stop = (): Promise<void> => new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) { done(); return; }
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const nl = stdout.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve({ child, ports: parse(stdout.slice(0, nl)), stop });
      } catch (err) {
        child.kill('SIGKILL');
        reject(new Error(`${file} printed ${stdout.slice(0, nl)}: ${String(err)}; stderr: ${stderr}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${String(code)} before printing its ports; stderr: ${stderr}`));
    });
  });
}

/** The fixture apps (ESM and CommonJS, one per framework) that load the built `dist/`. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/adapters');

/** What every fixture app is sent. */
export const FIXTURE_PLAN: readonly Step[] = [
  { method: 'GET', path: '/v3/p1/instances/i1', times: 3, status: 200 },
  { method: 'GET', path: '/boom', times: 2, status: 500 },
  { method: 'GET', path: '/nope?q1a2b3c4', times: 1, status: 404 },
];

/** What every fixture app must count for FIXTURE_PLAN. */
export const FIXTURE_EXPECTED: Counts = {
  'GET|/v3/:project_id/instances/:instance_id|200|success|true': 3,
  'GET|/boom|500|service_fault|true': 2,
  'GET|unmatched|404|client_fault|true': 1,
};

/**
 * Runs a fixture app in a subprocess, sends FIXTURE_PLAN, scrapes its metrics endpoint and
 * returns the counts (run `npm run build` first: fixtures load `dist/`).
 */
export async function runFixture(file: string): Promise<Counts> {
  const child = await startChild(join(FIXTURES, file), { timeoutMs: 30_000 });
  try {
    await sendSteps(child.ports['app']!, FIXTURE_PLAN);
    const scrape = await request(child.ports['metrics']!, { path: '/metrics' });
    if (scrape.status !== 200) throw new Error(`${file}: scrape answered ${scrape.status}`);
    return countsOf(scrape.body.toString());
  } finally {
    await child.stop();
  }
}

/** Sends one request and closes the connection after `afterMs`, before the (slow) answer. */
export function abortRequest(port: number, path: string, afterMs = 100): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent: false });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end();
    setTimeout(() => req.destroy(), afterMs);
  });
}

/** Waits until `fl` has counted `count` aborted requests; returns them by `method|route`. */
export async function abortedCounts(metrics: () => Promise<string>, count: number): Promise<Record<string, number>> {
  return waitFor(async () => {
    const samples = parseExposition(await metrics());
    const aborted: Record<string, number> = {};
    let sum = 0;
    for (const s of samples) {
      if (s.name !== 'http_server_aborted_requests_total') continue;
      aborted[`${s.labels['method']}|${s.labels['route']}`] = s.value;
      sum += s.value;
    }
    return sum >= count ? aborted : undefined;
  }, 10_000, `${count} aborted request(s) to be counted`);
}
