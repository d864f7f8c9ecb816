import { describe, expect, it } from 'vitest';
import { DEMO_ROUTES, demoRoute } from '../../../src/demo/api.js';
import { DEFAULT_RATES, nextShot } from '../../../src/demo/traffic.js';

/** A deterministic random source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('nextShot', () => {
  it('asks for exactly the codes of the rates it is given', () => {
    const random = seeded(7);
    const only500 = { client: 0, error500: 1, unavailable503: 0, undocumented: 0 };
    for (let i = 0; i < 50; i++) expect(nextShot(only500, random)).toMatchObject({ fault: 500, upstreamFault: 500 });
    const none = { client: 0, error500: 0, unavailable503: 0, undocumented: 0 };
    for (let i = 0; i < 50; i++) {
      const shot = nextShot(none, random);
      expect([shot.fault, shot.upstreamFault]).toEqual([undefined, undefined]);
      expect(demoRoute(shot.method, shot.path)).toBeDefined();
    }
    const undocumented = new Set<number | undefined>();
    for (let i = 0; i < 200; i++) undocumented.add(nextShot({ ...none, undocumented: 1 }, random).fault);
    expect([...undocumented].sort()).toEqual([418, 429, 502]);
  });

  it('follows the default mix over many draws', () => {
    const random = seeded(42);
    const n = 20_000;
    let e500 = 0, e503 = 0, undocumented = 0, otherFaults = 0;
    for (let i = 0; i < n; i++) {
      const shot = nextShot(DEFAULT_RATES, random);
      if (shot.fault === 500) e500++;
      else if (shot.fault === 503) e503++;
      else if (shot.fault === 418 || shot.fault === 429 || shot.fault === 502) undocumented++;
      else if (shot.fault !== undefined || demoRoute(shot.method, shot.path) === undefined) otherFaults++;
    }
    // each kind within 10 % of its share (the source is seeded, so the run is repeatable)
    expect(Math.abs(e500 / n - DEFAULT_RATES.error500)).toBeLessThan(DEFAULT_RATES.error500 * 0.1);
    expect(Math.abs(e503 / n - DEFAULT_RATES.unavailable503)).toBeLessThan(DEFAULT_RATES.unavailable503 * 0.1);
    expect(Math.abs(undocumented / n - DEFAULT_RATES.undocumented)).toBeLessThan(DEFAULT_RATES.undocumented * 0.1);
    expect(Math.abs(otherFaults / n - DEFAULT_RATES.client)).toBeLessThan(DEFAULT_RATES.client * 0.1);
  });

  it('every route of the demo API is reachable', () => {
    const random = seeded(1);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const shot = nextShot({ client: 0, error500: 0, unavailable503: 0, undocumented: 0 }, random);
      seen.add(`${shot.method} ${demoRoute(shot.method, shot.path)!.template}`);
    }
    expect(seen.size).toBe(DEMO_ROUTES.length);
  });
});
