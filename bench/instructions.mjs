// Instructions per response, counted by valgrind's callgrind: the same figure whatever else
// this shared machine is doing, where CPU time per response swings by 2x between runs. Each
// configuration runs under `valgrind --tool=callgrind` (pinned to the server core) with
// instrumentation off while it warms up (WARM passes), then on for one pass not counted; then, per pass, the counters are zeroed (`callgrind_control -z`), exactly
// AMOUNT requests are sent with the benchmark mix (autocannon, on the other core) and the counts
// dumped (`callgrind_control -d`). The figure counts every instruction the server process
// executed for those responses, on every thread (parser, JIT, GC included), divided by AMOUNT.
//
// A pass is long enough to hold several young-generation collections (PASS_AMOUNT: ~1.2-2.4
// billion instructions per pass whatever the framework), so that one collection more or less in
// a pass moves its count by well under 1 %.
//
//   node bench/instructions.mjs [--only=regex] [--amount=N (every framework)] [--warm=2] [--passes=3] [--rounds=1]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, selected, serverEnv } from './configs.mjs';
import { LOAD_CORE, SERVER_CORE, fmt, freePort, hasTaskset, mean, run, scraped, scrapeOnce, spawnPinned, waitForPort } from './lib.mjs';

/**
 * Requests per pass, per framework: Express runs ~600,000 instructions per response, the others
 * 54,000-100,000. Fastify bare with passes of 20,000 and NODE_FLAGS: 9-10 scavenges each,
 * passes 58,380-58,514.
 */
export const PASS_AMOUNT = { 'node:http': 20000, express: 4000, fastify: 20000, koa: 20000 };

/**
 * Node's flags for every configuration under callgrind. The first two turn off V8 heuristics
 * that run on the wall clock, which under callgrind runs ~50x slower than the code; the third
 * takes the young generation's size out of each configuration's history:
 * - `--no-minor-gc-task`: V8 also schedules young-generation collections as timed tasks, and
 *   under callgrind those fire at points unrelated to allocation, a different number per pass
 *   (node:http passes spread by 5-10 % with them, by 0.3 % without). Collections then come when
 *   the young generation is full, so a configuration pays for what it allocates.
 * - `--no-memory-reducer`: V8's memory reducer shrinks the heap of a process that allocates
 *   slowly per millisecond, which is how any server looks under callgrind. Fastify bare, passes
 *   of 30,000 requests: a "Mark-Compact (reduce)" 110 s into the run shrank the young generation
 *   and the pass after it had 103 scavenges instead of 26-27: 71,078 instructions per response
 *   against 58,744-58,806 for the passes before. Under real load the reducer does not run (it
 *   waits for a low allocation rate); without it the same passes were 58,705-58,758.
 * - `--min-semi-space-size=16`: the young generation starts at the size V8 grows it to (16 MB
 *   semi-spaces on this machine) instead of growing it when enough objects survived
 *   collections, which depends on the configuration's history: with passes of 30,000 requests
 *   bare Fastify still ran 26-27 scavenges per pass after 150,000 requests, Fastify + faultline
 *   15 (its records survive a collection while their response is in flight, so its young
 *   generation had grown), and the scavenges it did not run hid ~1,300 instructions per
 *   response of its own cost. With the same young generation for every configuration, a
 *   configuration is charged for what it allocates, not for how its heap happened to grow.
 */
export const NODE_FLAGS = ['--no-minor-gc-task', '--no-memory-reducer', '--min-semi-space-size=16'];

export const hasCallgrind = ['/usr/bin/valgrind', '/usr/bin/callgrind_control'].every((f) => existsSync(f));

/**
 * The totals of one callgrind dump file by event name (`events:` and `totals:` / `summary:`
 * lines: Ir, and I1mr, D1mr, ... under `--cache-sim=yes`), and the file's text.
 */
export function dumpTotals(file) {
  const text = readFileSync(file, 'utf8');
  const names = /^events: (.*)$/m.exec(text)?.[1].trim().split(/\s+/);
  const totals = /^(?:totals|summary): (.*)$/m.exec(text)?.[1].trim().split(/\s+/).map(Number);
  if (names === undefined || totals === undefined) throw new Error(`no events or totals in ${file}`);
  return { totals: Object.fromEntries(names.map((n, i) => [n, totals[i]])), text };
}

/** Total instructions of one callgrind dump file. */
function dumpTotal(file) {
  return dumpTotals(file).totals.Ir;
}

/**
 * Instructions per response of one configuration: the mean of `passes` counted passes, and each
 * pass. `nodeArgs` are added to Node's flags; `onDump(file, pid)` is given each counted pass's
 * callgrind dump before it is deleted (bench/profile.mjs). `scrape`: after the warm-up, the
 * configuration's metrics endpoint (faultline's, or its `scrape` target) is fetched once and
 * one more warm-up pass runs, as the CPU-time sections do before they measure.
 */
export async function instructionsPerResponse(config, { amount = PASS_AMOUNT[config.fw] ?? 20000, warm = 2, passes = 3, connections = 10, layout = 0, nodeArgs = [], valgrindArgs = [], onDump, scrape = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-callgrind-'));
  const port = await freePort();
  const metricsPort = await freePort();
  const argv = ['valgrind', '--tool=callgrind', ...valgrindArgs, '--instr-atstart=no', '--dump-instr=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, process.execPath, ...NODE_FLAGS, ...nodeArgs, '--require', join(root, 'bench/servers/layout.cjs'), ...config.argv];
  const env = { ...serverEnv(config, port, metricsPort), BENCH_LAYOUT: String(layout) };
  const server = hasTaskset ? spawn('taskset', ['-c', SERVER_CORE, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: root }) : spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: root });
  let stderr = '';
  server.stderr.on('data', (d) => (stderr += d));
  const control = (flag) => execFileSync('callgrind_control', [flag, String(server.pid)], { stdio: 'ignore', timeout: 60_000 });
  const load = () => run(spawnPinned(LOAD_CORE, [join(root, 'bench/load.mjs'), JSON.stringify({ port, amount, connections })], { stdio: ['ignore', 'pipe', 'pipe'] }));
  try {
    await waitForPort(port, 180_000);
    for (let i = 0; i < warm; i++) await load();
    if (scrape) {
      await scrapeOnce(config, port, metricsPort);
      await load();
    }
    control('--instr=on');
    const counts = [];
    // The first pass after instrumentation is switched on pays for it: run it, not counted.
    for (let i = -1; i < passes; i++) {
      control('-z');
      const sent = JSON.parse((await load()).trim().split('\n').pop());
      if (sent.requests !== amount) throw new Error(`${config.fw} ${config.name}: ${sent.requests} of ${amount} requests answered under valgrind`);
      control('-d');
      const dumps = readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
      if (i >= 0) {
        counts.push(dumpTotal(join(dir, dumps.at(-1))) / amount);
        onDump?.(join(dir, dumps.at(-1)), server.pid);
      }
    }
    return { mean: mean(counts), passes: counts, amount };
  } catch (err) {
    throw new Error(`${err.message}\n${stderr.slice(-1000)}`);
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A Markdown table of instructions per response for the configurations, with ratios to each
 * framework's bare figure. Each configuration runs in `rounds` processes, alternating, round k
 * with heap layout k (bench/servers/layout.cjs; round 1 none): where V8's objects land moves
 * Node's own http code by 1-2 %, so every configuration is measured in the same set of layouts
 * and the figure is the mean of all their passes: every
 * instruction over every counted response. A pass's count depends on which garbage collections fall
 * in it, and each process repeats the same pattern pass by pass (high, low, middle), so the median
 * of passes picks one collection pattern where the mean spreads collections over all responses.
 * A configuration the CPU sections scrape (`scraped()`) is scraped here too, once after the
 * warm-up and warmed up again after it, so that its count is of the same process state: the
 * first request of a second client makes V8 rebuild Node's http code for good.
 */
export async function instructionsTable(configs, options = {}, log = () => {}) {
  const rounds = options.rounds ?? 1;
  const passes = new Map(configs.map((c) => [c, []]));
  const amounts = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const config of round % 2 === 0 ? configs : [...configs].reverse()) {
      const r = await instructionsPerResponse(config, { ...options, layout: round, scrape: scraped(config) });
      passes.get(config).push(...r.passes);
      amounts.set(config, r.amount);
      log(`instructions round ${round + 1}/${rounds} ${config.fw} ${config.name}: ${r.passes.map((p) => Math.round(p)).join(', ')} per response\n`);
    }
  }
  const bare = new Map();
  for (const [config, ps] of passes) if (config.name === 'bare') bare.set(config.fw, mean(ps));
  const lines = ['| framework | configuration | requests per pass | instructions per response, mean of passes (min-max) | kept (bare / configuration) | + instructions per response |', '|---|---|---|---|---|---|'];
  for (const [config, ps] of passes) {
    const m = mean(ps);
    const b = bare.get(config.fw);
    lines.push(`| ${config.fw} | ${config.name} | ${amounts.get(config)} | ${Math.round(m)} (${Math.round(Math.min(...ps))}-${Math.round(Math.max(...ps))}) | ${b ? `${fmt((b / m) * 100)}%` : '-'} | ${b ? Math.round(m - b) : '-'} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  if (!hasCallgrind) {
    process.stderr.write('valgrind (callgrind) is not installed: apt-get install -y valgrind\n');
    process.exit(1);
  }
  const options = { amount: args.amount === undefined ? undefined : Number(args.amount), warm: Number(args.warm ?? 2), passes: Number(args.passes ?? 3), rounds: Number(args.rounds ?? 1) };
  const table = await instructionsTable(selected(args.only ? new RegExp(args.only) : null), options, (l) => process.stderr.write(l));
  process.stdout.write(`${table}\n`);
}
