// Node's http code is optimised for the objects of the connections it has served. The first
// scrape comes long after the application's requests made V8 optimise that code: a server or
// connection that reaches it with another hidden class makes V8 throw the code away ("wrong
// map") and build it again, and so does anything that invalidates one of V8's protectors. This
// checks, with V8's own --trace-deopt and --trace-protector-invalidation, what the first scrape
// throws away (the endpoint serves from its own thread; the application's thread renders).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraced } from '../helpers/trace.js';

const fixture = join(import.meta.dirname, '../fixtures/reliability/first-scrape.mjs');

/** `function (reason)` of each deoptimisation V8 printed between the fixture's markers. */
async function deoptsOfFirstScrape(): Promise<{ deopts: string[]; stdout: string }> {
  const stdout = await runTraced(['--trace-deopt', fixture]);
  const window = stdout.slice(stdout.indexOf('---window---'), stdout.indexOf('---end---'));
  const deopts = [...window.matchAll(/reason: ([^)]*)\): begin\. deoptimizing [^<]*<JSFunction (\S*) /g)].map((m) => `${m[2]} (${m[1]})`);
  return { deopts, stdout };
}

describe('the first scrape', () => {
  it("deoptimises neither Node's parser code for the server it reads nor faultline's own (V8 --trace-deopt)", async () => {
    const { deopts, stdout } = await deoptsOfFirstScrape();
    expect(stdout).toContain('---counted 6000---');
    // The trace works: the fixture's own client and Node's stream code show up.
    expect(deopts.length).toBeGreaterThan(5);
    // parserOnHeadersComplete reads socket.server[kIncomingMessage]: the endpoint's server got
    // faultline's watchers entry at its first request, after Node's parser had been optimised
    // for the application's server, which had it (now given when a connection is accepted).
    expect(deopts.filter((d) => d.startsWith('parserOnHeadersComplete '))).toEqual([]);
    // onRequestStart, onResponseFinish, endResponse, track, ...: faultline's code (the empty
    // owners array of an unwatched server had another hidden class than a filled one).
    const ours = /^(onRequestStart|onResponseFinish|endResponse|onSocketClose|onServerSocket|track|watchersOf|inFlightOf) /;
    expect(deopts.filter((d) => ours.test(d))).toEqual([]);
  }, 90_000);

  it("invalidates none of V8's protectors (V8 --trace-protector-invalidation)", async () => {
    const stdout = await runTraced(['--trace-protector-invalidation', fixture]);
    expect(stdout).toContain('---counted 6000---');
    const window = stdout.slice(stdout.indexOf('---window---'), stdout.indexOf('---end---'));
    // Handing the body to the endpoint's thread by transfer detached an ArrayBuffer: V8's
    // ArrayBufferDetaching protector went, and every typed-array and Buffer access of the
    // application's optimised code checked for detachment from then on (~1,200 instructions
    // per response under callgrind).
    expect(window.split('\n').filter((l) => l.startsWith('Invalidating protector cell'))).toEqual([]);
  }, 90_000);
});
