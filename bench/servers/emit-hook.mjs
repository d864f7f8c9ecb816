// The least-hook's counter and histogram by status code, seeing responses by patching
// `emit` on http.Server.prototype ('request') and http.ServerResponse.prototype ('finish')
// instead of Node's two diagnostics channels: what seeing a response costs without a channel
// message. faultline does not do this (its contract: diagnostics_channel, no monkey-patching);
// a reference for docs/performance.md, not a product.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const START = Symbol('start');
const BOUNDS = new Float64Array([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
const counts = new Float64Array(1024);
const buckets = new Float64Array(1024 * 16);

const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function emit(event, request, response) {
  if (event === 'request') response[START] = performance.now();
  return Reflect.apply(serverEmit, this, arguments);
};
const responseEmit = http.ServerResponse.prototype.emit;
http.ServerResponse.prototype.emit = function emit(event) {
  if (event === 'finish') {
    const start = this[START];
    if (start !== undefined) {
      const seconds = (performance.now() - start) / 1000;
      const code = this.statusCode & 1023;
      counts[code]++;
      let i = 0;
      while (i < BOUNDS.length && seconds > BOUNDS[i]) i++;
      buckets[code * 16 + i]++;
    }
  }
  return Reflect.apply(responseEmit, this, arguments);
};
