// Where one configuration's instructions go, per JavaScript function: the server runs under
// callgrind as bench/instructions.mjs counts it, with V8's --perf-basic-prof, whose map of JIT
// code (/tmp/perf-<pid>.map) names the code callgrind sees only as addresses. Prints each
// function's own instructions per response (self cost: what V8 inlined into a function counts
// in it), faultline's functions (dist/) first, then the top of the whole process. One process
// moves by a few hundred instructions per response from another (heap layout), so compare
// configurations with bench/instructions.mjs; use this to see what a figure is made of.
//
//   node bench/profile.mjs --only='^fastify faultline$' [--top=25] [--layout=0] [--amount=N]
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

/** Self instructions per function of a callgrind dump, JIT addresses named from the map. */
function selfCosts(dumpFile, perfMapFile) {
  const ranges = readPerfMap(perfMapFile);
  const text = execFileSync('callgrind_annotate', ['--threshold=100', dumpFile], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const costs = new Map();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$/.exec(line);
    if (m === null) continue;
    const n = Number(m[1].replaceAll(',', ''));
    if (m[2].startsWith('PROGRAM TOTALS')) {
      total = n;
      continue;
    }
    const jit = /^\?\?\?:0x([0-9a-f]+)/.exec(m[2]);
    const name = jit !== null ? nameAt(ranges, parseInt(jit[1], 16)) : m[2].replace(/^\?\?\?:/, '').replace(/ \[.*$/, '');
    costs.set(name, (costs.get(name) ?? 0) + n);
  }
  return { total, costs };
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
  let profile;
  // The pass size defaults to instructions.mjs's for the framework.
  const { amount } = await instructionsPerResponse(config, {
    amount: args.amount === undefined ? undefined : Number(args.amount),
    passes: 1,
    layout: Number(args.layout ?? 0),
    nodeArgs: ['--perf-basic-prof'],
    onDump: (file, pid) => {
      const map = `/tmp/perf-${pid}.map`;
      profile = selfCosts(file, map);
      rmSync(map, { force: true });
    },
  });
  const per = (n) => (n / amount).toFixed(1).padStart(9);
  const rows = [...profile.costs].sort((a, b) => b[1] - a[1]);
  const ours = rows.filter(([name]) => /\/dist\/(?:cjs|esm)\//.test(name));
  const lines = [`${config.fw} ${config.name}: ${per(profile.total).trim()} instructions per response (one pass of ${amount})`, '', "faultline's functions (self, per response):"];
  for (const [name, n] of ours) if (n / amount >= 0.5) lines.push(`${per(n)}  ${name}`);
  lines.push(`${per(ours.reduce((a, [, n]) => a + n, 0))}  (sum)`, '', `the top ${top} of the process (self, per response):`);
  for (const [name, n] of rows.slice(0, top)) lines.push(`${per(n)}  ${name}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
