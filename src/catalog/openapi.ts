import type { Catalog, CatalogEntry, CodeRange, OperationCodes, Texts } from './types.js';
import { operationKey } from './types.js';
import { CatalogError } from './errors.js';
import { detectLanguage } from './lang.js';
import { colonTemplate, compileRoutes } from './route-matcher.js';
import { parseOpenApiFile } from './openapi-parser.js';
import type { ParsedApi, ParsedResponse } from './openapi-parser.js';

/** Options of an OpenAPI import. */
export interface OpenApiOptions {
  /** Language tag of the document's descriptions; default: detected from their script. */
  readonly lang?: string;
}

const CODE_KEY = /^[1-9]\d\d$/;
const RANGE_KEY = /^[1-5]XX$/i;

/**
 * True when a parsed document is an OpenAPI (`openapi: 3.x`) or Swagger (`swagger: "2.0"`)
 * document rather than a faultline catalog file: it has a top-level `openapi` or `swagger` key.
 *
 * @example
 * ```ts
 * isOpenApiDocument({ openapi: '3.0.0', paths: {} }); // true
 * isOpenApiDocument({ codes: [] });                   // false
 * ```
 */
export function isOpenApiDocument(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && !Array.isArray(doc) && ('openapi' in doc || 'swagger' in doc);
}

function checkVersion(spec: 'openapi' | 'swagger', version: string, shownAs: string): void {
  if (spec === 'swagger' ? version === '2.0' || version === '2' : /^3\.[01](\.\d+)?$/.test(version)) return;
  throw new CatalogError(shownAs, [`${spec}: version "${version}" is not supported (Swagger 2.0, OpenAPI 3.0 and 3.1 are)`]);
}

/** Collapses whitespace, so a multi-line description fits a label value. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The path part of an OpenAPI 3 server URL (variables replaced by their defaults), without a trailing slash. */
function serverPrefix(servers: unknown, where: string, problems: string[]): string {
  if (!Array.isArray(servers) || servers.length === 0) return '';
  const server = servers[0] as { url?: unknown; variables?: Record<string, { default?: unknown } | undefined> };
  if (typeof server?.url !== 'string') {
    problems.push(`${where}[0].url: expected a string`);
    return '';
  }
  let bad: string | undefined;
  const url = server.url.replace(/\{([^{}]+)\}/g, (_m, name: string) => {
    const value = server.variables?.[name]?.default;
    if (typeof value === 'string') return value;
    bad ??= name;
    return '';
  });
  if (bad !== undefined) {
    problems.push(`${where}[0].url: variable {${bad}} has no default`);
    return '';
  }
  let path: string;
  try {
    path = new URL(url, 'http://server.invalid/').pathname;
  } catch {
    problems.push(`${where}[0].url: "${server.url}" is not a URL`);
    return '';
  }
  return path.replace(/\/+$/, '');
}

function swaggerPrefix(basePath: string | null, problems: string[]): string {
  if (basePath === null) return '';
  if (!basePath.startsWith('/')) {
    problems.push(`basePath: "${basePath}" does not start with "/"`);
    return '';
  }
  return basePath.replace(/\/+$/, '');
}

interface Collected {
  readonly method: string;
  readonly route: string;
  readonly codes: Map<number, string | null>;
  readonly ranges: { from: number; to: number; text: string | null }[];
}

function collectResponses(responses: Readonly<Record<string, ParsedResponse>>, where: string, op: Collected, problems: string[]): void {
  for (const [key, response] of Object.entries(responses)) {
    const text = response.description === null ? null : oneLine(response.description);
    if (CODE_KEY.test(key)) op.codes.set(Number(key), text);
    else if (RANGE_KEY.test(key)) op.ranges.push({ from: Number(key[0]) * 100, to: Number(key[0]) * 100 + 99, text });
    else if (key !== 'default' && !key.startsWith('x-')) problems.push(`${where}: response key "${key}" is not a status code, a range like "4XX" or "default"`);
  }
}

/**
 * Builds a catalog from a parsed, dereferenced OpenAPI 3.x / Swagger 2.0 document: one
 * operation-scoped list per operation (explicit codes and `4XX`-style ranges; `default`
 * documents no particular code), route templates with the server URL's (OpenAPI 3) or
 * `basePath`'s (Swagger 2) path prefix, and a global list that is the union of the explicit
 * codes (the first operation's text for each). Throws a CatalogError naming each problem.
 *
 * @example
 * ```ts
 * const catalog = catalogFromParsedApi(parseOpenApiFile(file, 'openapi.yaml'), 'openapi.yaml');
 * catalog.routes?.match('/v1/pets/42'); // '/v1/pets/{petId}'
 * ```
 */
export function catalogFromParsedApi(api: ParsedApi, shownAs: string, options: OpenApiOptions = {}): Catalog {
  const problems: string[] = [];
  checkVersion(api.spec, api.version, shownAs);
  const docPrefix = api.spec === 'swagger' ? swaggerPrefix(api.basePath, problems) : serverPrefix(api.servers, 'servers', problems);
  const collected: Collected[] = [];
  for (const [path, item] of Object.entries(api.paths ?? {})) {
    if (!path.startsWith('/')) {
      problems.push(`paths: "${path}" does not start with "/"`);
      continue;
    }
    const itemPrefix = item.servers ? serverPrefix(item.servers, `paths["${path}"].servers`, problems) : docPrefix;
    for (const [method, op] of Object.entries(item.ops)) {
      const where = `paths["${path}"].${method}`;
      const prefix = op.servers ? serverPrefix(op.servers, `${where}.servers`, problems) : itemPrefix;
      const entry: Collected = { method: method.toUpperCase(), route: `${prefix}${path}`, codes: new Map(), ranges: [] };
      if (op.responses) collectResponses(op.responses, `${where}.responses`, entry, problems);
      collected.push(entry);
    }
  }
  if (problems.length > 0) throw new CatalogError(shownAs, problems.slice(0, 10));
  if (collected.length === 0) throw new CatalogError(shownAs, ['the document has no operations under "paths"; nothing to count']);

  const texts: string[] = [];
  for (const op of collected) {
    for (const t of op.codes.values()) if (t) texts.push(t);
    for (const r of op.ranges) if (r.text) texts.push(r.text);
  }
  const lang = options.lang ?? detectLanguage(texts);
  const tag = (text: string | null): Texts => (text ? { [lang]: text } : {});

  const codes = new Map<number, CatalogEntry>();
  const operations = new Map<string, OperationCodes>();
  const templates: string[] = [];
  for (const op of collected) {
    const key = operationKey(op.method, op.route);
    if (operations.has(key)) continue;
    const opCodes = new Map<number, Texts>();
    for (const [code, text] of op.codes) {
      opCodes.set(code, tag(text));
      const known = codes.get(code);
      if (known === undefined || (Object.keys(known.description).length === 0 && text)) codes.set(code, { code, description: tag(text) });
    }
    const ranges: CodeRange[] = op.ranges.map((r) => ({ from: r.from, to: r.to, description: tag(r.text) }));
    const value: OperationCodes = { method: op.method, route: op.route, codes: opCodes, ranges };
    operations.set(key, value);
    const alias = colonTemplate(op.route);
    if (alias !== undefined && !operations.has(operationKey(op.method, alias))) operations.set(operationKey(op.method, alias), value);
    templates.push(op.route);
  }
  const sorted = new Map([...codes.entries()].sort((a, b) => a[0] - b[0]));
  return {
    name: api.title ?? shownAs,
    source: shownAs,
    codes: sorted,
    ranges: [],
    operations,
    routes: compileRoutes(templates),
  };
}

/**
 * Loads an OpenAPI 3.x or Swagger 2.0 document as a catalog, synchronously (the asynchronous
 * parser runs in a child process). `file` is the resolved path, `shownAs` the name used in
 * messages, `doc` the document when the caller has read it already (its version is checked first).
 *
 * @example
 * ```ts
 * const catalog = catalogFromOpenApi('/srv/api/petstore.yaml', './petstore.yaml');
 * catalog.operations.get('GET /v1/pets/{petId}')?.codes; // Map { 200 => { en: '...' } }
 * ```
 */
export function catalogFromOpenApi(file: string, shownAs: string, options: OpenApiOptions = {}, doc?: unknown): Catalog {
  if (isOpenApiDocument(doc)) {
    // Checked before the parser starts: a version it cannot read costs no child process.
    const d = doc as { swagger?: unknown; openapi?: unknown };
    const version = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v));
    if (d.swagger !== undefined) checkVersion('swagger', version(d.swagger), shownAs);
    else checkVersion('openapi', version(d.openapi), shownAs);
  }
  return catalogFromParsedApi(parseOpenApiFile(file, shownAs), shownAs, options);
}
