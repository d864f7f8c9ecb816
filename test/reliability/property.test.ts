// Property-based tests (fast-check) of the classifier and the exposition writer: any code
// 100-999, any method and any route string give output that `promtool check metrics`
// accepts and that parses back to the same counts. Each run gets its own metric prefix, so
// the outputs of all runs concatenate into one exposition and promtool runs once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/catalog/builtin.js';
import { CATEGORIES } from '../../src/catalog/types.js';
import { categoryOfCode, classify } from '../../src/classify/classify.js';
import { createFaultline } from '../../src/faultline.js';
import { STANDARD_METHODS } from '../../src/record/labels.js';
import { parseExposition, select } from '../helpers/exposition.js';
import { checkMetrics } from './support.js';

const catalog = builtinCatalog();

describe('classifier properties', () => {
  it('any number gets one category of the contract, by its class; codes outside 100-599 are invalid', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -2000, max: 2000 }), fc.double()), fc.string(), fc.string(), (code, method, route) => {
        const c = classify(code, { method, route }, catalog);
        expect(CATEGORIES).toContain(c.category);
        expect(c.category).toBe(categoryOfCode(code));
        expect(typeof c.documented).toBe('boolean');
        expect(c.documented).toBe(catalog.codes.has(code));
        if (!Number.isInteger(code) || code < 100 || code > 599) expect(c.category).toBe('invalid');
        else expect(c.category).toBe(['informational', 'success', 'redirection', 'client_fault', 'service_fault'][Math.floor(code / 100) - 1]);
      }),
      { numRuns: 1000 },
    );
  });
});

/** What the writer should show for one observation's route: bounded, no control characters, well-formed. */
function isCleanLabel(label: string): boolean {
  // eslint-disable-next-line no-control-regex
  return label.length > 0 && label.length <= 256 && !/[\u0000-\u001f\u007f]/.test(label) && label.isWellFormed();
}

const observation = fc.record({
  code: fc.integer({ min: 100, max: 999 }),
  method: fc.oneof(fc.constantFrom(...STANDARD_METHODS, 'get', 'PROPFIND', '_OTHER'), fc.string({ maxLength: 12 })),
  route: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('', '"', '\\', '\n', '}', '{a="b"}', '# EOF', 'unmatched', 'overflow'),
    fc.string({ unit: fc.constantFrom('/', '{', '}', '"', '\\', '\n', '\r', '\t', '=', ',', ' ', 'a', '\ud800', '\udc00'), maxLength: 30 }),
    fc.string({ minLength: 250, maxLength: 600 }),
  ),
  seconds: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
});

describe('exposition writer properties', () => {
  it('any codes, methods and routes: valid text (promtool) and OpenMetrics, parsed back to the same counts', async () => {
    const outputs: string[] = [];
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { minLength: 1, maxLength: 60 }), async (observations) => {
        const prefix = `r${run++}_`;
        const fl = createFaultline({ prefix, logger: () => {}, seriesLimit: 10_000 });
        const expected = new Map<string, number>();
        for (const o of observations) {
          fl.observe({ method: o.method, route: o.route, statusCode: o.code, durationSeconds: o.seconds });
          const upper = o.method.toUpperCase();
          const method = STANDARD_METHODS.includes(upper) ? upper : '_OTHER';
          const key = `${method}|${o.code}`;
          expected.set(key, (expected.get(key) ?? 0) + 1);
        }
        const text = await fl.metrics('text');
        const om = await fl.metrics('openmetrics');
        await fl.close();
        for (const [format, body] of [['text', text], ['openmetrics', om]] as const) {
          const samples = select(parseExposition(body), `${prefix}http_server_responses_total`);
          const got = new Map<string, number>();
          for (const s of samples) {
            const key = `${s.labels['method']!}|${s.labels['code']!}`;
            got.set(key, (got.get(key) ?? 0) + s.value);
            expect(isCleanLabel(s.labels['route']!)).toBe(true);
            expect(s.labels['category']).toBe(categoryOfCode(Number(s.labels['code'])));
            expect(s.labels['documented']).toBe(String(catalog.codes.has(Number(s.labels['code']))));
          }
          expect([format, Object.fromEntries(got)]).toEqual([format, Object.fromEntries(expected)]);
          const counts = select(parseExposition(body), `${prefix}http_server_response_duration_seconds_count`).reduce((a, s) => a + s.value, 0);
          expect(counts).toBe(observations.length);
        }
        expect(om.endsWith('# EOF\n')).toBe(true);
        // No sample value is NaN (a value is a line's last token; a route label may read "NaN").
        expect(text).not.toMatch(/ NaN$/m);
        outputs.push(text);
      }),
      { numRuns: 100 },
    );
    // One promtool call for every run's output (distinct prefixes: one valid exposition).
    const result = checkMetrics(outputs.join(''));
    if (result) expect(result.output).toBe('');
    if (result) expect(result.code).toBe(0);
  });
});
