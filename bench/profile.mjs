// Where one configuration's instructions go, per JavaScript function: the server runs under
// callgrind as bench/instructions.mjs counts it, with V8's --perf-basic-prof, whose map of JIT
// code (/tmp/perf-<pid>.map) names the code callgrind sees only as addresses. Prints each
// function's own instructions per response (self cost: what V8 inlined into a function counts
// in it), faultline's functions (dist/) first, then the top of the whole process. One process
// moves by a few hundred instructions per response from another (heap layout), so compare
// configurations with bench/instructions.mjs; use this to see what a figure is made of.
//
//   node bench/profile.mjs --only='^fastify faultline$' [--top=25] [--layout=0] [--amount=N] [--cache-sim] [--scrape]
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { selected } from './configs.mjs';
import { hasCallgrind, instructionsPerResponse } from './instructions.mjs';

/** The JIT code ranges of a --perf-basic-prof map, sorted by start: [start, end, name]. */
function readPerfMap(file) {
  const ranges = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m !== null) ranges.push([parseInt(m[1], 16), parseInt(m[1], 16) + parseInt(m[2], 16), m[3].replace(/^JS:[*^~+]?/, '')]);
  }
  return ranges.sort((a, b) => a[0] - b[0]);
}

function nameAt(ranges, address) {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][0] <= address) lo = mid + 1;
    else hi = mid - 1;
  }
  const r = ranges[hi];
  return r !== undefined && address < r[1] ? r[2] : 'JIT code not in the map';
}

/**
 * Self cost per function of a callgrind dump for each of `events` (callgrind's names: Ir,
 * I1mr, D1mr, ...), JIT addresses named from the map: totals and a map name -> counts.
 */
function selfCosts(dumpFile, perfMapFile, events = ['Ir']) {
  const ranges = readPerfMap(perfMapFile);
  const text = execFileSync('callgrind_annotate', ['--threshold=100', `--show=${events.join(',')}`, dumpFile], { encoding: 'utf8', maxBuffer: 256 << 20 });
  // One column per event: a count and its share, or a lone "0" / "." for none.
  const row = new RegExp(`^${'\\s*([\\d,]+|\\.)\\s+(?:\\(\\s*[\\d.]+%\\)\\s+)?'.repeat(events.length)}(\\S.*)$`);
  const costs = new Map();
  let totals = events.map(() => 0);
  for (const line of text.split('\n')) {
    const m = row.exec(line);
    if (m === null) continue;
    const ns = events.map((_, i) => (m[i + 1] === '.' ? 0 : Number(m[i + 1].replaceAll(',', ''))));
    const what = m[events.length + 1];
    if (what.startsWith('PROGRAM TOTALS')) {
      totals = ns;
      continue;
    }
    const jit = /^\?\?\?:0x([0-9a-f]+)/.exec(what);
    const name = jit !== null ? nameAt(ranges, parseInt(jit[1], 16)) : what.replace(/^\?\?\?:/, '').replace(/ \[.*$/, '');
    const sum = costs.get(name) ?? events.map(() => 0);
    costs.set(name, sum.map((x, i) => x + ns[i]));
  }
  return { totals, costs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
  if (!hasCallgrind) {
    process.stderr.write('valgrind (callgrind) is not installed: apt-get install -y valgrind\n');
    process.exit(1);
  }
  const configs = selected(args.only ? new RegExp(args.only) : null);
  if (configs.length !== 1) {
    process.stderr.write(`--only must pick one configuration (it picked ${configs.length}): ${configs.map((c) => `${c.fw} ${c.name}`).join('; ')}\n`);
    process.exit(2);
  }
  const config = configs[0];
  const top = Number(args.top ?? 25);
  // --cache-sim: callgrind also simulates the caches (bench/cache.mjs); each function's L1
  // instruction and data misses are shown beside its instructions.
  const cacheSim = 'cache-sim' in args && args['cache-sim'] !== 'no';
  const events = cacheSim ? ['Ir', 'I1mr', 'D1mr', 'D1mw'] : ['Ir'];
  let profile;
  // The pass size defaults to instructions.mjs's for the framework.
  const { amount } = await instructionsPerResponse(config, {
    amount: args.amount === undefined ? undefined : Number(args.amount),
    passes: 1,
    layout: Number(args.layout ?? 0),
    nodeArgs: ['--perf-basic-prof'],
    valgrindArgs: cacheSim ? ['--cache-sim=yes'] : [],
    // --scrape: the metrics endpoint is fetched once after the warm-up (as before the CPU-time
    // measures), then one more warm-up pass: what a scrape leaves behind in Node's code.
    scrape: 'scrape' in args && args.scrape !== 'no',
    onDump: (file, pid) => {
      const map = `/tmp/perf-${pid}.map`;
      profile = selfCosts(file, map, events);
      rmSync(map, { force: true });
    },
  });
  const per = (ns) => ns.map((n) => (n / amount).toFixed(1).padStart(9)).join('');
  const rows = [...profile.costs].sort((a, b) => b[1][0] - a[1][0]);
  const ours = rows.filter(([name]) => /\/dist\/(?:cjs|esm)\//.test(name));
  const sum = ours.reduce((a, [, ns]) => a.map((x, i) => x + ns[i]), events.map(() => 0));
  const head = events.map((e) => e.padStart(9)).join('');
  const lines = [
    `${config.fw} ${config.name}, per response (one pass of ${amount}): ${events.map((e, i) => `${e} ${(profile.totals[i] / amount).toFixed(1)}`).join(', ')}`,
    '',
    "faultline's functions (self, per response):",
    head,
  ];
  for (const [name, ns] of ours) if (ns[0] / amount >= 0.5) lines.push(`${per(ns)}  ${name}`);
  lines.push(`${per(sum)}  (sum)`, '', `the top ${top} of the process (self, per response):`, head);
  for (const [name, ns] of rows.slice(0, top)) lines.push(`${per(ns)}  ${name}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
