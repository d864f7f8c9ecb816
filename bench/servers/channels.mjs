// Node's two HTTP server channels subscribed with empty functions, and nothing else: what Node's
// own http code costs once http.server.request.start and http.server.response.finish have
// subscribers (each publishes a message object, and V8 optimises the code around a publish
// differently), whoever the subscriber is. faultline/register subscribes to the same two
// channels, so this is the floor under it and under any hook built on them.
import diagnosticsChannel from 'node:diagnostics_channel';

diagnosticsChannel.subscribe('http.server.request.start', () => {});
diagnosticsChannel.subscribe('http.server.response.finish', () => {});
