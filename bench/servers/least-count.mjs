// What the least hooks (least-hook.mjs on Node's channels, emit-hook.mjs on a patched emit)
// record, shared so that they differ only in how they see responses: a clock reading kept on
// the response at its start, one at its finish, a count and a bucket by status code. No
// method, route, in-flight gauge, aborts or exemplars. A reference, not a product.
import { performance } from 'node:perf_hooks';

const START = Symbol('start');
const BOUNDS = new Float64Array([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
/** Responses by status code, and their durations' buckets (16 per code), for a check by hand. */
export const counts = new Float64Array(1024);
export const buckets = new Float64Array(1024 * 16);

/** At a response's start: the clock reading, kept on the response. */
export function started(response) {
  response[START] = performance.now();
}

/** At its finish: a count and a bucket by status code (nothing for a response not seen starting). */
export function finished(response) {
  const start = response[START];
  if (start === undefined) return;
  const seconds = (performance.now() - start) / 1000;
  const code = response.statusCode & 1023;
  counts[code]++;
  let i = 0;
  while (i < BOUNDS.length && seconds > BOUNDS[i]) i++;
  buckets[code * 16 + i]++;
}
