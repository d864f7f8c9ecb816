// Node's http code is optimised for the objects of the connections it has served. The metrics
// endpoint runs its own node:http server, first asked by the first scrape, long after the
// application's requests made V8 optimise that code: a server or connection that reaches it
// with another hidden class makes V8 throw the code away ("wrong map") and build it again. This
// checks, with V8's own --trace-deopt, which functions the first scrape deoptimises.
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
});
