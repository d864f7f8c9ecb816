// The least a hook on Node's two HTTP server channels can do for a counter and a histogram by
// status code (least-count.mjs: a clock reading at each end, a count and a bucket). A reference
// for what faultline/register's own work costs beyond the channels (bench/cache.mjs); not a
// product.
import diagnosticsChannel from 'node:diagnostics_channel';
import { finished, started } from './least-count.mjs';

diagnosticsChannel.subscribe('http.server.request.start', (message) => started(message.response));
diagnosticsChannel.subscribe('http.server.response.finish', (message) => finished(message.response));
