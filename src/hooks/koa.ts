import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdapterHost } from './adapter.js';
import { pathToTemplate } from './route-template.js';

/**
 * Koa 2/3 adapter (with @koa/router): a middleware placed first, so that it sees the request
 * before anything else and the outcome after everything else. The route is @koa/router's
 * matched template (`ctx._matchedRoute`, with router prefixes); when the path matched a route
 * but the method did not — the answers of `allowedMethods()` (405, 501, OPTIONS) — the
 * template of the path-matched route. The status is whatever Koa finally sends (its default
 * error handler answers thrown errors with `err.status` or 500), read when the response closes.
 */

/** A @koa/router layer, as far as the adapter reads it. */
interface RouterLayer {
  readonly path?: unknown;
  readonly methods?: readonly string[];
}

/**
 * The parts of a Koa context the adapter reads (structural: Koa ships no types).
 * @example
 * ```ts
 * router.get('/items/:id', (ctx) => { (ctx as KoaContextLike)._matchedRoute; }); // '/items/:id'
 * ```
 */
export interface KoaContextLike {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Set by @koa/router: the template of the route that handled the request. */
  readonly _matchedRoute?: unknown;
  /** Set by @koa/router: the layers whose path matched, whatever their methods. */
  readonly matched?: readonly RouterLayer[] | undefined;
}

/**
 * The middleware `fl.koa()` returns.
 * @example
 * ```ts
 * const middleware: KoaMiddleware = fl.koa();
 * app.use(middleware);
 * ```
 */
export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void>;

function routeOf(ctx: KoaContextLike): string | undefined {
  const matched = pathToTemplate(ctx._matchedRoute);
  if (matched !== undefined) return matched;
  const layers = ctx.matched;
  if (layers === undefined) return undefined;
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]!;
    if (layer.methods !== undefined && layer.methods.length > 0) return pathToTemplate(layer.path);
  }
  return undefined;
}

/**
 * The Koa middleware of a faultline instance.
 * @example
 * ```ts
 * const app = new Koa();
 * app.use(koaMiddleware(fl)); // what fl.koa() returns; first
 * app.use(router.routes()).use(router.allowedMethods());
 * ```
 */
export function koaMiddleware(host: AdapterHost): KoaMiddleware {
  return function faultlineKoa(ctx, next) {
    try {
      // The route is read when faultline counts the response (sent or aborted mid-handler),
      // from the context @koa/router fills in: nothing allocated per request.
      const tracked = host.track(ctx.req, ctx.res);
      tracked.lateRoute = koaRoute;
      tracked.lateRouteContext = ctx;
    } catch (err) {
      host.fault('koa', err);
    }
    // Koa ignores what a middleware's promise resolves to: hand back next()'s own promise rather
    // than chaining one more (a promise and a microtask per request).
    return next() as Promise<void>;
  };
}

function koaRoute(ctx: object): string | undefined {
  return routeOf(ctx as KoaContextLike);
}
