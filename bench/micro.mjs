// Micro-benchmarks: the hot path, rendering 10,000 label sets against prom-client's own
// registry.metrics() for the same series, and route matching against 1,000 OpenAPI paths.
// Prints a Markdown section. Run with --expose-gc (run.mjs does).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createFaultline } from '../dist/esm/index.js';
import { RENDER_SLICE_MS, renderChunked } from '../dist/esm/exporter/render.js';
import { compileRoutes } from '../dist/esm/catalog/route-matcher.js';
import { median, fmt } from './lib.mjs';
import { CODES, faultlineSets, promClientSets } from './label-sets.mjs';

const gc = globalThis.gc ?? (() => undefined);
/**
 * Memory after two full collections: RSS, and what V8 holds (heap in use + array buffers).
 * RSS moves in the heap's growth steps (megabytes at a time, and pages freed by one section
 * reused by the next), so a difference of RSS says little about a few MB; the heap figure is
 * what the objects take.
 */
const mem = () => { gc(); gc(); const m = process.memoryUsage(); return { rss: m.rss, held: m.heapUsed + m.arrayBuffers }; };
const diff = (a, b) => ({ rss: b.rss - a.rss, held: b.held - a.held });
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`;
const out = [];

// --- hot path ---------------------------------------------------------------------------
{
  const fl = createFaultline();
  const rec = fl.recorder;
  const get = rec.method('GET');
  const routes = Array.from({ length: 20 }, (_, i) => rec.route(`/v3/:project_id/r${i}`));
  const codes = [200, 200, 200, 200, 200, 200, 200, 200, 200, 404, 500, 503];
  for (let i = 0; i < 1000; i++) rec.response(get, routes[i % 20], codes[i % 12], 0.001);
  const N = 2_000_000;
  const samples = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) rec.response(get, routes[i % 20], codes[i % 12], 0.0004 * (i % 50));
    samples.push(((performance.now() - t0) * 1e6) / N);
  }
  const heap0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < N; i++) rec.response(get, routes[i % 20], codes[i % 12], 0.01);
  const heapGrowth = process.memoryUsage().heapUsed - heap0;
  const obs = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < N / 4; i++) fl.observe({ method: 'GET', route: '/v3/:project_id/r1', statusCode: 200, durationSeconds: 0.01 });
    obs.push(((performance.now() - t0) * 1e6) / (N / 4));
  }
  out.push('## Hot path', '', '| operation | ns per call (median of 5) |', '|---|---|',
    `| Recorder.response() on an existing series (counter + 14-bucket histogram) | ${fmt(median(samples), 1)} |`,
    `| fl.observe() (method + route lookup + response) | ${fmt(median(obs), 1)} |`, '',
    `Heap growth over ${N.toLocaleString('en')} more responses on existing series: ${(heapGrowth / 1024).toFixed(0)} KiB (no allocation per response beyond noise).`, '');
  await fl.close();
}

// --- rendering ------------------------------------------------------------------------------
{
  const SETS = 10_000;
  const routes = SETS / CODES.length;
  // The cost of the label sets themselves: each library's objects are made and one label set
  // recorded first, then memory is read before and after the 10,000.
  const { fl, record: recordOurs } = faultlineSets(SETS);
  const ours0 = mem();
  recordOurs(0, routes);
  const memOurs = diff(ours0, mem());

  const { registry, record: recordProm } = promClientSets();
  const prom0 = mem();
  recordProm(0, routes);
  const memProm = diff(prom0, mem());

  // The longest time the event loop was held: gaps between ticks of a 1 ms interval that
  // runs alongside the render (one more tick after it ends catches its last slice).
  async function timed(fn) {
    // Each render starts on a collected heap: prom-client's renders leave hundreds of MB of
    // strings behind, and the collection they call for would otherwise fall into whichever
    // render comes next and count as its block. Then a pause, for V8 to finish sweeping on its
    // own threads (allocating right after gc() sweeps on the main thread, a block of its own).
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 200));
    let last = performance.now();
    let blockMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      blockMs = Math.max(blockMs, now - last);
      last = now;
    }, 1);
    await new Promise((r) => setTimeout(r, 5));
    blockMs = 0;
    last = performance.now();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const body = await fn();
    const c = process.cpuUsage(c0);
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 3));
    clearInterval(ticker);
    return { ms, cpuMs: (c.user + c.system) / 1000, blockMs: Math.max(0, blockMs - 1), bytes: body.length };
  }
  // The host's share of a block: a loop that only spins in slices as long as the render's and
  // gives the event loop a turn between them, for as long as the render before it took. What
  // it shows is the machine (other processes, the hypervisor), not any renderer.
  async function busySlices(ms) {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const start = performance.now();
      while (performance.now() - start < RENDER_SLICE_MS);
      await new Promise((r) => setImmediate(r));
    }
    return '';
  }
  const ours = [];
  const theirs = [];
  const host = [];
  for (let round = 0; round < 7; round++) {
    // As the endpoint does: the body's memory is given back once sent, for the next scrape.
    ours.push(await timed(() => renderChunked(fl.recorder, fl['plan'], 'text').then((body) => (fl['plan'].giveBack(body), body))));
    host.push(await timed(() => busySlices(ours[round].ms)));
    theirs.push(await timed(() => registry.metrics()));
  }
  const om = [];
  for (let round = 0; round < 5; round++) om.push(await timed(() => renderChunked(fl.recorder, fl['plan'], 'openmetrics').then((body) => (fl['plan'].giveBack(body), body))));
  const m = (xs, k) => median(xs.map((x) => x[k]));
  const worst = (xs) => Math.max(...xs.map((x) => x.blockMs));
  out.push('## Rendering 10,000 label sets (all five metrics)', '',
    `${SETS.toLocaleString('en')} label sets of the counter and the histogram (${routes} routes x ${CODES.length} codes), ${routes} aborted label sets, the info metric; body ${(ours[0].bytes / 1e6).toFixed(1)} MB. Median of 7 alternating renders in one process, each after a full garbage collection; the longest block is the longest gap between ticks of a 1 ms timer during the render.`, '',
    '| renderer | CPU ms | wall ms | longest event-loop block ms (median / worst render) | memory for the 10,000 label sets: V8 heap + buffers (RSS change in this process; per 10,000 in a process of its own: next section) |', '|---|---|---|---|---|',
    `| faultline text (the endpoint's \`renderChunked\`) | ${fmt(m(ours, 'cpuMs'))} | ${fmt(m(ours, 'ms'))} | ${fmt(m(ours, 'blockMs'))} / ${fmt(worst(ours))} | ${mb(memOurs.held)} (${mb(memOurs.rss)}) |`,
    `| faultline OpenMetrics | ${fmt(m(om, 'cpuMs'))} | ${fmt(m(om, 'ms'))} | ${fmt(m(om, 'blockMs'))} / ${fmt(worst(om))} | (same series) |`,
    `| prom-client 15.1.3 \`registry.metrics()\` | ${fmt(m(theirs, 'cpuMs'))} | ${fmt(m(theirs, 'ms'))} | ${fmt(m(theirs, 'blockMs'))} / ${fmt(worst(theirs))} | ${mb(memProm.held)} (${mb(memProm.rss)}) |`,
    `| reference: no render, a busy loop in ${RENDER_SLICE_MS} ms slices for as long as each text render | ${fmt(m(host, 'cpuMs'))} | ${fmt(m(host, 'ms'))} | ${fmt(m(host, 'blockMs'))} / ${fmt(worst(host))} | - |`, '',
    'The reference row is the floor this machine sets: a block longer than the slice there is time the process did not get (other processes, the hypervisor).', '',
    `faultline renders in ${fmt((m(ours, 'cpuMs') / m(theirs, 'cpuMs')) * 100)}% of prom-client's CPU time for the same series (wall: ${fmt((m(ours, 'ms') / m(theirs, 'ms')) * 100)}%).`, '');
  await fl.close();
}

// --- memory per 10,000 label sets, each library in a process of its own ----------------------
{
  const measure = (which) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('memory.mjs', import.meta.url)), which], { encoding: 'utf8' }));
  const rows = [];
  const runs = { faultline: [], 'prom-client': [] };
  for (let round = 0; round < 3; round++) for (const which of Object.keys(runs)) runs[which].push(measure(which));
  for (const [which, rs] of Object.entries(runs)) {
    const m = (k) => mb(median(rs.map((r) => r[k])));
    rows.push(`| ${which === 'faultline' ? 'faultline' : 'prom-client 15.1.3'} | ${m('rssPer10k')} | ${m('heldPer10k')} | ${m('firstRss')} | ${m('firstHeld')} |`);
  }
  out.push('## Memory per 10,000 label sets', '',
    'Each library in a process of its own (`bench/memory.mjs`), three processes each, medians: short-lived garbage first (as serving requests makes, so that the young generation has its working size), then 50,000 label sets of the counter and the histogram recorded in steps of 10,000 (1,000 routes x 10 codes per step, and one label set of the aborted-requests counter per route), RSS and V8 heap + buffers read after two full collections at each step.', '',
    '| library | RSS per 10,000 (mean over 50,000) | V8 heap + buffers per 10,000 | RSS, first 10,000 | V8 heap + buffers, first 10,000 |', '|---|---|---|---|---|',
    ...rows, '');
}

// --- route matching -------------------------------------------------------------------------
{
  const templates = [];
  for (let i = 0; i < 1000; i++) {
    const group = `g${i % 40}`;
    templates.push(i % 3 === 0 ? `/v2/${group}/items${i}` : i % 3 === 1 ? `/v2/${group}/items${i}/{id}` : `/v2/${group}/items${i}/{id}/parts/{part}`);
  }
  const matcher = compileRoutes(templates);
  const paths = templates.map((t) => t.replace('{id}', '12345').replace('{part}', 'abc'));
  paths.push('/v2/none/nothing', '/favicon.ico');
  let hits = 0;
  for (const p of paths) if (matcher.match(p)) hits++;
  const N = 1_000_000;
  const samples = [];
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) if (matcher.match(paths[i % paths.length]) !== undefined) hits++;
    samples.push(((performance.now() - t0) * 1e6) / N);
  }
  out.push('## Route matching (1,000 OpenAPI path templates)', '',
    `| matcher | ns per match (median of 5) |`, '|---|---|', `| faultline segment trie (\`compileRoutes\`) | ${fmt(median(samples))} |`, '', `(${hits} matches checked.)`, '');
}

process.stdout.write(out.join('\n'));
