import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { guarded } from '../../../src/hooks/guard.js';

describe('guarded channel listeners', () => {
  it('never let a listener\'s exception reach the application (Node rethrows it on the next tick)', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => { uncaught.push(err); };
    process.on('uncaughtException', onUncaught);
    let calls = 0;
    const thrower = (): void => { calls++; throw new Error('boom'); };
    diagnosticsChannel.subscribe('faultline.test.guard', guarded(thrower));
    diagnosticsChannel.channel('faultline.test.guard').publish({});
    await new Promise((r) => setImmediate(r));
    diagnosticsChannel.unsubscribe('faultline.test.guard', guarded(thrower));
    process.off('uncaughtException', onUncaught);
    expect(calls).toBe(1);
    expect(uncaught).toEqual([]);
    // the same wrapper every time, so unsubscribing works
    expect(guarded(thrower)).toBe(guarded(thrower));
    expect(diagnosticsChannel.channel('faultline.test.guard').hasSubscribers).toBe(false);
  });
});
