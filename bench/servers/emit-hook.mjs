// The least-hook's counter and histogram by status code (least-count.mjs), seeing responses by
// patching `emit` on http.Server.prototype ('request') and http.ServerResponse.prototype
// ('finish') instead of Node's two diagnostics channels: what seeing a response costs without a
// channel message. faultline does not do this (its contract: diagnostics_channel, no
// monkey-patching); a reference for docs/performance.md, not a product.
import http from 'node:http';
import { finished, started } from './least-count.mjs';

const serverEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function emit(event, request, response) {
  if (event === 'request') started(response);
  return Reflect.apply(serverEmit, this, arguments);
};
const responseEmit = http.ServerResponse.prototype.emit;
http.ServerResponse.prototype.emit = function emit(event) {
  if (event === 'finish') finished(this);
  return Reflect.apply(responseEmit, this, arguments);
};
