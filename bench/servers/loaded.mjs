// faultline loaded into the process the way an application loads it (`import 'faultline'`)
// and nothing started: no instance, no channel subscribed. Imported before
// bench/servers/node.mjs, it separates what loading faultline's code does to Node's own http
// code in this small process from what faultline does per response.
await import('faultline');
