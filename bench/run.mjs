// `npm run bench`: every configuration side by side, alternating over rounds, on this machine.
// Server pinned to core 0, load generator (autocannon, exact request count) to core 1. Reports
// medians and min-max of req/s and of server CPU per response (all threads, from /proc), p99
// latency, ratios to the bare framework, and whether the counted total equals what was sent.
// Then instructions per response under callgrind (bench/instructions.mjs; --instructions=no skips)
// and simulated cache misses for node:http (bench/cache.mjs; --cache=no skips), and the
// micro-benchmarks (hot path, rendering, route matching). Writes docs/benchmarks.md.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import os from 'node:os';
import { selected, serverEnv } from './configs.mjs';
import { NODE_FLAGS, PASS_AMOUNT, hasCallgrind, instructionsTable } from './instructions.mjs';
import { cacheTable } from './cache.mjs';
import { LOAD_CORE, SERVER_CORE, cpuNs, fmt, freePort, hasTaskset, median, run, scrapeOnce, spawnPinned, waitForPort } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const ROUNDS = Number(args.rounds ?? 3);
const AMOUNT = Number(args.amount ?? 20000);
const SECONDS = Number(args.seconds ?? 5);
// Interleaved bursts after the rounds (`--bursts=0` skips): see bursts() below. BURSTS rounds in
// all, split over BURST_PROCESSES sets of freshly started servers.
const BURSTS = Number(args.bursts ?? 15);
const BURST_SECONDS = Number(args['burst-seconds'] ?? 2);
const BURST_PROCESSES = Math.max(1, Math.min(BURSTS, Number(args['burst-processes'] ?? 5)));
/**
 * Node flags of every server in the bursts. Each server idles for seconds between its bursts,
 * and V8's memory reducer, which shrinks the heap of a process that stopped allocating, is set
 * off by such gaps: with it, the fourth server of a set ran every burst 20-35 % slower than
 * the others, whichever configuration it was (faultline/register 22.0 µs per response there,
 * 16.9 µs in the same position with the flag). A server under steady load never goes idle like
 * that. With the flag the fourth was still the slowest in two hand runs (by 3-7 %): the
 * shuffled start orders spread whatever remains over the configurations.
 */
const BURST_NODE_FLAGS = ['--no-memory-reducer'];
const hasWrk = existsSync('/usr/bin/wrk');
const CONNECTIONS = 50;
const only = args.only ? new RegExp(args.only) : null;

const CONFIGS = selected(only);

/** wrk for `seconds` (pinned to the load core): the throughput, latency and CPU figures. */
async function wrk(port, seconds = SECONDS) {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', join(here, 'mix.lua'), `http://127.0.0.1:${port}`];
  const child = hasTaskset ? spawn('taskset', ['-c', LOAD_CORE, 'wrk', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = await run(child);
  const r = JSON.parse(out.trim().split('\n').pop());
  return { requests: r.requests, rps: r.requests / (r.duration_us / 1e6), p99: r.p99_us / 1000, errors: r.errors };
}

async function load(port, amount) {
  const out = await run(spawnPinned(LOAD_CORE, [join(here, 'load.mjs'), JSON.stringify({ port, amount, connections: CONNECTIONS })], { stdio: ['ignore', 'pipe', 'pipe'] }));
  return JSON.parse(out.trim().split('\n').pop());
}

async function countedTotal(metricsPort) {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith('http_server_responses_total{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** Starts a configuration's server (pinned to the server core) and waits until it listens. */
async function startServer(config, nodeFlags = []) {
  const port = await freePort();
  const metricsPort = await freePort();
  const env = serverEnv(config, port, metricsPort);
  const server = spawnPinned(SERVER_CORE, [...nodeFlags, ...config.argv], { env, stdio: ['ignore', 'ignore', 'inherit'], cwd: root });
  try {
    await waitForPort(port);
  } catch (err) {
    server.kill('SIGKILL');
    throw err;
  }
  return { config, server, port, metricsPort };
}

/**
 * Exactly AMOUNT requests, the exactness check, one scrape, AMOUNT more: what every
 * configuration goes through before it is measured. Returns the exactness text.
 */
async function warm({ config, port, metricsPort }) {
  // 1. exactly AMOUNT requests (autocannon): every one must be counted, no more, no less;
  //    this is also the warm-up.
  const sentRun = await load(port, AMOUNT);
  let exact = '';
  if (config.counted) {
    const counted = await countedTotal(metricsPort);
    const sent = AMOUNT + 1; // + the readiness probe
    exact = counted === sent && sentRun.requests === AMOUNT ? `exact (${counted})` : `MISMATCH counted ${counted} sent ${sent}`;
  }
  if (config.scrape) {
    // The alternatives' endpoints are scraped once too (faultline's just were, by the count):
    // a monitored service serves its metrics, and a scrape is a second client in the process.
    await scrapeOnce(config, port, metricsPort);
  }
  // The first scrape is the process's first request from a second client (and, for faultline,
  // on a second server): V8 throws away code optimised for one kind of request and optimises it
  // again. That happens once in a service's life, not per response: warm up again before
  // measuring (every configuration, bare included).
  await load(port, AMOUNT);
  return exact;
}

async function measure(config) {
  const s = await startServer(config);
  try {
    const exact = await warm(s);
    // 2. saturating load for SECONDS (wrk when installed): req/s, p99 and server CPU per response.
    const cpu0 = cpuNs(s.server.pid);
    const result = hasWrk ? await wrk(s.port) : await load(s.port, AMOUNT * 2);
    const cpu1 = cpuNs(s.server.pid);
    return { rps: result.rps, cpuUs: (cpu1 - cpu0) / 1000 / result.requests, p99: result.p99, requests: result.requests, exact, errors: result.errors + (result.timeouts ?? 0) };
  } finally {
    s.server.kill('SIGKILL');
  }
}

/**
 * The `## heading` section of an earlier docs/benchmarks.md, up to the next section, with `note`
 * after it once (a file that kept the section from yet another run already carries the note),
 * or undefined when the file has no such section.
 */
function keptSection(text, heading, note) {
  const start = text.indexOf(heading);
  if (start < 0) return undefined;
  const end = text.indexOf('\n## ', start + 3);
  const section = text.slice(start, end < 0 ? undefined : end + 1).split(`\n${note}\n`).join('\n');
  return `${section.trimEnd()}\n\n${note}\n`;
}

/** A repeatable pseudo-random generator (mulberry32): the same orders in every run. */
function randomFrom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher-Yates). */
function shuffled(items, random) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Interleaved bursts: every configuration of one framework runs at once (each warmed as above,
 * idle but for its turn), and wrk drives one at a time for BURST_SECONDS, `rounds` times. A
 * configuration's burst and its bare framework's are seconds apart instead of minutes, so the
 * host's swings (2x within minutes here) hit both alike; each burst round gives one ratio.
 * The servers start in a shuffled order and each round runs them in a new shuffled order, so
 * no configuration always starts fourth or always follows the same one. Returns each
 * configuration's CPU µs per response, one per round.
 */
async function bursts(configs, rounds, random) {
  const started = [];
  try {
    for (const config of shuffled(configs, random)) started.push(await startServer(config, BURST_NODE_FLAGS));
    for (const s of started) await warm(s);
    const cpu = new Map(started.map((s) => [s.config, []]));
    for (let round = 0; round < rounds; round++) {
      for (const s of shuffled(started, random)) {
        const cpu0 = cpuNs(s.server.pid);
        const result = await wrk(s.port, BURST_SECONDS);
        const cpu1 = cpuNs(s.server.pid);
        cpu.get(s.config).push((cpu1 - cpu0) / 1000 / result.requests);
      }
    }
    return cpu;
  } finally {
    for (const s of started) s.server.kill('SIGKILL');
  }
}

// `--cpu-from=FILE`: keep the CPU-time table of an earlier run (its text says which) and only
// count instructions and run the micro-benchmarks again, e.g. after a change to how they are
// measured; the counterpart of `--instructions-from`.
const cpuFrom = args['cpu-from'] ? readFileSync(args['cpu-from'], 'utf8') : undefined;
const results = new Map(CONFIGS.map((c) => [c, []]));
for (let round = 0; round < (cpuFrom === undefined ? ROUNDS : 0); round++) {
  // alternate: each round starts one configuration later
  const order = CONFIGS.map((_, i) => CONFIGS[(i + round) % CONFIGS.length]);
  for (const config of order) {
    const r = await measure(config);
    results.get(config).push(r);
    process.stderr.write(`round ${round + 1}/${ROUNDS} ${config.fw} ${config.name}: ${fmt(r.rps, 0)} req/s, ${fmt(r.cpuUs, 2)} µs CPU/response, p99 ${r.p99} ms ${r.exact}\n`);
  }
}

const rows = [];
const bare = new Map();
for (const [config, rs] of results) {
  const row = {
    config,
    rps: median(rs.map((r) => r.rps)), rpsMin: Math.min(...rs.map((r) => r.rps)), rpsMax: Math.max(...rs.map((r) => r.rps)),
    cpu: median(rs.map((r) => r.cpuUs)), cpuMin: Math.min(...rs.map((r) => r.cpuUs)), cpuMax: Math.max(...rs.map((r) => r.cpuUs)),
    p99: median(rs.map((r) => r.p99)),
    exact: rs.map((r) => r.exact).filter(Boolean),
    errors: rs.reduce((a, r) => a + r.errors, 0),
  };
  if (config.name === 'bare') bare.set(config.fw, row);
  rows.push(row);
}

const header = '| framework | configuration | req/s median (min-max) | req/s vs bare | server CPU µs/response median (min-max) | capacity kept (bare CPU / CPU) | +µs/response | p99 ms | counts |';
let lines = [header, '|---|---|---|---|---|---|---|---|---|'];
for (const r of rows) {
  const b = bare.get(r.config.fw);
  const kept = b ? (b.cpu / r.cpu) * 100 : NaN;
  lines.push(`| ${r.config.fw} | ${r.config.name} | ${fmt(r.rps, 0)} (${fmt(r.rpsMin, 0)}-${fmt(r.rpsMax, 0)}) | ${b ? fmt((r.rps / b.rps) * 100) + '%' : '-'} | ${fmt(r.cpu, 2)} (${fmt(r.cpuMin, 2)}-${fmt(r.cpuMax, 2)}) | ${fmt(kept)}% | ${b ? fmt(r.cpu - b.cpu, 2) : '-'} | ${r.p99} | ${r.exact.length ? (r.exact.every((e) => e.startsWith('exact')) ? `exact in ${r.exact.length}/${r.exact.length} runs` : r.exact.join('; ')) : (r.errors ? `${r.errors} errors` : '-')} |`);
}

if (cpuFrom !== undefined) {
  const start = cpuFrom.indexOf(header);
  if (start < 0) throw new Error(`${args['cpu-from']} has no CPU-time table`);
  const end = cpuFrom.indexOf('\n\n', start);
  lines = [...cpuFrom.slice(start, end < 0 ? undefined : end).split('\n'), '', `(CPU-time figures kept from an earlier run of this benchmark on the same code, \`--cpu-from\`; the instruction counts and micro-benchmarks below are from this run.)`];
}

// Interleaved bursts, framework by framework (needs wrk; with --cpu-from, the earlier run's are kept).
let burstSection = '';
const BURST_HEADING = '## Server CPU per response, interleaved bursts';
if (cpuFrom !== undefined) {
  burstSection = keptSection(cpuFrom, BURST_HEADING, '(Kept from the same earlier run, `--cpu-from`.)') ?? '';
} else if (hasWrk && BURSTS > 0) {
  const byFw = new Map();
  for (const c of CONFIGS) byFw.set(c.fw, [...(byFw.get(c.fw) ?? []), c]);
  const burstLines = ['| framework | configuration | server CPU µs/response median (min-max) | capacity kept: median of the rounds\' ratios (min-max) | kept, each set of processes (median of its rounds) | +µs/response (median of rounds) |', '|---|---|---|---|---|---|'];
  const random = randomFrom(Number(args['burst-seed'] ?? 1));
  for (const [fw, configs] of byFw) {
    const b = configs.find((c) => c.name === 'bare');
    if (b === undefined || configs.length < 2) continue;
    // A second bare server beside the first: how far apart two identical processes land is
    // the noise floor of this method, shown in its own row.
    const control = { ...b, name: 'bare, a second process (control)' };
    const all = [b, control, ...configs.filter((c) => c !== b)];
    // One process of a configuration can run its whole life faster or slower than another of
    // the same: the rounds are split over BURST_PROCESSES sets of fresh servers, and each set's
    // ratios are reported too.
    const perSet = Math.ceil(BURSTS / BURST_PROCESSES);
    const cpu = new Map(all.map((c) => [c, []]));
    const sets = [];
    for (let set = 0, done = 0; done < BURSTS; set++, done += perSet) {
      const rounds = Math.min(perSet, BURSTS - done);
      process.stderr.write(`\ninterleaved bursts: ${fw}, servers ${set + 1} (${all.length} at once, ${rounds} x ${BURST_SECONDS} s each)...\n`);
      const got = await bursts(all, rounds, random);
      sets.push(got);
      for (const c of all) {
        cpu.get(c).push(...got.get(c));
        process.stderr.write(`  ${c.name}: ${got.get(c).map((x) => fmt(x, 2)).join(' ')}\n`);
      }
    }
    const keptOf = (xs, base) => xs.map((x, i) => (base[i] / x) * 100);
    const base = cpu.get(b);
    for (const c of all) {
      const xs = cpu.get(c);
      const kept = keptOf(xs, base);
      const plus = xs.map((x, i) => x - base[i]);
      const bySet = sets.map((got) => fmt(median(keptOf(got.get(c), got.get(b))))).join(' / ');
      burstLines.push(`| ${fw} | ${c.name} | ${fmt(median(xs), 2)} (${fmt(Math.min(...xs), 2)}-${fmt(Math.max(...xs), 2)}) | ${c === b ? '-' : `${fmt(median(kept))}% (${fmt(Math.min(...kept))}-${fmt(Math.max(...kept))}%)`} | ${c === b ? '-' : `${bySet} %`} | ${c === b ? '-' : fmt(median(plus), 2)} |`);
    }
  }
  burstSection = `${BURST_HEADING}

Every configuration of a framework runs at once (server core; each warmed, counted and scraped as above, idle but for its
turn), and wrk drives one at a time for ${BURST_SECONDS} s, ${BURSTS} rounds split over ${BURST_PROCESSES} sets of freshly started servers; the servers of a
set start in a shuffled order and every round runs them in a new shuffled order (seeded: the same orders every run). A
configuration's burst and its bare framework's are seconds apart instead of minutes, so the host's swings hit both alike;
"capacity kept" is the median over all rounds of (bare CPU per response / configuration's) within the round. One process
can run its whole life faster or slower than another of the same configuration, hence the sets, whose own medians are
listed, and a second bare server beside the first as a control: its row is how far apart two identical processes land by
this method. Servers here run with \`${BURST_NODE_FLAGS.join(' ')}\`: between its bursts each one idles for seconds, and V8's
memory reducer, which shrinks the heap of a process that stopped allocating, is set off by such gaps (without the flag,
the fourth server started in a set ran every burst 20-35 % slower, whichever configuration it was; why the fourth is not
established).

${burstLines.join('\n')}
`;
}

// Instructions per response under callgrind: the stable comparison on this shared machine.
const withInstructions = hasCallgrind && args.instructions !== 'no';
let instructions = '';
if (args['instructions-from']) {
  // The instruction counts do not depend on the machine's load: a CPU-time rerun may keep the
  // section of an earlier run (its text says which) instead of counting again for half an hour.
  const earlier = readFileSync(args['instructions-from'], 'utf8');
  const kept = keptSection(earlier, '## Instructions per response', '(Instruction counts kept from an earlier run of this benchmark on the same code, `--instructions-from`; the CPU figures above are from this run.)');
  if (kept === undefined) throw new Error(`${args['instructions-from']} has no instructions section`);
  instructions = kept;
} else if (withInstructions) {
  process.stderr.write('\ninstructions per response (callgrind)...\n');
  // Three processes of two counted passes rather than two of three: processes of one
  // configuration differ by more than the passes within one (faultline/register in two
  // layouts: 55,636 and 55,296 per response, an empty Fastify hook 59,494 and 58,837, the
  // passes of each process within ~200 of each other), so a third process narrows the mean
  // more than a third pass does, for about the same time.
  const options = { amount: args['instr-amount'] === undefined ? undefined : Number(args['instr-amount']), rounds: Number(args['instr-rounds'] ?? 3), warm: Number(args['instr-warm'] ?? 2), passes: Number(args['instr-passes'] ?? 2) };
  const perPass = options.amount === undefined ? Object.entries(PASS_AMOUNT).map(([fw, n]) => `${n} for ${fw}`).join(', ') : String(options.amount);
  instructions = `## Instructions per response (callgrind)

Every instruction the server process executed (all threads: parser, JIT, GC) for passes of exactly ${perPass} requests of
the same mix, counted by valgrind's callgrind after a warm-up of ${options.warm} passes (bench/instructions.mjs), then, for the configurations
scraped above, one scrape and one more warm-up pass (as in the CPU sections); ${options.rounds} process(es) per
configuration, alternating, ${options.passes} counted passes each, process k in heap layout k (bench/servers/layout.cjs: the first
none, the others with padding allocated before the server starts; where V8's objects land moves Node's own http code by 1-2 %,
so every configuration is measured in the same layouts); the figure is the mean of all
passes (every instruction over every counted response, garbage collections included: each pass holds several young-generation
collections). Node runs with
\`${NODE_FLAGS.join(' ')}\` here (every configuration): V8's heuristics that run on the wall clock (timed scavenge tasks, the
memory reducer) fire at points unrelated to the code under callgrind, which runs ~50x slower than it.
Unlike CPU time, this does not move with the machine's other load: the figure to compare configurations by.

${await instructionsTable(CONFIGS, options, (l) => process.stderr.write(l))}
`;
} else {
  instructions = hasCallgrind
    ? '(No instruction counts in this run: `--instructions=no`. `npm run bench -- --cpu-from=docs/benchmarks.md` counts them and keeps the CPU sections above.)\n'
    : '(valgrind not installed: no instruction counts; `apt-get install -y valgrind`.)\n';
}

// Simulated cache misses per response for node:http (bench/cache.mjs; `--cache=no` skips): where
// CPU time and instructions part.
let cacheSection = '';
const CACHE_NAMES = ['bare', 'faultline/register', 'two empty diagnostics_channel subscribers', 'the least channel hook (count + histogram by code)', "faultline's modules loaded, not started"];
const cacheConfigs = CONFIGS.filter((c) => c.fw === 'node:http' && CACHE_NAMES.includes(c.name));
if (hasCallgrind && args.cache !== 'no' && cacheConfigs.length > 1 && cacheConfigs[0].name === 'bare') {
  process.stderr.write('\ncache misses per response (callgrind --cache-sim)...\n');
  const rounds = Number(args['cache-rounds'] ?? 3);
  const amount = Number(args['cache-amount'] ?? 10000);
  const { table, caches } = await cacheTable(cacheConfigs, { rounds, amount }, (l) => process.stderr.write(l));
  cacheSection = `## Cache misses per response (callgrind's cache simulation)

Why CPU time and instructions part: callgrind also simulates the caches (\`--cache-sim=yes\`; ${caches}; least recently
used, no prefetching: a model, stable from run to run, not the hardware's, which this VM does not expose). Same servers and
Node flags as the instruction counts; ${rounds} processes per configuration (heap layouts 0-${rounds - 1}), alternating, one counted pass of
${amount} requests each; mean (min-max). Node's http code does not fit in the 32 KB first-level instruction cache
(~3,000 misses per response bare), so every line of code a hook runs per request is fetched again on every request, and
each miss costs cycles that an instruction count does not show. The empty subscribers of Node's two HTTP server channels
(bench/servers/channels.mjs) are the floor under faultline/register, which subscribes to the same two; the least hook
(bench/servers/least-hook.mjs: a clock reading on the response, a count and a bucket by status code) is a reference for
what a counter and a histogram cost on them at the least.

${table}
`;
}

process.stderr.write('\nmicro-benchmarks...\n');
const micro = await run(spawnPinned(SERVER_CORE, ['--expose-gc', join(here, 'micro.mjs')], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root }));

const machine = `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
const doc = `# Benchmarks

Generated by \`npm run bench\` (bench/run.mjs) on ${new Date().toISOString().slice(0, 10)}: ${machine}.
Server pinned to core ${SERVER_CORE}${hasTaskset ? '' : ' (taskset missing: not pinned)'}, load generator on core ${LOAD_CORE}: first exactly ${AMOUNT} requests with autocannon
(the warm-up, and the exactness check: faultline's count must equal what was sent), then one scrape of every
configuration that serves metrics (faultline's by the count check, the alternatives' endpoints too) and ${AMOUNT} more requests
to warm up again after it (every configuration), then ${hasWrk ? `wrk, ${CONNECTIONS} connections, ${SECONDS} s` : `autocannon, ${CONNECTIONS} connections, ${AMOUNT * 2} requests (wrk not installed)`} for the figures;
mix 90% 200 / 5% 404 / 3% 500 / 2% 503 over route templates; ${ROUNDS} rounds, configurations alternating.
"Server CPU per response" sums the CPU time of all the server's threads (/proc/<pid>/task/*/schedstat) over the measured
requests: the stable figure on a shared machine. "Capacity kept" = bare CPU per response / configuration's CPU per response.
"counts" compares faultline's \`http_server_responses_total\` with the requests sent.

${lines.join('\n')}

${burstSection}
${instructions}
${cacheSection}
${micro}`;
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/benchmarks.md'), doc);
process.stdout.write(`${doc}\n`);
