import { resolve } from 'node:path';
import type { Catalog } from './types.js';
import { builtinCatalog } from './builtin.js';
import { catalogFromDocument, readDocument } from './file.js';

/** A catalog given by the user: a path to a catalog file / OpenAPI document, or a Catalog. */
export type CatalogSource = string | Catalog;

/**
 * Loads a catalog synchronously (start-up must not race the first request).
 * `undefined` gives the built-in catalog.
 *
 * @example
 * ```ts
 * import { loadCatalog } from 'faultline';
 * const catalog = loadCatalog('./catalog.yaml');
 * ```
 */
export function loadCatalog(source: CatalogSource | undefined): Catalog {
  if (source === undefined || source === '' || source === 'builtin') return builtinCatalog();
  if (typeof source !== 'string') return source;
  const file = resolve(source);
  const doc = readDocument(file);
  return catalogFromDocument(doc, source);
}
