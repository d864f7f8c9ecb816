/**
 * Loads one of faultline's npm dependencies the first time a feature needs it, so that a
 * service pays only for what it uses: `faultline/register` with the built-in catalog loads ~50
 * modules instead of ~300 (yaml, zod, prom-client, @opentelemetry/api, fastify-plugin, marked,
 * node-html-parser and theirs come in on first use of a catalog file, `fl.registry`, the
 * OpenTelemetry exporter or a span, `fl.fastify`, a documentation table).
 *
 * `require` is this module's own in the CommonJS build (the one `faultline` and
 * `faultline/register` load, also under `import`) and vitest's module runner gives every source
 * module one. The ES module tree of dist/ is only the types of the `import` condition and the
 * dashboards' build (scripts/generate.mjs), which load none of these.
 * @example
 * ```ts
 * import type * as Yaml from 'yaml';
 * const { stringify } = dependency<typeof Yaml>('yaml');
 * ```
 */
export function dependency<T>(name: string): T {
  if (typeof require !== 'function') {
    throw new Error(`faultline: cannot load ${name} from its ES module build; import 'faultline' (the package entry) instead`);
  }
  // A synchronous, on-demand load is the point here; Node caches the module after the first call.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name) as T;
}
