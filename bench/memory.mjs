// Memory per 10,000 label sets, in a process of its own: `node --expose-gc bench/memory.mjs
// faultline|prom-client` prints one JSON line. Run by micro.mjs for both libraries.
//
// What a running service pays for more label sets is the slope: the process's young generation
// has long grown to its working size, and the heap's pages come in steps. So the process first
// makes short-lived garbage (as serving requests does), then records the label sets in steps of
// 10,000 and reads RSS and what V8 holds (heap in use + array buffers) after two full
// collections at each step. Printed: the first 10,000, and the mean per 10,000 over all steps.
import { CODES, faultlineSets, promClientSets } from './label-sets.mjs';

const STEP = 10_000;
const STEPS = 5;
const gc = globalThis.gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const mem = () => { gc(); gc(); const m = process.memoryUsage(); return { rss: m.rss, held: m.heapUsed + m.arrayBuffers }; };

const which = process.argv[2];
if (which !== 'faultline' && which !== 'prom-client') throw new Error(`usage: memory.mjs faultline|prom-client (got ${which})`);
// Each library's objects made and one label set recorded, so that they are not counted as the 10,000's.
const { record } = which === 'faultline' ? faultlineSets(STEP * STEPS) : promClientSets();

// Short-lived garbage, bounded: ~2 million small objects, as a serving process makes.
let keep = [];
for (let i = 0; i < 2_000_000; i++) {
  keep.push({ i, s: `x${i}` });
  if (keep.length > 1000) keep = [];
}
keep = [];

const routesPerStep = STEP / CODES.length;
const base = mem();
const steps = [];
for (let k = 0; k < STEPS; k++) {
  record(k * routesPerStep, (k + 1) * routesPerStep);
  steps.push(mem());
}
const last = steps[STEPS - 1];
process.stdout.write(`${JSON.stringify({
  firstRss: steps[0].rss - base.rss,
  firstHeld: steps[0].held - base.held,
  rssPer10k: (last.rss - base.rss) / STEPS,
  heldPer10k: (last.held - base.held) / STEPS,
})}\n`);
