// A scrape of 10,000 label sets must not make V8 throw away and recompile the render's code.
// It did: the writer and the last Immediate of one scrape were garbage by the next, a full
// collection freed their hidden classes (V8 holds field transitions weakly) and with them the
// optimised code of every function that had inlined them ("reason: weak objects"); and the
// render, one large generator, was compiled on-stack mid-loop and deoptimised after each loop.
// Each scrape then cost ~20-40 ms of TurboFan work, which on a single core took turns with the
// event loop. Whether a freed class shows up depends on what else happens to keep one alive, so
// a removed keep-alive may pass here by luck; this catches the cases seen so far.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraced } from '../helpers/trace.js';

const fixture = join(import.meta.dirname, '../fixtures/reliability/render-jit.mjs');

/** The render's functions (dist/esm/exporter/render.js and writer.js), as V8 names them. */
const RENDER_FUNCTIONS = /<(?:JSFunction|SharedFunctionInfo) (?:write|writeCounters|writeHistograms|writeAborts|renderChunked|estimateBytes|nextTurn|header|range|again|bytes|byte|str|num|int|reserve)[ >]/;

describe('render code stays compiled between scrapes', () => {
  it('after warm-up, six scrapes with a full collection before each deoptimise none of the render\'s functions', async () => {
    // Not --trace-opt: with it V8 kept the writer's hidden class alive and the fault hid.
    const out = await runTraced(['--expose-gc', '--trace-deopt', '--allow-natives-syntax', fixture]);
    const start = out.indexOf('---window---');
    const end = out.indexOf('---end---');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const window = out.slice(start, end).split('\n');
    const thrownAway = window.filter((l) => RENDER_FUNCTIONS.test(l) && /deoptimiz|bailout/.test(l));
    expect(thrownAway).toEqual([]);
    // The whole body was rendered, and the writer's methods are optimised code at the end
    // (V8's status bits: 1 function, 16 optimised, 64 TurboFan).
    const tail = out.slice(end);
    expect(tail).toMatch(/^---end--- 25964934\n/);
    expect(tail).toContain('---status range=81 again=81 num=81\n');
  }, 90_000);
});
