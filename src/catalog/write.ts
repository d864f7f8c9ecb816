import type * as Yaml from 'yaml';
import { dependency } from '../dependency.js';
import type { Catalog, CodeRange, OperationCodes, Texts } from './types.js';
import type { CatalogFile } from './file.js';

type FileTexts = string | Record<string, string>;
type FileOpCode = CatalogFile extends { operations?: (infer O)[] } ? (O extends { codes: (infer C)[] } ? C : never) : never;

/** A string when the only text is English (the file format's shorthand), else texts by language. */
function textsOut(texts: Texts): FileTexts {
  const keys = Object.keys(texts);
  if (keys.length === 1 && keys[0] === 'en') return texts['en']!;
  return { ...texts };
}

function rangeText(range: CodeRange): string | undefined {
  const digit = range.from / 100;
  return Number.isInteger(digit) && range.to === range.from + 99 ? `${digit}XX` : undefined;
}

/**
 * The distinct operations of a catalog, in order. (An OpenAPI catalog also lists each operation
 * under its `:param` route, for framework adapters; that alias is one object with its original.)
 *
 * @example
 * ```ts
 * distinctOperations(catalog).map((op) => `${op.method} ${op.route}`); // ['GET /v1/pets', ...]
 * ```
 */
export function distinctOperations(catalog: Catalog): OperationCodes[] {
  return [...new Set(catalog.operations.values())];
}

/**
 * A catalog as the plain object of the catalog file format (README "Catalog format"), so
 * `loadCatalog()` reads it back to the same codes and operations.
 *
 * @example
 * ```ts
 * catalogToFile(builtinCatalog()).codes[0]; // { code: 200, group: 'normal', description: { en: ..., zh: ... } }
 * ```
 */
export function catalogToFile(catalog: Catalog): CatalogFile {
  const codes = [...catalog.codes.values()].map((e) => ({
    code: e.code,
    ...(e.category !== undefined ? { category: e.category } : {}),
    ...(e.group !== undefined ? { group: e.group } : {}),
    description: textsOut(e.description),
  }));
  const operations = distinctOperations(catalog).map((op) => {
    const list: FileOpCode[] = [];
    for (const [code, texts] of op.codes) list.push(Object.keys(texts).length > 0 ? { code, description: textsOut(texts) } : code);
    for (const range of op.ranges) {
      const text = rangeText(range);
      if (text === undefined) continue; // not expressible in the file format (never produced by OpenAPI)
      list.push(Object.keys(range.description).length > 0 ? { code: text, description: textsOut(range.description) } : text);
    }
    return { method: op.method, route: op.route, codes: list };
  });
  return { name: catalog.name, codes, ...(operations.length > 0 ? { operations } : {}) };
}

/**
 * A catalog as a YAML catalog file, with a comment naming its source.
 *
 * @example
 * ```ts
 * writeFileSync('catalog.yaml', catalogToYaml(importDocTableFile('docs/codes.md')));
 * ```
 */
export function catalogToYaml(catalog: Catalog, comment = `faultline catalog, imported from ${catalog.source}`): string {
  const body = dependency<typeof Yaml>('yaml').stringify(catalogToFile(catalog), { lineWidth: 0, flowCollectionPadding: true });
  return `# ${comment}\n${body}`;
}
