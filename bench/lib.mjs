// Shared helpers of the benchmarks: processes pinned to cores, CPU time from /proc, statistics.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';

export const hasTaskset = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');
const cores = Number(readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? 1);
export const SERVER_CORE = '0';
export const LOAD_CORE = cores > 1 ? '1' : '0';

/** Spawns `node args` pinned to `core` when taskset exists. */
export function spawnPinned(core, args, options) {
  if (hasTaskset) return spawn('taskset', ['-c', core, process.execPath, ...args], options);
  return spawn(process.execPath, args, options);
}

/** CPU time (ns) of all threads of a process, from /proc/<pid>/task/<tid>/schedstat. */
export function cpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // thread ended between readdir and read
    }
  }
  return total;
}

/** Resident set size (bytes) of a process. */
export function rssBytes(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) * 1024 : 0;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Waits until an HTTP server answers on the port (bounded). */
export async function waitForPort(port, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(`http://127.0.0.1:${port}/v3/p/instances`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answered on port ${port} within ${timeoutMs} ms`);
}

/** Whether the benchmark scrapes a configuration once after its warm-up (faultline's by the count check, `scrape` targets). */
export function scraped(config) {
  return Boolean(config.scrape || config.counted);
}

/**
 * Fetches a configuration's metrics once, as a monitored service is scraped: its `scrape` target
 * (an alternative's endpoint, or the application itself), else faultline's endpoint when the
 * configuration counts. Throws unless the answer is a 200.
 */
export async function scrapeOnce(config, port, metricsPort) {
  const url = config.scrape
    ? `http://127.0.0.1:${config.scrape.port === 'app' ? port : metricsPort}${config.scrape.path}`
    : config.counted
      ? `http://127.0.0.1:${metricsPort}/metrics`
      : undefined;
  if (url === undefined) throw new Error(`${config.fw} ${config.name}: serves no metrics to scrape`);
  const res = await fetch(url);
  await res.text();
  if (res.status !== 200) throw new Error(`${config.fw} ${config.name}: scrape answered ${res.status}`);
}

export function mean(values) {
  return values.reduce((a, x) => a + x, 0) / values.length;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function fmt(n, digits = 1) {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** Runs a child to completion and returns its stdout. */
export function run(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d) => { out += d; });
    child.stderr?.on('data', (d) => { err += d; });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err.slice(-2000)}`))));
  });
}
