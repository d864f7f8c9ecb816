import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as FastifyPluginModule from 'fastify-plugin';
import { dependency } from '../dependency.js';
import type { AdapterHost } from './adapter.js';
import { findTracked } from './runtime.js';

/**
 * Fastify 5 adapter: a `fastify-plugin` (so its hooks apply to the whole application, not just
 * an encapsulated child) whose `onRequest` hook sets the route template that
 * `request.routeOptions.url` gives (undefined for Fastify's 404 handler: `unmatched`). It also counts
 * the Fastify server from the start of each request, so answers Fastify sends before any hook
 * runs (a malformed URL's 400, 503 while closing) are counted too — once, whichever hook sees
 * them. The types below are structural so that faultline's own type declarations do not
 * require `fastify` to be installed.
 */

/**
 * The parts of a Fastify request the adapter reads (structural, so faultline's types do not
 * need `fastify` installed).
 * @example
 * ```ts
 * const url = (request as FastifyRequestLike).routeOptions.url; // '/items/:id'
 * ```
 */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly routeOptions: { readonly url?: string | undefined };
}

/**
 * The parts of a Fastify reply the adapter reads.
 * @example
 * ```ts
 * const res = (reply as FastifyReplyLike).raw; // the node:http ServerResponse
 * ```
 */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
}

/**
 * The parts of a Fastify instance the plugin uses; any Fastify 5 instance fits.
 * @example
 * ```ts
 * const app: FastifyInstanceLike = Fastify();
 * ```
 */
export interface FastifyInstanceLike {
  readonly server: object;
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (err?: Error) => void) => void): unknown;
  addHook(name: 'onClose', hook: (instance: FastifyInstanceLike, done: (err?: Error) => void) => void): unknown;
}

/**
 * The plugin value of `fl.fastify`, for `await fastify.register(fl.fastify)`.
 * @example
 * ```ts
 * const plugin: FastifyPlugin = fl.fastify;
 * await app.register(plugin);
 * ```
 */
export type FastifyPlugin = (instance: FastifyInstanceLike, options: unknown) => Promise<void>;

/** Fastify's version range the plugin declares (fastify-plugin checks it at registration). */
const FASTIFY_VERSIONS = '5.x';

const plugins = new WeakMap<AdapterHost, FastifyPlugin>();

/** The description of the symbol under which Fastify 5 keeps a request's route context. */
const CONTEXT_SYMBOL = 'fastify.context';

/**
 * The key of the route context on Fastify's requests: found on the first request (Fastify does
 * not export it), `null` when a Fastify version keeps it elsewhere.
 */
let contextKey: symbol | null | undefined;

function findContextKey(request: object): symbol | null {
  for (const key of Object.getOwnPropertySymbols(request)) if (key.description === CONTEXT_SYMBOL) return key;
  return null;
}

/**
 * The route template of a Fastify request (`undefined` for the 404 handler). `request.routeOptions`
 * is a getter that builds a 12-field object on every read (~1,000 instructions); the template
 * it returns is the route context's `config.url`, read here directly. When a Fastify version has
 * no such context, the public getter answers.
 * @example
 * ```ts
 * app.get('/items/:id', (request) => routeUrl(request)); // '/items/:id'
 * ```
 */
export function routeUrl(request: FastifyRequestLike): unknown {
  if (contextKey === undefined) contextKey = findContextKey(request);
  if (contextKey !== null) {
    const context = (request as unknown as Record<symbol, { readonly config?: { readonly url?: unknown } } | undefined>)[contextKey];
    const config = context?.config;
    if (config !== undefined) return config.url;
  }
  return request.routeOptions.url;
}

function createPlugin(host: AdapterHost): FastifyPlugin {
  /** Fastify instances this plugin is registered in (registering twice adds nothing). */
  const registered = new WeakSet<object>();

  function onRequest(request: FastifyRequestLike, reply: FastifyReplyLike, done: (err?: Error) => void): void {
    try {
      // The record is almost always there already, made as Node published the request. Only
      // responses Node's parser did not make lack one; among them `app.inject()`'s
      // (light-my-request), which sends nothing over the network: not a response to count.
      const res = reply.raw;
      let tracked = findTracked(host, res);
      if (tracked === undefined && (request.raw as { _lightMyRequest?: unknown })._lightMyRequest === undefined) tracked = host.track(request.raw, res);
      if (tracked !== undefined) {
        const url = routeUrl(request);
        if (typeof url === 'string') tracked.route = url;
      }
    } catch (err) {
      host.fault('fastify', err);
    }
    done();
  }

  async function faultline(instance: FastifyInstanceLike): Promise<void> {
    if (registered.has(instance)) return;
    registered.add(instance);
    host.instrument(instance.server);
    instance.addHook('onRequest', onRequest);
    instance.addHook('onClose', (closing, done) => {
      // A closed instance may be registered again (tests re-creating apps reuse `fl.fastify`).
      registered.delete(closing);
      done();
    });
    return Promise.resolve();
  }

  // fastify-plugin is loaded here, on first use of `fl.fastify`.
  const fp = dependency<typeof FastifyPluginModule>('fastify-plugin').fastifyPlugin;
  return fp(faultline as unknown as Parameters<typeof fp>[0], { name: 'faultline', fastify: FASTIFY_VERSIONS }) as unknown as FastifyPlugin;
}

/**
 * The Fastify plugin of a faultline instance (one per instance, the same value every time).
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(fastifyPlugin(fl)); // what fl.fastify is
 * app.get('/items/:id', async () => ({})); // counted with route="/items/:id"
 * ```
 */
export function fastifyPlugin(host: AdapterHost): FastifyPlugin {
  let plugin = plugins.get(host);
  if (plugin === undefined) {
    plugin = createPlugin(host);
    plugins.set(host, plugin);
  }
  return plugin;
}
