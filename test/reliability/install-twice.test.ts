// Matrix F12 and F13: faultline installed twice. Policy (README "Reliability and security"):
// - One instance counts a response once, whichever of its hooks see it (instrument() twice,
//   the diagnostics channel plus setRoute()/an adapter).
// - The process-wide runtime lives on globalThis under Symbol.for keys, so two copies (a
//   bundled or second install next to the package; here the ES module tree of dist/esm next to
//   dist/cjs) share one channel subscription and one per-response record; `--import` and
//   `--require` of the register entry points together make one registered instance (the
//   package's `import` entries wrap the CommonJS build: one copy).
// - A second instance next to `faultline/register` counts the same responses into a second
//   registry: that is never silent, it logs a warning naming `registered()`, which returns the
//   registered instance from either copy.
// - Copies with incompatible runtimes refuse to start with a loud error.
import http from 'node:http';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFaultline } from '../../src/faultline.js';
import type { Faultline } from '../../src/faultline.js';
import { close, listen, request } from '../helpers/net.js';
import { settled } from './support.js';

const root = join(import.meta.dirname, '../..');
const ESM_REGISTER = join(root, 'dist/esm/register.js');
const CJS_REGISTER = join(root, 'dist/cjs/register.js');
const FIXTURE = join(root, 'test/fixtures/reliability/two-copies.mjs');
const WARNING = 'faultline: warning: faultline/register is already counting every server of this process; this second instance counts the same responses again. Use registered() to reuse the registered instance.\n';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function instance(): Faultline {
  const fl = createFaultline({ logger: () => {} });
  cleanup.push(() => fl.close());
  return fl;
}

describe('one instance, several hooks (F12)', () => {
  it('instrument() twice, setRoute() and the adapter entry point on the same request: counted once', async () => {
    const fl = instance();
    const server = http.createServer((req, res) => {
      fl.track(req, res).route = '/adapter';
      fl.setRoute(req, res, '/items/:id');
      fl.track(req, res);
      res.end();
    });
    fl.instrument(server).instrument(server);
    const port = await listen(server);
    cleanup.push(() => close(server));
    for (let i = 0; i < 10; i++) await request(port, { path: `/items/${i}` });
    expect(await settled(fl)).toEqual({ responses: { 'GET|/items/:id|200': 10 }, aborted: {}, inFlight: 0, internal: {} });
  });

  it('two servers on one instance count into one set of totals; a second instance keeps its own', async () => {
    const fl = instance();
    const other = instance();
    const a = http.createServer((_req, res) => res.end());
    const b = http.createServer((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    fl.instrument(a).instrument(b);
    other.instrument(b);
    const [pa, pb] = [await listen(a), await listen(b)];
    cleanup.push(() => close(a), () => close(b));
    for (let i = 0; i < 5; i++) await Promise.all([request(pa), request(pb)]);
    expect((await settled(fl)).responses).toEqual({ 'GET|unmatched|200': 5, 'GET|unmatched|404': 5 });
    expect((await settled(other)).responses).toEqual({ 'GET|unmatched|404': 5 });
  });

  it('copies with an incompatible runtime on globalThis fail loudly instead of splitting counts', () => {
    const key = Symbol.for('faultline.runtime');
    const g = globalThis as Record<symbol, unknown>;
    const saved = g[key];
    g[key] = { version: 999, owners: new Set() };
    try {
      expect(() => createFaultline({ logger: () => {} })).toThrow(
        'two incompatible copies of faultline are loaded in this process (runtime versions 999 and 7); install one version',
      );
    } finally {
      g[key] = saved;
    }
  });
});

/** Runs the two-copies fixture (two copies loaded) with register flags and a MODE. */
function runFixture(flags: string[], mode: string): Promise<{ out: Record<string, unknown>; stderr: string; status: number | null }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...flags, FIXTURE],
      { env: { ...process.env, FAULTLINE_ROOT: root, MODE: mode, FAULTLINE_PORT: '0', FAULTLINE_HOST: '127.0.0.1' }, encoding: 'utf8', timeout: 30_000 },
      (err, stdout, stderr) => {
        const line = stdout.trim().split('\n').at(-1) ?? '';
        const out = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : { stdout };
        resolve({ out, stderr, status: err === null ? 0 : typeof err.code === 'number' ? err.code : null });
      },
    );
  });
}

// Subprocesses: run concurrently to keep the file short.
describe.concurrent('two copies and two installs in one process (F12, F13)', () => {
  it('--import (ESM) and --require (CommonJS) register together: one instance, one endpoint, exact counts', async () => {
    const r = await runFixture(['--import', ESM_REGISTER, '--require', CJS_REGISTER], 'none');
    expect(r).toEqual({ out: { registered: 20, sameRegistered: true, second: null, esm: null, cjs: null }, stderr: '', status: 0 });
  });

  it.each([['esm-reuse'], ['cjs-reuse']])('register + registered() from either copy (%s): counted once, no warning', async (mode) => {
    const r = await runFixture(['--import', ESM_REGISTER], mode);
    expect(r).toEqual({ out: { registered: 20, sameRegistered: true, second: null, esm: null, cjs: null }, stderr: '', status: 0 });
  });

  it.each([['esm-second'], ['cjs-second']])('register + a second createFaultline() (%s): the duplicate is announced on stderr', async (mode) => {
    const r = await runFixture(['--import', ESM_REGISTER], mode);
    expect(r).toEqual({ out: { registered: 20, sameRegistered: true, second: 20, esm: null, cjs: null }, stderr: WARNING, status: 0 });
  });

  it('no register, one instance from each copy on the same server: each counts every response exactly once', async () => {
    const r = await runFixture([], 'both-copies');
    expect(r).toEqual({ out: { registered: null, sameRegistered: true, second: null, esm: 20, cjs: 20 }, stderr: '', status: 0 });
  });
});
