import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { waitFor } from './net.js';

/**
 * Finds a binary on PATH. Under CI=true a missing binary is a failure; locally the test skips
 * with a loud message (the reason shows in the vitest output).
 */
export function findBinary(name: 'prometheus' | 'promtool'): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    if (process.env['CI'] === 'true') throw new Error(`${name} is not on PATH but CI=true: .ci/run must install it (apt-get install -y prometheus)`);
    process.stderr.write(`\n!!! SKIPPING: ${name} is not on PATH (apt-get install -y prometheus); these tests need a real ${name} !!!\n\n`);
    return undefined;
  }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running Prometheus server for a test. */
export interface PrometheusServer {
  readonly url: string;
  /** Instant query; resolves to the result vector. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** The HTTP API's JSON for any GET path (e.g. `/api/v1/alerts`). */
  api<T = unknown>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/** Options of a test Prometheus. */
export interface PrometheusOptions {
  /** Scrape jobs: job name -> targets (`127.0.0.1:port`). */
  jobs: Record<string, string[]>;
  /** Rule files to load. */
  ruleFiles?: string[];
  /** Extra flags, e.g. `--enable-feature=exemplar-storage`. */
  flags?: string[];
  /** Bearer token for scrapes. */
  token?: string;
  /** metrics_path for all jobs. */
  metricsPath?: string;
}

/** Starts `prometheus` with 1 s scrape and evaluation intervals; waits for /-/ready. */
export async function startPrometheus(binary: string, options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-prom-'));
  const port = await freePort();
  const jobs = Object.entries(options.jobs)
    .map(([job, targets]) => [
      `  - job_name: ${JSON.stringify(job)}`,
      `    metrics_path: ${JSON.stringify(options.metricsPath ?? '/metrics')}`,
      ...(options.token ? [`    authorization: { credentials: ${JSON.stringify(options.token)} }`] : []),
      `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
    ].join('\n'))
    .join('\n');
  const config = [
    'global: { scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 1s }',
    ...(options.ruleFiles?.length ? [`rule_files: ${JSON.stringify(options.ruleFiles)}`] : []),
    'scrape_configs:',
    jobs,
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...(options.flags ?? [])],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000); child.once('exit', () => { clearTimeout(t); r(); }); });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${stderr}`);
      const r = await fetch(`${url}/-/ready`).catch(() => undefined);
      return r?.ok ? true : undefined;
    }, 20_000, 'prometheus to be ready');
  } catch (err) {
    await stop();
    throw err;
  }
  async function api<T>(path: string): Promise<T> {
    const r = await fetch(`${url}${path}`);
    const json = (await r.json()) as { status: string; data: T; error?: string };
    if (json.status !== 'success') throw new Error(`prometheus ${path}: ${json.error ?? r.status}`);
    return json.data;
  }
  return {
    url,
    api,
    async query(expr) {
      const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      return data.result;
    },
    stop,
  };
}

/** Runs promtool with arguments; resolves to { code, output }. */
export function promtool(binary: string, args: string[], input?: string): { code: number; output: string } {
  try {
    const output = execFileSync(binary, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
    return { code: 0, output };
  } catch (err) {
    const e = err as { status?: number; stdout?: string; stderr?: string };
    return { code: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
