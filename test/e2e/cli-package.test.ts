/* eslint-disable no-control-regex -- the terminal output under test is made of escape sequences */
// The package as a user gets it: `npm pack` of the built tree (run `npm run build` first; `npm
// test` does), installed into a scratch app, and the installed `faultline` binary driven like a
// user would: --help, the demo, `top` against it (plain text and under a pseudo-terminal), bad
// arguments, and the failures `top` must explain (unreachable, 401, not a faultline endpoint).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/catalog/builtin.js';
import { cleanEnv, freePort, get, run, start, until } from './cli-support.js';
import type { Run, Started } from './cli-support.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const TOKEN = 's3cret-demo-token';
let dir: string;
let app: string;
let bin: string;
let tarball: string;

/** The English text of each code in the built-in catalog. */
const DESCRIPTIONS = new Map([...builtinCatalog().codes.values()].map((e) => [String(e.code), e.description['en']!]));

beforeAll(() => {
  expect(existsSync(join(ROOT, 'dist/cjs/cli/main.js')), 'run `npm run build` first').toBe(true);
  dir = mkdtempSync(join(tmpdir(), 'faultline-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string }[];
  tarball = join(dir, packed[0]!.filename);
  app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], timeout: 150_000 });
  bin = join(app, 'node_modules/.bin/faultline');
}, 180_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** A command's stderr must be exactly one line. */
function oneLine(r: Run): string {
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  return r.stderr.trimEnd();
}

describe('the packed tarball', () => {
  it('holds dist/esm, dist/cjs, bin and README.md', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of ['package/dist/esm/index.js', 'package/dist/esm/index.d.ts', 'package/dist/cjs/index.js', 'package/dist/cjs/index.d.ts', 'package/dist/cjs/cli/main.js', 'package/bin/faultline.cjs', 'package/README.md', 'package/package.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  });

  it('loads with import(), require() and as faultline/register (ESM and CommonJS)', async () => {
    const [esm, cjs] = await Promise.all([
      run('node', ['--input-type=module', '-e', "const m = await import('faultline'); console.log(typeof m.createFaultline, typeof m.registered)"], { cwd: app }),
      run('node', ['-e', "const m = require('faultline'); console.log(typeof m.createFaultline, typeof m.builtinCatalog)"], { cwd: app }),
    ]);
    expect([esm.code, esm.stdout, esm.stderr]).toEqual([0, 'function function\n', '']);
    expect([cjs.code, cjs.stdout, cjs.stderr]).toEqual([0, 'function function\n', '']);
    // a service attached with the hook, one request, then its own scrape
    const fixture = [
      "const http = require('node:http');",
      "const server = http.createServer((req, res) => { res.statusCode = 413; res.end(); });",
      'server.listen(0, "127.0.0.1", () => {',
      '  http.get(`http://127.0.0.1:${server.address().port}/x`, (r) => { r.resume(); r.on("end", scrape); });',
      '});',
      // The endpoint's thread listens ~50 ms after start-up (longer on a busy machine): asked again until then, 50 times at most.
      'let tries = 0;',
      'function scrape() {',
      '  http.get(`http://127.0.0.1:${process.env.FAULTLINE_PORT}/metrics`, (m) => { let b = ""; m.on("data", (c) => b += c); m.on("end", () => {',
      '    console.log(b.split("\\n").filter((l) => l.startsWith("http_server_responses_total")).join("\\n")); server.close(); }); })',
      '    .on("error", (err) => { if (++tries < 50) setTimeout(scrape, 100); else throw err; });',
      '}',
    ].join('\n');
    writeFileSync(join(app, 'fixture.cjs'), fixture);
    const expected = 'http_server_responses_total{method="GET",route="unmatched",code="413",category="client_fault",documented="true"} 1\n';
    const flags = ['--import', '--require'];
    const ports = [await freePort(), await freePort()];
    const runs = await Promise.all(flags.map((flag, i) => run('node', [flag, 'faultline/register', 'fixture.cjs'], { cwd: app, env: cleanEnv({ FAULTLINE_PORT: String(ports[i]), FAULTLINE_HOST: '127.0.0.1' }) })));
    expect(runs.map((r, i) => [flags[i], r.code, r.stdout, r.stderr])).toEqual(flags.map((flag) => [flag, 0, expected, '']));
  });
});

describe('the installed faultline binary', () => {
  it('--help lists every command, examples and exit codes on stdout', async () => {
    const r = await run(bin, ['--help'], { cwd: app });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Usage: faultline \[options\] \[command\]/);
    for (const cmd of ['demo [options]', 'top [options] <metrics-url>']) expect(r.stdout).toContain(cmd);
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 the command failed, 2 bad usage');
    const subs = await Promise.all(['demo', 'top'].map(async (cmd) => [cmd, await run(bin, [cmd, '--help'], { cwd: app })] as const));
    for (const [cmd, sub] of subs) {
      expect([cmd, sub.code, sub.stderr]).toEqual([cmd, 0, '']);
      expect(sub.stdout).toContain('Examples:');
      expect(sub.stdout).toContain('Exit codes: 0 ok');
    }
  });

  it('bad arguments: exit 2 and one line on stderr, no stack trace', async () => {
    const cases: [string[], string][] = [
      [['top'], "faultline: missing required argument 'metrics-url' (see --help)"],
      [['demo', '--port', 'abc'], 'faultline: option \'--port <n>\' argument \'abc\' is invalid. expected an integer 0-65535, got "abc" (see --help)'],
      [['top', 'ftp://example.com/metrics'], 'faultline: command-argument value \'ftp://example.com/metrics\' is invalid for argument \'metrics-url\'. "ftp://example.com/metrics" is not an http(s) URL (see --help)'],
      [['demo', '--errors-503', '0.8', '--client-faults', '0.5'], 'faultline: the fault shares add up to 1.35; together they must be at most 1'], // + the default 500 and undocumented shares
      [['frobnicate'], "faultline: unknown command 'frobnicate' (see --help)"],
    ];
    const runs = await Promise.all(cases.map(([args]) => run(bin, args, { cwd: app })));
    cases.forEach(([args, line], i) => {
      const r = runs[i]!;
      expect([args, r.code, oneLine(r), r.stdout]).toEqual([args, 2, line, '']);
    });
  });

  it('demo --duration 4: its metrics URL answers with the contract metrics, documented and undocumented codes, and it exits 0', async () => {
    const port = await freePort();
    const demo = start(bin, ['demo', '--port', String(port), '--duration', '4', '--rate', '100', '--undocumented', '0.2'], { cwd: app, timeoutMs: 20_000 });
    const url = `http://127.0.0.1:${port}/metrics`;
    await until('the metrics URL in the demo output', () => (demo.stdout().includes(`metrics    ${url}`) ? true : undefined));
    const body = await until('documented and undocumented codes', async () => {
      const r = await get(url);
      // wait for the server's own undocumented answers (the client side may show documented="false" first)
      const wanted = [/^http_server_responses_total\{[^\n]*code="(418|429|502)"[^\n]*documented="false"\}/m, /code="503",category="service_fault",documented="true"/, /method="POST",route="\/v3\/\{project_id\}\/instances",code="202"/, /^http_client_responses_total\{/m];
      return wanted.every((re) => re.test(r.body)) ? r.body : undefined;
    });
    for (const family of ['http_server_responses_total counter', 'http_server_response_duration_seconds histogram', 'http_server_requests_in_flight gauge', 'http_server_aborted_requests_total counter', 'http_status_code_info gauge', 'http_client_responses_total counter']) {
      expect(body).toContain(`# TYPE ${family}\n`);
    }
    expect(body.match(/^http_status_code_info\{/gm)).toHaveLength(14);
    expect(body).toMatch(/^http_server_responses_total\{method="POST",route="\/v3\/\{project_id\}\/instances",code="202",category="success",documented="true"\} \d+$/m);
    expect(body).toMatch(/^http_server_responses_total\{method="[A-Z]+",route="[^"]+",code="(418|429|502)",category="(client|service)_fault",documented="false"\} \d+$/m);
    const r = await demo.done;
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`faultline top ${url}`);
    expect(r.stdout).toContain(`        - targets: ['127.0.0.1:${port}']`);
    expect(r.stdout).toMatch(/^\d\d:\d\d:\d\d {2}server [\d.]+\/s total \d+ {2}client faults [\d.]+% {2}service faults [\d.]+% {2}undocumented [\d.]+%/m);
    expect(r.stdout).toMatch(/faultline demo: stopped after [\d.]+ s; \d+ responses counted\n$/);
    // everything closed: the port is free again
    const again = http.createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  describe('top against a running demo with a token', () => {
    let demo: Started;
    let url: string;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      url = `http://127.0.0.1:${port}/metrics`;
      demo = start(bin, ['demo', '--port', String(port), '--token', TOKEN, '--rate', '100', '--undocumented', '0.15'], { cwd: app, timeoutMs: 60_000 });
      await until('undocumented codes in the demo', async () => ((await get(url, { Authorization: `Bearer ${TOKEN}` })).body.includes('documented="false"') ? true : undefined));
    });

    afterAll(async () => {
      // Ctrl-C: a clean exit with code 0
      demo.child.kill('SIGINT');
      const r = await demo.done;
      expect([r.code, r.signal, r.stderr]).toEqual([0, null, '']);
      expect(r.stdout).toMatch(/faultline demo: stopped after [\d.]+ s; \d+ responses counted \(interrupted\)\n$/);
    });

    it('--once (not a TTY): one plain-text snapshot with codes, categories and the catalog descriptions', async () => {
      const r = await run(bin, ['top', url, '--once', '--interval', '1', '--token', TOKEN], { cwd: app });
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(r.stdout).not.toContain('\x1b');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(new RegExp(`^faultline top  ${url.replace(/[.]/g, '\\.')}  every 1s  \\d\\d:\\d\\d:\\d\\d$`));
      expect(lines[1]).toBe('');
      expect(lines[2]).toMatch(/^server {2}[\d.]+\/s {2}total \d+ {2}aborted [\d.]+\/s {2}in flight \d+$/);
      expect(lines[3]).toMatch(/^ {2}client faults [\d.]+% {2}service faults [\d.]+% {2}undocumented [\d.]+%$/);
      expect(lines[4]).toBe('  CODE  CATEGORY        RATE/S     TOTAL  TREND       DESCRIPTION');
      const rows: { mark: string; code: string; category: string; description: string }[] = [];
      let i = 5;
      for (; i < lines.length && lines[i] !== ''; i++) {
        const m = /^([ !]) (\d{3}) {3}(\S+) +([\d.]+) +(\d+) {2}([▁▂▃▄▅▆▇█ ]{10}) {2}(.*)$/.exec(lines[i]!);
        expect(m, lines[i]).not.toBeNull();
        rows.push({ mark: m![1]!, code: m![2]!, category: m![3]!, description: m![7]! });
      }
      expect(rows.map((r) => Number(r.code))).toEqual([...rows.map((r) => Number(r.code))].sort((a, b) => a - b));
      for (const row of rows) {
        expect(row.category, row.code).toBe(row.code.startsWith('2') ? 'success' : row.code.startsWith('4') ? 'client_fault' : 'service_fault');
        if (DESCRIPTIONS.has(row.code)) expect([row.mark, row.description]).toEqual([' ', DESCRIPTIONS.get(row.code)]);
        else expect([row.mark, row.description]).toEqual(['!', '(not in the catalog)']);
      }
      expect(rows.map((r) => r.code)).toEqual(expect.arrayContaining(['200', '202']));
      expect(rows.some((r) => r.mark === '!')).toBe(true);
      // the client view: the demo's calls to its upstream
      expect(lines[i + 1]).toMatch(/^outbound 127\.0\.0\.1:\d+ {2}[\d.]+\/s {2}total \d+ {2}failed [\d.]+\/s$/);
      expect(lines.at(-1)).toBe('! undocumented: the catalog does not list this code (for at least one operation)');
    });

    it('under a pseudo-terminal: colours, the screen redrawn in place, the cursor restored; NO_COLOR keeps the redraw without colours', async () => {
      const cmd = `${bin} top ${url} --interval 0.5 --iterations 3`;
      const [tty, plain] = await Promise.all([
        run('script', ['-qfec', cmd, '/dev/null'], { cwd: app, env: cleanEnv({ FAULTLINE_TOKEN: TOKEN }) }),
        run('script', ['-qfec', cmd, '/dev/null'], { cwd: app, env: cleanEnv({ FAULTLINE_TOKEN: TOKEN, NO_COLOR: '1' }) }),
      ]);
      expect(tty.code).toBe(0);
      const screen = tty.stdout;
      expect(screen.startsWith('\x1b[?25l\x1b[2J\x1b[H\x1b[1mfaultline top\x1b[22m')).toBe(true);
      expect(screen.split('\x1b[H')).toHaveLength(4); // three frames, each from the top
      expect(screen).toContain('\x1b[32msuccess       \x1b[39m');
      expect(screen).toContain('  Request succeeded.\x1b[K'); // descriptions cut to the 80 columns of a size-less pty
      expect(screen).toMatch(/\x1b\[7m\x1b\[35m! \d{3} {2}\x1b\[39m\x1b\[27m/); // undocumented rows stand out
      expect(screen.trimEnd().endsWith('\x1b[?25h')).toBe(true);
      expect(plain.code).toBe(0);
      expect(plain.stdout.split('\x1b[H')).toHaveLength(4);
      expect(plain.stdout).not.toMatch(/\x1b\[\d+m/);
    });

    it('ends quietly with exit 0 on Ctrl-C and when its pipe closes (`top | head -1`)', async () => {
      const env = cleanEnv({ FAULTLINE_TOKEN: TOKEN });
      const live = start(bin, ['top', url, '--interval', '0.3'], { cwd: app, env });
      const piped = run('bash', ['-c', 'set -o pipefail; "$0" top "$1" --interval 0.2 --iterations 20 | head -1', bin, url], { cwd: app, env });
      await until('the first snapshot', () => (live.stdout().includes('DESCRIPTION') ? true : undefined));
      live.child.kill('SIGINT');
      const [stopped, head] = await Promise.all([live.done, piped]);
      expect([stopped.code, stopped.signal, stopped.stderr]).toEqual([0, null, '']);
      expect([head.code, head.stderr]).toEqual([0, '']);
      expect(head.stdout).toMatch(new RegExp(`^faultline top  ${url.replace(/[.]/g, '\\.')}  every 0\\.2s  \\d\\d:\\d\\d:\\d\\d\n$`));
    });

    it('explains a 401, an unreachable endpoint, a non-faultline endpoint and a taken port in one line, exit 1', async () => {
      const closed = await freePort();
      const other = http.createServer((_req, res) => res.end('# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5\n'));
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/metrics`;
      const [noToken, wrong, gone, notOurs, taken] = await Promise.all([
        run(bin, ['top', url, '--once'], { cwd: app }),
        run(bin, ['top', url, '--once'], { cwd: app, env: cleanEnv({ FAULTLINE_TOKEN: 'not-the-token' }) }),
        run(bin, ['top', `127.0.0.1:${closed}`, '--once'], { cwd: app }),
        run(bin, ['top', otherUrl, '--once'], { cwd: app }),
        run(bin, ['demo', '--port', String(port), '--duration', '1'], { cwd: app }),
      ]);
      other.close();
      expect([noToken.code, oneLine(noToken)]).toEqual([1, `faultline: ${url} answered 401 Unauthorized; the endpoint needs a token: pass --token or set FAULTLINE_TOKEN`]);
      expect([wrong.code, oneLine(wrong)]).toEqual([1, `faultline: ${url} answered 401 Unauthorized; the token was refused: check --token / FAULTLINE_TOKEN`]);
      expect([gone.code, oneLine(gone)]).toEqual([1, `faultline: cannot reach http://127.0.0.1:${closed}/metrics: connection refused (ECONNREFUSED); is the service running and the port right?`]);
      expect([taken.code, oneLine(taken), taken.stdout]).toEqual([1, `faultline: port ${port} on 127.0.0.1 is taken (EADDRINUSE): stop what uses it or pick another with --port`, '']);
      expect([notOurs.code, oneLine(notOurs)]).toEqual([1, `faultline: ${otherUrl} is not a faultline endpoint (no http_server_responses_total metric)`]);
    });
  });
});

// the README's capture of `top` is a real one; keep its shape in step with the renderer
it('README shows a captured top screen', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain('  CODE  CATEGORY        RATE/S     TOTAL  TREND       DESCRIPTION');
});
