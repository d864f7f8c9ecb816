import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './prometheus.js';
import { waitFor, waitForPort } from './net.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/otel');

/** A finished span as the fixture's InMemorySpanExporter dumps it. */
export interface DumpedSpan {
  name: string;
  /** SpanKind: 1 = SERVER, 0 = INTERNAL. */
  kind: number;
  traceId: string;
  spanId: string;
  /** SpanStatusCode: 0 UNSET, 1 OK, 2 ERROR. */
  status: number;
  attributes: Record<string, unknown>;
}

/** A fixture service in a subprocess: the service's OpenTelemetry set-up plus faultline/register. */
export interface OtelService {
  /** The service's own port. */
  readonly port: number;
  /** OpenTelemetry's Prometheus exporter port (0 when not started). */
  readonly otelPort: number;
  /** FAULTLINE_PORT given to the process. */
  readonly faultlinePort: number;
  /** The fixture's process id. */
  readonly pid: number;
  /** SIGTERMs the process; resolves to its finished spans. */
  stop(): Promise<DumpedSpan[]>;
  /** stderr so far. */
  stderr(): string;
}

/** How to start a fixture service. */
export interface OtelServiceOptions {
  module: 'esm' | 'cjs';
  exporter: 'otel' | 'prometheus';
  /** `sdk-first` (the documented order) or `faultline-first` (SDK started after faultline). */
  order?: 'sdk-first' | 'faultline-first';
  /** Start OpenTelemetry's Prometheus exporter (default: when exporter is otel). */
  otelPrometheus?: boolean;
  /** OpenTelemetry's Prometheus exporter with `withoutScopeInfo: true` (no `otel_scope_*` labels). */
  withoutScopeInfo?: boolean;
  /** Also export metrics over OTLP/HTTP (JSON) to this URL every 300 ms. */
  otlpUrl?: string;
}

/** Starts `node --import|--require setup + faultline/register app` from the built dist/. */
export async function startOtelService(options: OtelServiceOptions): Promise<OtelService> {
  const esm = options.module === 'esm';
  const flag = esm ? '--import' : '--require';
  const setup = join(FIXTURES, esm ? 'setup.mjs' : 'setup.cjs');
  const register = join(ROOT, esm ? 'dist/esm/register.js' : 'dist/cjs/register.js');
  const preload = options.order === 'faultline-first' ? [flag, register, flag, setup] : [flag, setup, flag, register];
  const dir = mkdtempSync(join(tmpdir(), 'faultline-otel-'));
  const spansFile = join(dir, 'spans.json');
  const faultlinePort = await freePort();
  const otelPort = (options.otelPrometheus ?? options.exporter === 'otel') ? await freePort() : 0;
  const child = spawn(process.execPath, [...preload, join(FIXTURES, esm ? 'app.mjs' : 'app.cjs')], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'],
      FAULTLINE_EXPORTER: options.exporter,
      FAULTLINE_PORT: String(faultlinePort),
      FAULTLINE_HOST: '127.0.0.1',
      OTEL_PROM_PORT: String(otelPort),
      OTEL_SERVICE_NAME: `fixture-${options.module}`,
      SPANS_FILE: spansFile,
      OTEL_PROM_WITHOUT_SCOPE: options.withoutScopeInfo === true ? '1' : '0',
      OTLP_URL: options.otlpUrl ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-8000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`fixture exited ${child.exitCode}: ${stderr}`);
    const m = /PORT=(\d+)/.exec(stdout);
    return m ? Number(m[1]) : undefined;
  }, 20_000, `the ${options.module} fixture to listen`);
  // faultline's endpoint listens from its own thread, a moment after the application does.
  if (options.exporter === 'prometheus') await waitForPort(faultlinePort, 10_000, "faultline's metrics endpoint");
  if (otelPort > 0) {
    await waitFor(async () => ((await fetch(`http://127.0.0.1:${otelPort}/metrics`).catch(() => undefined))?.ok ? true : undefined), 10_000, 'the OpenTelemetry Prometheus exporter');
  }
  return {
    port,
    otelPort,
    faultlinePort,
    pid: child.pid!,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      try {
        return JSON.parse(readFileSync(spansFile, 'utf8')) as DumpedSpan[];
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The TCP ports a process listens on (Linux: its socket descriptors matched with the LISTEN
 * entries of /proc/net/tcp and tcp6). Exact where "does a connection to port N succeed" is not:
 * a port freed by `freePort()` may be taken by another test's server meanwhile.
 */
export function listeningPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed between the listing and the read
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is f[1] (hex address:port), st is f[3] (0A: LISTEN), inode is f[9].
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]!)) ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}
