import { resolve } from 'node:path';
import type { Catalog } from './types.js';
import { builtinCatalog } from './builtin.js';
import { catalogFromDocument, readDocument } from './file.js';
import { catalogFromOpenApi, isOpenApiDocument } from './openapi.js';

/** A catalog given by the user: a path to a catalog file / OpenAPI document, or a Catalog. */
export type CatalogSource = string | Catalog;

/**
 * Loads a catalog synchronously (start-up must not race the first request).
 * `undefined` gives the built-in catalog. A file with a top-level `openapi` or `swagger` key is
 * read as an OpenAPI 3.x / Swagger 2.0 document (through @readme/openapi-parser, run in a child
 * process); any other file as a faultline catalog file. Messages name the file as given.
 *
 * @example
 * ```ts
 * import { loadCatalog } from 'faultline';
 * const catalog = loadCatalog('./catalog.yaml');
 * const api = loadCatalog('./openapi.yaml'); // api.routes?.match('/v1/pets/42') === '/v1/pets/{petId}'
 * ```
 */
export function loadCatalog(source: CatalogSource | undefined): Catalog {
  if (source === undefined || source === '' || source === 'builtin') return builtinCatalog();
  if (typeof source !== 'string') return source;
  const file = resolve(source);
  const doc = readDocument(file, source);
  if (isOpenApiDocument(doc)) return catalogFromOpenApi(file, source, {}, doc);
  return catalogFromDocument(doc, source);
}
