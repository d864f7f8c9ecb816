import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CatalogError } from './errors.js';

/** A response of an operation as the parser resolved it. */
export interface ParsedResponse {
  readonly description: string | null;
  /** The `$ref` left in place when it could not be resolved (external, not fetched). */
  readonly ref: string | null;
}

/** An operation: its responses by key (`200`, `4XX`, `default`) and its own `servers`. */
export interface ParsedOperation {
  readonly responses: Readonly<Record<string, ParsedResponse>> | null;
  readonly servers: unknown;
}

/** A path item: operations by lower-case method and its own `servers`. */
export interface ParsedPathItem {
  readonly ops: Readonly<Record<string, ParsedOperation>>;
  readonly servers: unknown;
}

/** What faultline needs of a dereferenced OpenAPI / Swagger document. */
export interface ParsedApi {
  readonly spec: 'openapi' | 'swagger';
  readonly version: string;
  readonly title: string | null;
  readonly servers: unknown;
  readonly basePath: string | null;
  readonly paths: Readonly<Record<string, ParsedPathItem>> | null;
  /** Why external `$ref`s were left unresolved, or null when all were resolved. */
  readonly unresolved: string | null;
}

/**
 * The child's program (CommonJS, run with `node -e`). It loads @readme/openapi-parser from the
 * absolute path given as its first argument, dereferences the document (second argument) and
 * prints the projection faultline needs as JSON. Other files are resolved; URLs are never
 * fetched (start-up makes no network calls); when an external reference cannot be resolved the
 * document is dereferenced again with internal references only.
 */
const CHILD_SOURCE = String.raw`'use strict';
const parser = require(process.argv[1]);
const file = process.argv[2];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const list = (v) => (Array.isArray(v) ? v : null);
function project(api, unresolved) {
  const paths = api.paths && typeof api.paths === 'object' ? {} : null;
  for (const [path, item] of Object.entries(api.paths || {})) {
    if (!item || typeof item !== 'object') continue;
    const ops = {};
    for (const method of METHODS) {
      const op = item[method];
      if (!op || typeof op !== 'object') continue;
      let responses = null;
      if (op.responses && typeof op.responses === 'object' && !Array.isArray(op.responses)) {
        responses = {};
        for (const [key, r] of Object.entries(op.responses)) {
          const obj = r && typeof r === 'object' ? r : {};
          responses[key] = {
            description: typeof obj.description === 'string' ? obj.description : null,
            ref: typeof obj.$ref === 'string' ? obj.$ref : null,
          };
        }
      }
      ops[method] = { responses, servers: list(op.servers) };
    }
    paths[path] = { ops, servers: list(item.servers) };
  }
  return {
    ok: true,
    spec: api.swagger !== undefined ? 'swagger' : 'openapi',
    version: String(api.swagger !== undefined ? api.swagger : api.openapi),
    title: api.info && typeof api.info.title === 'string' ? api.info.title : null,
    servers: list(api.servers),
    basePath: typeof api.basePath === 'string' ? api.basePath : null,
    paths,
    unresolved,
  };
}
const noHttp = { canRead: () => false };
(async () => {
  let result;
  try {
    result = project(await parser.dereference(file, { resolve: { http: noHttp }, dereference: { circular: 'ignore' } }), null);
  } catch (first) {
    try {
      const api = await parser.dereference(file, { resolve: { external: false }, dereference: { circular: 'ignore' } });
      result = project(api, String(first && first.message || first).split('\n')[0]);
    } catch (err) {
      result = { ok: false, message: String(err && err.message || err) };
    }
  }
  process.stdout.write(JSON.stringify(result));
})().catch((err) => {
  process.stdout.write(JSON.stringify({ ok: false, message: String(err && err.message || err) }));
});
`;

/** This module's own file, in CommonJS (`__filename`) and ES modules (the V8 call site). */
function thisFile(): string | undefined {
  if (typeof __filename === 'string') return __filename;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- saved to be put back as it was
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_err, calls) => calls;
    const calls = new Error().stack as unknown as readonly NodeJS.CallSite[];
    const name = calls[0]?.getFileName();
    if (!name) return undefined;
    return name.startsWith('file:') ? fileURLToPath(name) : name;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/**
 * The absolute path of @readme/openapi-parser's CommonJS entry, resolved from faultline's own
 * location (so it works from dist/esm, dist/cjs and the sources), then from the working
 * directory.
 *
 * @example
 * ```ts
 * locateParser(); // '/app/node_modules/@readme/openapi-parser/dist/index.cjs'
 * ```
 */
export function locateParser(): string {
  const bases = [thisFile(), `${process.cwd()}/`].filter((b): b is string => b !== undefined);
  let last: unknown;
  for (const base of bases) {
    try {
      return createRequire(base).resolve('@readme/openapi-parser');
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`cannot find @readme/openapi-parser (${last instanceof Error ? last.message.split('\n')[0] : String(last)})`);
}

/**
 * Runs @readme/openapi-parser (asynchronous) synchronously: in a child Node process whose
 * output is the projection of the dereferenced document. `loadCatalog()` must stay synchronous,
 * because `faultline/register` loads the catalog before the application's first request.
 * The child gets no NODE_OPTIONS, so a `--require faultline/register` there cannot recurse.
 *
 * @example
 * ```ts
 * const api = parseOpenApiFile('/srv/openapi.yaml', './openapi.yaml');
 * Object.keys(api.paths ?? {}); // ['/pets', '/pets/{petId}']
 * ```
 */
export function parseOpenApiFile(file: string, shownAs: string): ParsedApi {
  let parserPath: string;
  try {
    parserPath = locateParser();
  } catch (err) {
    throw new CatalogError(shownAs, [(err as Error).message]);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  let out: string;
  try {
    out = execFileSync(process.execPath, ['-e', CHILD_SOURCE, '--', parserPath, file], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 512 * 1024 * 1024,
      timeout: 120_000,
      windowsHide: true,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string; signal?: string };
    const detail = (e.stderr && e.stderr.trim().split('\n')[0]) || (e.signal ? `killed by ${e.signal}` : e.message.split('\n')[0]);
    throw new CatalogError(shownAs, [`the OpenAPI parser failed: ${detail}`]);
  }
  let result: ({ ok: true } & ParsedApi) | { ok: false; message: string };
  try {
    result = JSON.parse(out) as typeof result;
  } catch {
    throw new CatalogError(shownAs, [`the OpenAPI parser printed no result (${out.slice(0, 80)})`]);
  }
  if (!result.ok) throw new CatalogError(shownAs, [result.message.split('\n')[0] ?? result.message]);
  return result;
}
