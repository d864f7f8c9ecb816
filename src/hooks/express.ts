import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdapterHost } from './adapter.js';
import { APP, TRACKED_KEY } from './runtime.js';
import type { Tracked } from './runtime.js';
import { express4PathFromRegexp, joinTemplate, mountTemplate, pathToTemplate } from './route-template.js';

/**
 * Express 4 and 5 adapter. Express keeps the template of a route relative to its innermost
 * router (`req.route.path`) and only the matched *values* of the mount paths (`req.baseUrl`),
 * so the adapter watches each request pass through the router layers: it wraps, once, the
 * `handle` of every layer that changes the path prefix (mounted routers, sub-apps, middleware
 * under a path) and of every route, records the mount template as the request enters a layer
 * and restores it when the request leaves (`next()`), and sets the full template when a route
 * is entered. The mount template comes from the layer as declared: `layer.rawPath`
 * (router 2.3+, Express 5) or the path-to-regexp 0.1 expression (Express 4); never from the URL.
 */

/**
 * The middleware `fl.express()` returns: `(req, res, next)`, as Express expects.
 * @example
 * ```ts
 * const middleware: ExpressMiddleware = fl.express();
 * app.use(middleware);
 * ```
 */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

type Next = (err?: unknown) => void;
type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => unknown;

interface Layer {
  handle: Handler;
  route?: { path?: unknown } | undefined;
  /** router 2.3+ (Express 5): the path as declared. */
  rawPath?: unknown;
  /** router 2.x: mounted at `/`. */
  slash?: boolean;
  /** Express 4: the compiled path. */
  regexp?: RegExp & { fast_slash?: boolean; fast_star?: boolean };
  keys?: readonly { name: string | number }[];
  [LAYER_KEY]?: boolean;
}

interface RouterLike { stack: Layer[] }

/** Shared by every copy of faultline in the process (ESM + CommonJS): one wrap per layer. */
const LAYER_KEY = Symbol.for('faultline.express.v1.layer');
/** A mount whose path the router did not keep (router 2.0-2.2): never request data. */
const UNKNOWN_MOUNT = '/*';
const CACHE_LIMIT = 64;
/** Passed to a mount's own `next` wrapper to leave the mount without calling Express's `next`. */
const LEAVE_ONLY = Symbol('faultline.express.leave');

/** What the wrapped layers know about one request. */
class RequestState {
  prefix = '';
  route: string | undefined = undefined;
  others: Tracked[] | undefined = undefined;
  constructor(readonly tracked: Tracked) {}

  add(tracked: Tracked): void {
    if (tracked === this.tracked || this.others?.includes(tracked)) return;
    (this.others ??= []).push(tracked);
    tracked.route = this.route;
  }

  setRoute(route: string | undefined): void {
    this.route = route;
    this.tracked.route = route;
    if (this.others !== undefined) for (const t of this.others) t.route = route;
  }
}

type WithApp = IncomingMessage & { app?: unknown };
type WithTracked = ServerResponse & { [TRACKED_KEY]?: Tracked };

/**
 * The RequestState of a response: kept in its tracking records (the one the middleware of each
 * instance made), not on the request, whose every extra field Express would copy into each
 * hidden class it builds per request.
 */
function stateOf(res: ServerResponse): RequestState | undefined {
  for (let t = (res as WithTracked)[TRACKED_KEY]; t !== undefined; t = t.next) {
    const state = t.adapterState;
    if (state !== undefined) return state as RequestState;
  }
  return undefined;
}

/** Stack arrays already walked, with the length they had. */
const walked = new WeakMap<object, number>();

function isRouter(fn: unknown): fn is RouterLike {
  return (typeof fn === 'function' || (typeof fn === 'object' && fn !== null)) && Array.isArray((fn as Partial<RouterLike>).stack);
}

function layerMountTemplate(layer: Layer): string {
  if (layer.slash === true) return '';
  if ('rawPath' in layer) return mountTemplate(layer.rawPath);
  const re = layer.regexp;
  if (re instanceof RegExp) {
    if (re.fast_slash === true) return '';
    if (re.fast_star === true) return '*';
    const path = express4PathFromRegexp(re, layer.keys ?? []);
    return path === undefined ? String(re) : mountTemplate(path);
  }
  return UNKNOWN_MOUNT;
}

/** `cache[key]`, else `value` remembered (up to CACHE_LIMIT keys). No closure per request. */
function remember(cache: Map<string, string>, key: string, value: string): string {
  if (cache.size < CACHE_LIMIT) cache.set(key, value);
  return value;
}

/**
 * `req.app`, read where Express keeps it: on the prototype it gives `req` (`app.request`), an
 * object whose hidden class stays put. Read through `req` after the swap, the lookup goes up a
 * prototype chain V8's keyed-load stub does not walk: a runtime miss on every request.
 */
function appOf(req: WithApp): unknown {
  const proto = Object.getPrototypeOf(req) as WithApp | null;
  const app = proto === null ? undefined : proto[APP];
  return app === undefined ? req[APP] : app;
}

function isPassOn(err: unknown): boolean {
  return err === undefined || err === null || err === 'route' || err === 'router';
}

function wrapRoute(layer: Layer, original: Handler): Handler {
  const path = pathToTemplate(layer.route?.path) ?? UNKNOWN_MOUNT;
  const templates = new Map<string, string>();
  return function faultlineRoute(req, res, next) {
    const state = stateOf(res);
    if (state === undefined) return original(req, res, next);
    const prefix = state.prefix;
    const previous = state.route;
    state.setRoute(templates.get(prefix) ?? remember(templates, prefix, joinTemplate(prefix, path)));
    return original(req, res, function faultlineRouteNext(err) {
      // Passed on without answering: not this route's response (a later route or the 404).
      if (isPassOn(err) && !res.headersSent) state.setRoute(previous);
      next(err);
    });
  };
}

function wrapMount(template: string, original: Handler, router: RouterLike | undefined, awaitsPromises: boolean): Handler {
  const prefixes = new Map<string, string>();
  const wrapped = function faultlineMount(req: IncomingMessage, res: ServerResponse, next: Next): unknown {
    const state = stateOf(res);
    if (state === undefined) return original(req, res, next);
    if (router !== undefined) walk(router.stack);
    const saved = state.prefix;
    if (template !== '') {
      state.prefix = prefixes.get(saved) ?? remember(prefixes, saved, saved === '' || template.startsWith('/') ? saved + template : `${saved}/${template}`);
    }
    // One closure per request and mount: Express's `next` for this layer, which also leaves the
    // mount (restores the prefix) the first time it runs, or when called with LEAVE_ONLY.
    let left = false;
    const mountNext = function faultlineMountNext(err?: unknown): void {
      if (!left) {
        left = true;
        state.prefix = saved;
      }
      if (err !== LEAVE_ONLY) next(err);
    };
    let result: unknown;
    try {
      result = original(req, res, mountNext);
    } catch (err) {
      // Express catches it and calls its own next(err): leave the mount on the way out.
      mountNext(LEAVE_ONLY);
      throw err;
    }
    // Express 5 turns a rejection into next(err) on its own next: leave the mount first. (Not
    // under Express 4, which ignores promises: handling the rejection there would hide it.)
    if (awaitsPromises && result instanceof Promise) void result.then(undefined, () => mountNext(LEAVE_ONLY));
    return result;
  };
  // Tools (and our own walk) find a router's layers through `handle.stack`.
  if (router !== undefined) Object.defineProperty(wrapped, 'stack', { get: () => router.stack, enumerable: true });
  return wrapped;
}

function wrapLayer(layer: Layer): void {
  if (layer[LAYER_KEY] !== undefined) return;
  layer[LAYER_KEY] = true;
  const original = layer.handle;
  // Error handlers (4 arguments) are told apart by their arity: leave them alone.
  if (typeof original !== 'function' || original.length > 3) return;
  if (layer.route !== undefined) {
    layer.handle = wrapRoute(layer, original);
    return;
  }
  const template = layerMountTemplate(layer);
  const router = isRouter(original) ? original : undefined;
  if (template === '' && router === undefined) return; // plain middleware at the root: nothing to learn
  // router 2.x (Express 5) layers have matchers and handle returned promises; Express 4's do not.
  layer.handle = wrapMount(template, original, router, 'matchers' in layer);
}

/** Wraps the layers of a router stack not seen yet (new layers are noticed by the length). */
function walk(stack: Layer[]): void {
  if (walked.get(stack) === stack.length) return;
  walked.set(stack, stack.length);
  for (const layer of stack) wrapLayer(layer);
}

function rootRouter(app: unknown): RouterLike | undefined {
  if (typeof app !== 'function') return undefined;
  // Express 4 keeps the router in `_router` (its `app.router` getter throws); Express 5 in `router`.
  const a = app as { _router?: unknown; router?: unknown };
  const router = a._router ?? a.router;
  return isRouter(router) ? router : undefined;
}

/**
 * The mount paths of a sub-application and its parents (`app.mountpath`, kept as declared by
 * Express 4 and 5), for a middleware that runs first inside a sub-application.
 */
function subAppPrefix(app: unknown): string {
  let prefix = '';
  for (let a = app as { parent?: unknown; mountpath?: unknown } | undefined, depth = 0; a?.parent !== undefined && depth < 16; depth++) {
    const mount = mountTemplate(a.mountpath);
    if (mount !== '') prefix = prefix === '' || prefix.startsWith('/') ? mount + prefix : `${mount}/${prefix}`;
    a = a.parent as { parent?: unknown; mountpath?: unknown };
  }
  return prefix;
}

/**
 * The Express middleware of a faultline instance: counts every response once (with
 * `fl.instrument(server)` too) and labels it with the full route template.
 * @example
 * ```ts
 * const app = express();
 * app.use(expressMiddleware(fl)); // what fl.express() returns; first, before the routes
 * ```
 */
export function expressMiddleware(host: AdapterHost): ExpressMiddleware {
  return function faultlineExpress(req, res, next) {
    try {
      const tracked = host.track(req, res);
      // Read each property of req once, and by key: after Express's prototype swap a named read
      // misses its inline cache on every request (see APP in runtime.ts).
      const app = appOf(req);
      const state = stateOf(res);
      if (state === undefined) {
        const created = new RequestState(tracked);
        created.prefix = subAppPrefix(app);
        tracked.adapterState = created;
      } else {
        state.add(tracked);
        tracked.adapterState = state;
      }
      const router = rootRouter(app);
      if (router !== undefined) walk(router.stack);
    } catch (err) {
      host.fault('express', err);
    }
    next();
  };
}
