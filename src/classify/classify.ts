import type { Catalog, Category, Texts } from '../catalog/types.js';
import { operationKey } from '../catalog/types.js';

/** What the contract says about one status code of one operation. */
export interface Classification {
  readonly category: Category;
  readonly documented: boolean;
  /** The catalog's text in the requested language ('' when the catalog has none). */
  readonly description: string;
}

/** The operation a response answered; `route` is a template. */
export interface Operation {
  readonly method: string;
  readonly route: string;
}

/**
 * The category a code has by its class alone: 1xx informational ... 5xx service_fault,
 * anything outside 100-599 `invalid`.
 */
export function categoryOfCode(code: number): Category {
  if (!Number.isInteger(code)) return 'invalid';
  if (code >= 100 && code <= 199) return 'informational';
  if (code >= 200 && code <= 299) return 'success';
  if (code >= 300 && code <= 399) return 'redirection';
  if (code >= 400 && code <= 499) return 'client_fault';
  if (code >= 500 && code <= 599) return 'service_fault';
  return 'invalid';
}

/** Picks `lang` from a set of texts, then English, then whatever there is. */
export function pickText(texts: Texts | undefined, lang: string): string {
  if (!texts) return '';
  const exact = texts[lang];
  if (exact !== undefined) return exact;
  const en = texts['en'];
  if (en !== undefined) return en;
  for (const key of Object.keys(texts)) {
    const text = texts[key];
    if (text !== undefined) return text;
  }
  return '';
}

/**
 * Classifies a status code for an operation against a catalog. Pure: same inputs, same answer.
 *
 * - `category` follows the code's class; a catalog entry for the code may override it.
 * - `documented` is true when the operation's own list (if the catalog has one for it) holds the
 *   code; otherwise when the catalog's global list does.
 * - `description` comes from the operation's list, then the global list.
 *
 * @example
 * ```ts
 * import { classify, builtinCatalog } from 'faultline';
 * classify(503, undefined, builtinCatalog());
 * // { category: 'service_fault', documented: true, description: 'The request was not completed: ...' }
 * ```
 */
export function classify(
  code: number,
  operation: Operation | undefined,
  catalog: Catalog,
  lang = 'en',
): Classification {
  const entry = catalog.codes.get(code);
  const category = entry?.category ?? categoryOfCode(code);
  const op = operation ? catalog.operations.get(operationKey(operation.method, operation.route)) : undefined;
  if (op) {
    const own = op.codes.get(code);
    if (own) return { category, documented: true, description: pickText(own, lang) || pickText(entry?.description, lang) };
    const range = op.ranges.find((r) => code >= r.from && code <= r.to);
    if (range) return { category, documented: true, description: pickText(range.description, lang) || pickText(entry?.description, lang) };
    return { category, documented: false, description: pickText(entry?.description, lang) };
  }
  if (entry) return { category, documented: true, description: pickText(entry.description, lang) };
  const range = catalog.ranges.find((r) => code >= r.from && code <= r.to);
  if (range) return { category, documented: true, description: pickText(range.description, lang) };
  return { category, documented: false, description: '' };
}
