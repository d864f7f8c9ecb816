import diagnosticsChannel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { Server as NodeServer, ServerResponse as NodeServerResponse } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Process-wide state shared by every copy of faultline in the process (the ESM and CommonJS
 * builds are two module copies; bundlers make more): one diagnostics_channel subscription,
 * the list of live instances, and the per-response tracking protocol. Kept on globalThis under
 * a registered symbol, with a version so that incompatible copies fail loudly instead of
 * splitting counts. Version 4: a connection's unfinished responses are an InFlight record (was an
 * array), which copies read and write alike. Version 5: `TrackingOwner.end()` is given the clock
 * reading of the response's end. Version 6: a server's watchers entry holds `undefined` when
 * nobody watches it, and the subscribing copy also listens on net.server.socket. Version 7: no
 * `internalServers` (faultline's own endpoint serves from a thread of its own).
 */
export const RUNTIME_VERSION = 7;
const RUNTIME_KEY = Symbol.for('faultline.runtime');
/**
 * The property of a ServerResponse holding its chain of Tracked records. The runtime gives every
 * response this slot as Node makes it: Express swaps the prototype of each response, and V8 then
 * takes ~1.5 µs per property added afterwards (measured: 14 ns before the swap, 1,640 ns after).
 */
export const TRACKED_KEY = Symbol.for('faultline.tracked');
/**
 * Fields of requests and responses read on every response, used as computed keys: after Express
 * swaps the prototype of `req` and `res` (on every request) a named read of them misses its
 * inline cache and goes to V8's runtime (~2,000 instructions; `node --log-ic` shows one miss per
 * request at each such site), where a keyed read of an own field is found by the generic lookup
 * in V8's keyed-load stub. On node:http's own objects they cost the same as named reads
 * (callgrind: faultline/register's count per response unchanged by them).
 */
export const METHOD = 'method' as const;
export const STATUS_CODE = 'statusCode' as const;
export const SOCKET = 'socket' as const;
export const APP = 'app' as const;
/** The property of a node:http socket holding its responses not yet finished (an InFlight). */
const IN_FLIGHT_KEY = Symbol.for('faultline.inFlight');
const REQUEST_START = 'http.server.request.start';
const RESPONSE_FINISH = 'http.server.response.finish';
const SERVER_SOCKET = 'net.server.socket';

/** One instance's view of one response. Created by the instance, ended once by the runtime. */
export interface Tracked {
  readonly owner: TrackingOwner;
  /** performance.now() when the request started. */
  readonly start: number;
  /** Route template, when an adapter or a route matcher told us. */
  route: string | undefined;
  /**
   * Read once at the end when `route` is unset: how an adapter names the route from state it
   * already keeps (`lateRoute(lateRouteContext)`), without a closure or listener per request.
   */
  lateRoute: ((context: object) => string | undefined) | undefined;
  lateRouteContext: object | undefined;
  /**
   * An adapter's per-request state, kept here rather than on the request (the Express adapter's
   * route prefix, shared by the records of every instance on the response): every field added
   * to a request makes each of the ~11 hidden classes Express builds per request one field
   * bigger to copy.
   */
  adapterState: object | undefined;
  /** The metrics endpoint's own requests are not counted. */
  skip: boolean;
  ended: boolean;
  next: Tracked | undefined;
}

/** What the runtime needs from an instance. */
export interface TrackingOwner {
  /** Whether this instance counts requests of `server`. */
  watches(server: unknown): boolean;
  /** Makes the Tracked record for a new request (the runtime links it in). */
  begin(req: IncomingMessage, res: ServerResponse): Tracked;
  /**
   * Called once when the response ended: `now` is performance.now() at its end (one reading for
   * every instance), `sent` is true when Node said it finished sending it, undefined when the
   * owner must tell (closed: sent or aborted). Must not throw.
   */
  end(tracked: Tracked, res: ServerResponse, now: number, sent?: true): void;
  /** Counts and logs (once per kind) a fault inside the runtime's channel listeners; never throws. */
  fault(kind: string, err: unknown): void;
}

interface Runtime {
  readonly version: number;
  readonly owners: Set<TrackingOwner>;
  /** `owners` as an array, for the per-request loop (no iterator per request). */
  ownerList: TrackingOwner[];
  /** The channel listeners in use (from the copy that subscribed), if subscribed. */
  listener:
    | { readonly start: (message: unknown) => void; readonly finish: (message: unknown) => void; readonly socket: (message: unknown) => void }
    | undefined;
  /** Bumped whenever who watches which server may have changed (owners, instrument()). */
  epoch: number;
  /** `socket` is the response's connection when Node's http.server.request.start channel told it. */
  readonly track: (owner: TrackingOwner, req: IncomingMessage, res: ServerResponse, socket?: unknown) => Tracked;
}

type WithTracked = ServerResponse & { [TRACKED_KEY]?: Tracked };

/**
 * A connection's responses not finished yet, in the order Node answers them: the first one in a
 * field (a keep-alive connection has one at a time; array push and shift per response cost
 * more), the pipelined ones after it in `more`.
 */
interface InFlight {
  first: WithTracked | undefined;
  more: WithTracked[] | undefined;
}
type WithInFlight = Socket & { [IN_FLIGHT_KEY]?: InFlight };

/**
 * Ends every record of a response not ended yet. The clock is read by the callers, not here:
 * inlined below everything end() does, the brand check inside performance.now() fell outside
 * V8's inlining budget and was called out of line (~200 instructions per response).
 */
function endResponse(res: WithTracked, now: number, sent?: true): void {
  for (let t = res[TRACKED_KEY]; t !== undefined; t = t.next) {
    if (t.ended) continue;
    t.ended = true;
    t.owner.end(t, res, now, sent);
  }
}

function onResponseClose(this: WithTracked): void {
  endResponse(this, performance.now());
}

// How a response's end is seen. A 'close' listener per response costs ~1,000 instructions per
// response on Node 20 (measured with callgrind, bench/instructions.mjs). For responses made by
// node:http's own parser, Node publishes http.server.response.finish when one was sent; the
// ones never sent are those still unfinished when their connection closes, so one 'close'
// listener per connection (shared by every keep-alive request on it) sees them.

/** The connection closed: its responses not finished were never completely sent. */
function onSocketClose(this: WithInFlight): void {
  const inFlight = this[IN_FLIGHT_KEY];
  if (inFlight === undefined || inFlight.first === undefined) return;
  const ended = [inFlight.first, ...(inFlight.more ?? [])];
  inFlight.first = undefined;
  inFlight.more = undefined;
  const now = performance.now();
  for (let i = 0; i < ended.length; i++) endResponse(ended[i]!, now);
}

function onResponseFinish(message: unknown): void {
  const { response, socket } = message as ChannelMessage;
  const res = response as WithTracked;
  // Responses of servers nobody watches are not timed.
  if (res[TRACKED_KEY] === undefined) return;
  const now = performance.now();
  const inFlight = (socket as WithInFlight)[IN_FLIGHT_KEY];
  if (inFlight !== undefined) {
    // Responses on a connection finish in order: almost always the first.
    const more = inFlight.more;
    if (inFlight.first === res) inFlight.first = more !== undefined && more.length > 0 ? more.shift() : undefined;
    else if (more !== undefined) {
      const i = more.indexOf(res);
      if (i >= 0) more.splice(i, 1);
    }
  }
  endResponse(res, now, true);
}

/** Whether node:http will publish http.server.response.finish for this response: made by its parser on a live connection. */
function parserSocket(req: IncomingMessage, res: ServerResponse): Socket | undefined {
  const socket = req[SOCKET];
  return res instanceof NodeServerResponse && socket instanceof Socket && !socket.destroyed ? socket : undefined;
}

function watchEnd(res: WithTracked, socket: WithInFlight | undefined): void {
  if (socket === undefined) {
    res.on('close', onResponseClose);
    return;
  }
  const inFlight = inFlightOf(socket);
  if (inFlight.first === undefined) inFlight.first = res;
  else (inFlight.more ??= []).push(res);
}

/** A connection's unfinished responses, made (with its one 'close' listener) the first time. */
function inFlightOf(socket: WithInFlight): InFlight {
  let inFlight = socket[IN_FLIGHT_KEY];
  if (inFlight === undefined) {
    inFlight = { first: undefined, more: undefined };
    socket[IN_FLIGHT_KEY] = inFlight;
    socket.on('close', onSocketClose);
  }
  return inFlight;
}

function track(owner: TrackingOwner, req: IncomingMessage, res: ServerResponse, socket?: unknown): Tracked {
  const r = res as WithTracked;
  const head = r[TRACKED_KEY];
  for (let t = head; t !== undefined; t = t.next) if (t.owner === owner) return t;
  // Checked before begin() counts the request in flight: a non-response could never end it.
  // Not for what Node's channel published (`socket` given): Node made that response. instanceof
  // first: it walks the prototype chain without an inline cache, where reading `res.on` on a
  // response whose hidden class V8 did not keep (Express's prototype swap) is a cache miss and
  // a lookup through five prototypes on every request.
  if (socket === undefined && !(res instanceof EventEmitter) && typeof (res as { on?: unknown }).on !== 'function') throw new TypeError('not an HTTP response: nothing to track');
  const tracked = owner.begin(req, res);
  tracked.next = head;
  r[TRACKED_KEY] = tracked;
  if (head === undefined) watchEnd(r, socket !== undefined ? (socket as Socket) : parserSocket(req, res));
  return tracked;
}

/** What node:http publishes on http.server.request.start and http.server.response.finish. */
interface ChannelMessage {
  request: IncomingMessage;
  response: ServerResponse;
  socket: Socket;
  server: Server;
}

/**
 * The property of a server holding its watchers as of an epoch: one monomorphic read per request
 * (a WeakMap lookup was ~75 instructions per response under callgrind). `owners` is undefined
 * when nobody watches the server: an empty array has another hidden class than a filled one
 * (its elements kind), and the first request of an unwatched server (the metrics endpoint's,
 * when it served on the application's thread) made V8 throw away onRequestStart ("wrong map" on `owners.length`).
 */
const WATCHERS_KEY = Symbol.for('faultline.watchers');
type WithWatchers = Server & { [WATCHERS_KEY]?: { epoch: number; owners: TrackingOwner[] | undefined } };

function watchersOf(runtime: Runtime, server: Server): TrackingOwner[] | undefined {
  const s = server as WithWatchers;
  let entry = s[WATCHERS_KEY];
  if (entry === undefined || entry.epoch !== runtime.epoch) {
    const owners = runtime.ownerList.filter((o) => o.watches(server));
    entry = { epoch: runtime.epoch, owners: owners.length > 0 ? owners : undefined };
    s[WATCHERS_KEY] = entry;
  }
  return entry.owners;
}

/**
 * A node:http server accepted a connection (Node publishes it after http's own 'connection'
 * listener ran, before the first byte is read): the server gets its watchers entry and the
 * socket its in-flight record and 'close' listener now, not at the first request. Node's http
 * code is optimised for the hidden classes of the servers and connections it has served, which
 * carried them by then; a server first asked after that (the metrics endpoint's at its first
 * scrape, when it served on the application's thread; any other server of the application) reached Node's parser without its entry, and V8 threw away the code of
 * parserOnHeadersComplete, parserOnIncoming, the stream functions, ... ("wrong map" on
 * `socket.server`) and built it again for both classes.
 */
function onServerSocket(message: unknown): void {
  try {
    const socket = (message as { socket: unknown }).socket;
    if (!(socket instanceof Socket)) return;
    const server = (socket as Socket & { server?: unknown }).server;
    if (!(server instanceof NodeServer)) return;
    watchersOf(current ?? getRuntime(), server as Server);
    inFlightOf(socket);
  } catch (err) {
    runtimeFault(err);
  }
}

/**
 * A channel listener failed. Node's diagnostics_channel rethrows a subscriber's error as an
 * uncaught exception on the next tick, which would end the application: every instance counts
 * it instead (`faultline_internal_errors_total{kind="runtime"}`) and logs it once.
 */
function runtimeFault(err: unknown): void {
  const owners = (current ?? getRuntime()).ownerList;
  for (let i = 0; i < owners.length; i++) {
    try {
      owners[i]!.fault('runtime', err);
    } catch {
      // fault() never throws; a copy of faultline that did must not end the application either.
    }
  }
}

/** This copy's handle on the process-wide runtime (one global lookup, not one per request). */
let current: Runtime | undefined;

function onRequestStart(message: unknown): void {
  const runtime = current ?? getRuntime();
  const { request, response, socket, server } = message as ChannelMessage;
  // Every response of every server gets faultline's slot, and every connection of a node:http
  // server its in-flight record when accepted (onServerSocket), the same way whether an instance
  // watches the server or not: Node's http code is optimised for the shapes it sees, and objects
  // of one more shape (say, the first request of another server of the application, nobody watches)
  // make V8 throw that code away ("wrong map") and p99 rise. A TLS connection gets its record
  // from track() at its first watched request. Requests get none: adapters keep their
  // per-request state in the record (Tracked.adapterState).
  //
  // The slot is written twice with different values, so that V8 marks the field mutable here,
  // once for all, on the hidden class every response shares. Express then swaps the prototype
  // of req and res, and the classes made by that swap are not kept: a field still "const" when
  // an adapter stores into it after the swap was generalised again on every request
  // (--trace-generalization: thousands of instructions each). On watched servers too: a second
  // instance's adapter (next to faultline/register) stores its record there after the swap.
  try {
    const owners = watchersOf(runtime, server);
    const res = response as ServerResponse & { [TRACKED_KEY]?: Tracked | null };
    res[TRACKED_KEY] = null;
    res[TRACKED_KEY] = undefined;
    // Nobody watches the server: its connections got their in-flight record when accepted
    // (onServerSocket). No call here: a call on a branch the application's requests never take
    // would be compiled as a deoptimisation point ("insufficient type feedback").
    if (owners === undefined) return;
    for (let i = 0; i < owners.length; i++) runtime.track(owners[i]!, request, response, socket);
  } catch (err) {
    // The response is served all the same; it is not counted.
    runtimeFault(err);
  }
}

/** Tells the runtime that an owner's answer to `watches()` may have changed (e.g. `instrument()`). */
export function watchersChanged(): void {
  getRuntime().epoch++;
}

/** The process-wide runtime; created by the first copy of faultline that asks. */
export function getRuntime(): Runtime {
  const g = globalThis as { [RUNTIME_KEY]?: Runtime };
  let runtime = g[RUNTIME_KEY];
  if (runtime === undefined) {
    runtime = { version: RUNTIME_VERSION, owners: new Set(), ownerList: [], listener: undefined, epoch: 0, track };
    g[RUNTIME_KEY] = runtime;
  } else if (runtime.version !== RUNTIME_VERSION) {
    throw new Error(
      `two incompatible copies of faultline are loaded in this process (runtime versions ${runtime.version} and ${RUNTIME_VERSION}); install one version`,
    );
  }
  current = runtime;
  return runtime;
}

/** Adds an instance to the runtime and subscribes to Node's HTTP server channel once. */
export function addOwner(owner: TrackingOwner): void {
  const runtime = getRuntime();
  runtime.owners.add(owner);
  runtime.ownerList = [...runtime.owners];
  runtime.epoch++;
  if (runtime.listener === undefined) {
    runtime.listener = { start: onRequestStart, finish: onResponseFinish, socket: onServerSocket };
    diagnosticsChannel.subscribe(RESPONSE_FINISH, onResponseFinish);
    diagnosticsChannel.subscribe(REQUEST_START, onRequestStart);
    diagnosticsChannel.subscribe(SERVER_SOCKET, onServerSocket);
  }
}

/** Removes an instance; the last one out unsubscribes. */
export function removeOwner(owner: TrackingOwner): void {
  const runtime = getRuntime();
  runtime.owners.delete(owner);
  runtime.ownerList = [...runtime.owners];
  runtime.epoch++;
  if (runtime.owners.size === 0 && runtime.listener !== undefined) {
    diagnosticsChannel.unsubscribe(REQUEST_START, runtime.listener.start);
    diagnosticsChannel.unsubscribe(RESPONSE_FINISH, runtime.listener.finish);
    diagnosticsChannel.unsubscribe(SERVER_SOCKET, runtime.listener.socket);
    runtime.listener = undefined;
  }
}

/** Tracks a request for an instance (idempotent: adapters and the hook share the record). */
export function trackResponse(owner: TrackingOwner, req: IncomingMessage, res: ServerResponse): Tracked {
  // Called by the adapters on every request: this copy's handle, not the global lookup.
  return (current ?? getRuntime()).track(owner, req, res);
}

/**
 * The Tracked record an instance has for a response, if any. Small enough for V8 to inline into
 * a per-request hook (the path through `track()` is not inlined: ~60 instructions more).
 */
export function findTracked(owner: object, res: ServerResponse): Tracked | undefined {
  for (let t = (res as WithTracked)[TRACKED_KEY]; t !== undefined; t = t.next) if (t.owner === owner) return t;
  return undefined;
}
