import http from 'node:http';
import type { Server } from 'node:http';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, listen, waitFor, waitForPort } from './net.js';

/**
 * A simulated upstream modelled on the seed's cloud database API: `/v3/{project_id}/instances`,
 * `/v3/{project_id}/instances/{instance_id}`, `/v3/{project_id}/backups`. It answers the code
 * asked in the `x-answer` header (else 200/202 by method) and misbehaves on request
 * (`x-behave`): `slow` (headers after 3 s), `reset` (destroys the socket before answering),
 * `hang` (never answers). It is a plain server in the test process, not instrumented.
 */
export interface FakeUpstream {
  readonly port: number;
  /** Requests received, by `METHOD path` (without query). */
  readonly received: Map<string, number>;
  stop(): Promise<void>;
}

/** Starts the fake upstream on 127.0.0.1, port 0. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const received = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const key = `${req.method ?? '?'} ${path}`;
    received.set(key, (received.get(key) ?? 0) + 1);
    req.resume();
    const behave = req.headers['x-behave'];
    if (behave === 'reset') {
      req.socket.destroy();
      return;
    }
    if (behave === 'hang') return;
    const asked = Number(req.headers['x-answer']);
    const code = Number.isInteger(asked) && asked >= 200 && asked <= 599 ? asked : req.method === 'POST' || req.method === 'DELETE' ? 202 : 200;
    const send = (): void => {
      const body = JSON.stringify({ code, path });
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (behave === 'slow') {
      const t = setTimeout(() => { timers.delete(t); if (!res.destroyed) send(); }, 3000);
      timers.add(t);
      return;
    }
    send();
  });
  server.keepAliveTimeout = 5000;
  const port = await listen(server);
  return {
    port,
    received,
    async stop() {
      for (const t of timers) clearTimeout(t);
      await close(server);
    },
  };
}

/** One step of the client fixture's plan (see test/fixtures/upstream/client.mjs). */
export interface CallStep {
  /** `fetch` (undici, keep-alive), `http` (node:http keep-alive agent), `http-fresh` (agent: false, a new connection per call). */
  readonly via: 'fetch' | 'http' | 'http-fresh';
  readonly method: string;
  readonly url: string;
  /** Code the fake upstream answers. */
  readonly answer?: number;
  /** Fake upstream misbehaviour. */
  readonly behave?: 'slow' | 'reset' | 'hang';
  /** How the client gives up: AbortSignal.timeout(150), an AbortController after 150 ms, or node:http's `timeout` option + destroy. */
  readonly cancel?: 'signal-timeout' | 'abort' | 'timeout-option';
  readonly times?: number;
}

/** A running client fixture process. */
export interface ClientProcess {
  readonly child: ChildProcess;
  /** The fixture's summary: calls that got a response, calls that failed. */
  readonly summary: { answered: number; failed: number };
  readonly metricsPort: number;
  stop(): Promise<void>;
}

const CLIENT = new URL('../fixtures/upstream/client.mjs', import.meta.url).pathname;
const REGISTER = { import: new URL('../../dist/esm/register.js', import.meta.url).pathname, require: new URL('../../dist/cjs/register.js', import.meta.url).pathname };

/** Writes an upstreams file (YAML) into a fresh temp dir; returns its path and the dir. */
export function writeUpstreams(yaml: string): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-upstreams-'));
  const file = join(dir, 'upstreams.yaml');
  writeFileSync(file, yaml);
  return { file, dir };
}

/**
 * Runs the client fixture under `node --import dist/esm/register.js` (or `--require
 * dist/cjs/register.js`) with `env` (FAULTLINE_*), executing `plan` (then `loop`, repeated until
 * stopped, when given); resolves once the plan is done. Its metrics are on `metricsPort`.
 */
export async function runClient(
  plan: readonly CallStep[], env: Record<string, string>, metricsPort: number, loop?: readonly CallStep[], loader: 'import' | 'require' = 'import',
): Promise<ClientProcess> {
  const child = spawn(process.execPath, [`--${loader}`, REGISTER[loader], CLIENT], {
    env: { ...process.env, ...env, FAULTLINE_PORT: String(metricsPort), FAULTLINE_HOST: '127.0.0.1', PLAN: JSON.stringify(plan), LOOP: JSON.stringify(loop ?? []) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const summary = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`client exited ${child.exitCode}: ${stderr}`);
    const line = stdout.split('\n').find((l) => l.startsWith('DONE '));
    return line === undefined ? undefined : (JSON.parse(line.slice(5)) as { answered: number; failed: number });
  }, 30_000, 'the client fixture to finish its plan');
  // faultline's endpoint listens from its own thread, a moment after start-up.
  await waitForPort(metricsPort, 10_000, "faultline's metrics endpoint");
  return {
    child,
    summary,
    metricsPort,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise<void>((r) => child.once('exit', () => r()));
    },
  };
}

/** Removes a temp dir made by writeUpstreams. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
