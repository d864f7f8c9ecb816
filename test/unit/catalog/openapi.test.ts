import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDir } from '../../helpers/scratch.js';
import { describe, expect, it } from 'vitest';
import { CatalogError, classify, loadCatalog } from '../../../src/index.js';
import type { Catalog } from '../../../src/index.js';
import { isOpenApiDocument } from '../../../src/catalog/openapi.js';
import { largeOpenApi } from '../../helpers/openapi-large.js';

const fixtures = resolve(import.meta.dirname, '../../fixtures/openapi');
const dir = scratchDir('faultline-openapi-');
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
function errorOf(path: string): string {
  try {
    loadCatalog(path);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as Error).message;
  }
  throw new Error('expected a CatalogError');
}
/** Operations as plain data: key -> { codes: {code: text}, ranges: ['4XX: text'] }. */
function operations(catalog: Catalog): Record<string, { codes: Record<string, string>; ranges: string[] }> {
  const out: Record<string, { codes: Record<string, string>; ranges: string[] }> = {};
  for (const [key, op] of catalog.operations) {
    out[key] = {
      codes: Object.fromEntries([...op.codes].map(([c, t]) => [c, Object.entries(t).map(([l, s]) => `${l}:${s}`).join('|')])),
      ranges: op.ranges.map((r) => `${r.from}-${r.to}: ${Object.entries(r.description).map(([l, s]) => `${l}:${s}`).join('|')}`),
    };
  }
  return out;
}

describe('OpenAPI and Swagger catalogs', () => {
  it('detects OpenAPI documents by their top-level key', () => {
    expect(isOpenApiDocument({ openapi: '3.1.0' })).toBe(true);
    expect(isOpenApiDocument({ swagger: '2.0' })).toBe(true);
    expect(isOpenApiDocument({ codes: [] })).toBe(false);
    expect(isOpenApiDocument(['openapi'])).toBe(false);
    expect(isOpenApiDocument(null)).toBe(false);
  });

  it('loads the published Swagger 2.0 petstore with its basePath /v1', () => {
    const catalog = loadCatalog(join(fixtures, 'petstore.v2.yaml'));
    expect(catalog.name).toBe('Swagger Petstore');
    expect([...catalog.codes.values()]).toEqual([
      { code: 200, description: { en: 'An paged array of pets' } },
      { code: 201, description: { en: 'Null response' } },
    ]);
    expect(operations(catalog)).toEqual({
      'GET /v1/pets': { codes: { 200: 'en:An paged array of pets' }, ranges: [] },
      'POST /v1/pets': { codes: { 201: 'en:Null response' }, ranges: [] },
      'GET /v1/pets/{petId}': { codes: { 200: 'en:Expected response to a valid request' }, ranges: [] },
      'GET /v1/pets/:petId': { codes: { 200: 'en:Expected response to a valid request' }, ranges: [] },
    });
    expect(catalog.routes?.size).toBe(2);
    expect(catalog.routes?.match('/v1/pets/42')).toBe('/v1/pets/{petId}');
    expect(catalog.routes?.match('/v1/pets')).toBe('/v1/pets');
    expect(catalog.routes?.match('/pets/42')).toBeUndefined();
    const op = { method: 'GET', route: '/v1/pets/{petId}' };
    expect(classify(200, op, catalog)).toEqual({ category: 'success', documented: true, description: 'Expected response to a valid request' });
    // `default` documents no particular code, and the operation's own list wins over the global one.
    expect(classify(201, op, catalog)).toEqual({ category: 'success', documented: false, description: 'Null response' });
    expect(classify(500, op, catalog)).toEqual({ category: 'service_fault', documented: false, description: '' });
  });

  it('stops at the published petstore-expanded document with file, line and repeated key', () => {
    const path = join(fixtures, 'petstore-expanded.v3.yaml');
    expect(errorOf(path)).toBe(
      `catalog ${path}: line 35, column 7: Map keys must be unique (the key "operationId" appears twice in the same mapping); ` +
        'line 36, column 7: Map keys must be unique (the key "parameters" appears twice in the same mapping)',
    );
  });

  it('loads petstore-expanded once the repeated keys are removed, with the server prefix /v2', () => {
    const lines = readFileSync(join(fixtures, 'petstore-expanded.v3.yaml'), 'utf8').split('\n');
    lines.splice(23, 11); // lines 24-34: the first operationId and parameters
    const catalog = loadCatalog(file('expanded-fixed.yaml', lines.join('\n')));
    expect(Object.keys(operations(catalog))).toEqual(['GET /v2/pets', 'POST /v2/pets', 'GET /v2/pets/{id}', 'GET /v2/pets/:id', 'DELETE /v2/pets/{id}', 'DELETE /v2/pets/:id']);
    expect([...catalog.codes.values()]).toEqual([
      { code: 200, description: { en: 'pet response' } },
      { code: 204, description: { en: 'pet deleted' } },
    ]);
    expect(catalog.routes?.match('/v2/pets/7')).toBe('/v2/pets/{id}');
  });

  it('reads explicit codes, ranges, $ref responses, server variables and per-path servers (OpenAPI 3.1)', () => {
    file('shared-responses.yaml', 'Gone:\n  description: Moved away for good.\n');
    const path = file('api31.yaml', `openapi: 3.1.0
info: { title: Orders, version: '2' }
servers:
  - url: 'https://{region}.example.com/{base}/'
    variables:
      region: { default: eu }
      base: { default: orders/v2 }
paths:
  /orders/{orderId}:
    get:
      responses:
        '200': { description: "The order,\\n  as stored." }
        4XX: { $ref: '#/components/responses/ClientError' }
        '410': { $ref: './shared-responses.yaml#/Gone' }
        '503': { $ref: 'https://example.com/responses.yaml#/Busy' }
        default: { description: unexpected }
  /health:
    servers: [{ url: / }]
    get:
      responses:
        '200': { $ref: '#/components/responses/Ok' }
components:
  responses:
    ClientError: { description: The request was wrong. }
    Ok: { description: Healthy. }
`);
    const catalog = loadCatalog(path);
    // URLs are never fetched: with one external reference unresolvable, external references
    // stay unresolved (their codes are documented, without text); internal ones are resolved.
    expect(operations(catalog)).toEqual({
      'GET /orders/v2/orders/{orderId}': {
        codes: { 200: 'en:The order, as stored.', 410: '', 503: '' },
        ranges: ['400-499: en:The request was wrong.'],
      },
      'GET /orders/v2/orders/:orderId': {
        codes: { 200: 'en:The order, as stored.', 410: '', 503: '' },
        ranges: ['400-499: en:The request was wrong.'],
      },
      'GET /health': { codes: { 200: 'en:Healthy.' }, ranges: [] },
    });
    expect([...catalog.codes.keys()]).toEqual([200, 410, 503]);
    expect(catalog.ranges).toEqual([]);
    expect(classify(404, { method: 'GET', route: '/orders/v2/orders/:orderId' }, catalog)).toEqual({
      category: 'client_fault', documented: true, description: 'The request was wrong.',
    });
    expect(catalog.routes?.match('/orders/v2/orders/o-1')).toBe('/orders/v2/orders/{orderId}');
    expect(catalog.routes?.match('/health')).toBe('/health');
  });

  it('resolves $ref responses in other files when no URL is involved', () => {
    file('more-responses.yaml', 'Gone:\n  description: Moved away for good.\n');
    const catalog = loadCatalog(file('api-ext.yaml', `openapi: 3.0.3
info: { title: Ext, version: '1' }
paths:
  /things/{id}:
    delete:
      responses:
        '410': { $ref: './more-responses.yaml#/Gone' }
`));
    expect(operations(catalog)).toEqual({
      'DELETE /things/{id}': { codes: { 410: 'en:Moved away for good.' }, ranges: [] },
      'DELETE /things/:id': { codes: { 410: 'en:Moved away for good.' }, ranges: [] },
    });
  });

  it('keeps the language of the document (detected by script)', () => {
    const catalog = loadCatalog(file('zh.yaml', `swagger: '2.0'
info: { title: 云数据库, version: '1' }
basePath: /v3/
paths:
  /instances:
    post:
      responses:
        202: { description: 异步请求成功提交。 }
        400: { description: Bad request }
`));
    expect([...catalog.codes.values()]).toEqual([
      { code: 202, description: { zh: '异步请求成功提交。' } },
      { code: 400, description: { zh: 'Bad request' } },
    ]);
    expect(catalog.routes?.match('/v3/instances')).toBe('/v3/instances');
  });

  it('names each problem of a document that cannot be a catalog', () => {
    const head = "openapi: 3.0.0\ninfo: { title: t, version: '1' }\n";
    expect(errorOf(file('key.yaml', `${head}paths:\n  /a:\n    get:\n      responses:\n        '2001': { description: x }\n        OK: { description: y }\n`))).toBe(
      `catalog ${join(dir, 'key.yaml')}: paths["/a"].get.responses: response key "2001" is not a status code, a range like "4XX" or "default"; ` +
        `paths["/a"].get.responses: response key "OK" is not a status code, a range like "4XX" or "default"`,
    );
    expect(errorOf(file('empty.yaml', `${head}paths: {}\n`))).toBe(`catalog ${join(dir, 'empty.yaml')}: the document has no operations under "paths"; nothing to count`);
    expect(errorOf(file('v4.yaml', "openapi: 4.0.0\ninfo: { title: t, version: '1' }\npaths: {}\n"))).toBe(
      `catalog ${join(dir, 'v4.yaml')}: openapi: version "4.0.0" is not supported (Swagger 2.0, OpenAPI 3.0 and 3.1 are)`,
    );
    expect(errorOf(file('var.yaml', `openapi: 3.0.0\ninfo: { title: t, version: '1' }\nservers: [{ url: 'https://x/{v}' }]\npaths:\n  /a: { get: { responses: { '200': { description: ok } } } }\n`))).toBe(
      `catalog ${join(dir, 'var.yaml')}: servers[0].url: variable {v} has no default`,
    );
    expect(errorOf(file('ptr.yaml', `${head}paths:\n  /a:\n    get:\n      responses:\n        '404': { $ref: '#/components/responses/Nope' }\n`))).toBe(
      `catalog ${join(dir, 'ptr.yaml')}: Missing $ref pointer "#/components/responses/Nope". Token "components" does not exist.`,
    );
  });

  it('loads a generated document with 1,085 paths: one operation each, union of codes, every route', () => {
    const { text, templates } = largeOpenApi();
    const catalog = loadCatalog(file('large.json', text));
    expect(catalog.routes?.size).toBe(1085);
    expect(new Set([...catalog.operations.values()]).size).toBe(1085);
    expect([...catalog.codes.keys()]).toEqual([200, 404]);
    expect(catalog.codes.get(200)?.description).toEqual({ en: 'list r0' });
    expect(templates.every((t) => catalog.operations.has(`GET ${t}`))).toBe(true);
    expect(catalog.routes?.match('/api/v3/r349/9/parts/1')).toBe('/api/v3/r349/{id}/parts/{partId}');
  });
});
