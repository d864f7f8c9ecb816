// Cache misses per response, simulated by callgrind (`--cache-sim=yes`): why a configuration
// can cost more CPU time than its instructions say. The server runs as in bench/instructions.mjs
// (same Node flags, warm-up, one process per round in heap layout k); one counted pass per
// process. Callgrind models the host's first-level caches (32 KB instruction, 32 KB data here),
// least recently used, without prefetching: the counts are a model, stable from run to run, not
// the hardware's (this VM exposes no hardware counters to perf). Its last level here is a
// 256 MB direct-mapped cache that nothing misses, so it is not shown.
//
// Node's http code runs ~53,000 instructions per response and misses the first-level
// instruction cache ~3,000 times per response: its code does not fit in 32 KB, so every line of
// code a hook adds is fetched again on every request, and it evicts some of Node's. Each miss
// costs cycles that an instruction count does not show.
//
//   node bench/cache.mjs [--only=regex] [--rounds=3] [--amount=10000]
import { pathToFileURL } from 'node:url';
import { selected } from './configs.mjs';
import { dumpTotals, hasCallgrind, instructionsPerResponse } from './instructions.mjs';
import { fmt, mean } from './lib.mjs';

/** The events reported, with their column titles. */
const EVENTS = [
  ['Ir', 'instructions'],
  ['I1mr', 'L1 instruction misses'],
  ['D1mr', 'L1 data read misses'],
  ['D1mw', 'L1 data write misses'],
];

/** Per-response counts of every event in one callgrind dump, and the simulated caches' descriptions. */
function dumpEvents(file, amount) {
  const { totals, text } = dumpTotals(file);
  const perResponse = Object.fromEntries(Object.entries(totals).map(([n, total]) => [n, total / amount]));
  const caches = [...text.matchAll(/^desc: (I1|D1|LL) cache:\s+(.*)$/gm)].map((m) => `${m[1]} ${m[2].trim()}`);
  return { perResponse, caches };
}

/**
 * A Markdown table of simulated cache misses per response for `configs`, with each figure's
 * difference to its framework's bare one; `rounds` processes per configuration, alternating.
 * Returns the table and the simulated caches' description.
 */
export async function cacheTable(configs, { rounds = 3, amount = 10000 } = {}, log = () => {}) {
  const runs = new Map(configs.map((c) => [c, []]));
  let caches = [];
  for (let round = 0; round < rounds; round++) {
    for (const config of round % 2 === 0 ? configs : [...configs].reverse()) {
      let got;
      await instructionsPerResponse(config, { amount, passes: 1, layout: round, valgrindArgs: ['--cache-sim=yes'], onDump: (file) => (got = dumpEvents(file, amount)) });
      runs.get(config).push(got.perResponse);
      caches = got.caches;
      log(`cache round ${round + 1}/${rounds} ${config.fw} ${config.name}: ${EVENTS.map(([e]) => `${e} ${fmt(got.perResponse[e] ?? NaN, 1)}`).join(', ')}\n`);
    }
  }
  const means = new Map([...runs].map(([c, rs]) => [c, Object.fromEntries(EVENTS.map(([e]) => [e, mean(rs.map((r) => r[e] ?? NaN))]))]));
  const bare = new Map([...means].filter(([c]) => c.name === 'bare').map(([c, m]) => [c.fw, m]));
  const lines = [
    `| framework | configuration | ${EVENTS.map(([, title]) => `${title} per response (+ vs bare)`).join(' | ')} |`,
    `|---|---|${EVENTS.map(() => '---|').join('')}`,
  ];
  for (const [config, m] of means) {
    const b = bare.get(config.fw);
    const cell = (e, digits) => {
      const xs = runs.get(config).map((r) => r[e]);
      const range = `${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)}`;
      const d = b !== undefined && b !== m ? m[e] - b[e] : undefined;
      return `${fmt(m[e], digits)} (${range})${d === undefined ? '' : `, ${d < 0 ? '' : '+'}${fmt(d, digits)} (${d < 0 ? '' : '+'}${fmt((d / b[e]) * 100, 1)} %)`}`;
    };
    lines.push(`| ${config.fw} | ${config.name} | ${cell('Ir', 0)} | ${cell('I1mr', 0)} | ${cell('D1mr', 0)} | ${cell('D1mw', 1)} |`);
  }
  return { table: lines.join('\n'), caches: caches.join('; ') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  if (!hasCallgrind) {
    process.stderr.write('valgrind (callgrind) is not installed: apt-get install -y valgrind\n');
    process.exit(1);
  }
  const configs = selected(new RegExp(args.only ?? '^node:http (bare|faultline/register|two empty diagnostics_channel subscribers)$'));
  const { table, caches } = await cacheTable(configs, { rounds: Number(args.rounds ?? 3), amount: Number(args.amount ?? 10000) }, (line) => process.stderr.write(line));
  process.stdout.write(`${table}\n\nSimulated caches: ${caches}.\n`);
}
