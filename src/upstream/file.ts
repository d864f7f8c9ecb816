import { dirname, isAbsolute, resolve } from 'node:path';
import type * as Zod from 'zod';
import { dependency } from '../dependency.js';
import { readDocument } from '../catalog/file.js';
import { CatalogError } from '../catalog/errors.js';
import { loadCatalog } from '../catalog/load.js';
import type { Catalog } from '../catalog/types.js';
import { parseBase } from './upstream.js';
import type { ParsedBase } from './upstream.js';

/**
 * A `FAULTLINE_UPSTREAMS` file that cannot be used: names the file, each entry and problem.
 * @example
 * ```ts
 * try { loadUpstreamsFile('./u.yaml'); } catch (err) {
 *   if (err instanceof UpstreamsError) console.error(err.message); // upstreams ./u.yaml: [1].base: "ftp://x" is not an http or https URL
 * }
 * ```
 */
export class UpstreamsError extends Error {
  override name = 'UpstreamsError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`upstreams ${file}: ${problems.join('; ')}`);
  }
}

function buildUpstreamsFileSchema(z: typeof Zod.z) {
  return z.array(
    z.strictObject({
      base: z.string().min(1),
      catalog: z.string().min(1).optional(),
    }),
    { error: 'expected a list of { base, catalog? } entries' },
  );
}

let schema: ReturnType<typeof buildUpstreamsFileSchema> | undefined;

/**
 * The `FAULTLINE_UPSTREAMS` file format (YAML or JSON) as a zod schema: a list of upstream APIs,
 * each a `base` URL and an optional `catalog` (catalog file or OpenAPI document, relative to the
 * list file; `builtin` or omitted: the built-in catalog). Built on first call: zod is loaded only
 * when an upstreams file is read.
 *
 * ```yaml
 * - base: https://rds.example.com/v3
 *   catalog: ./rds-openapi.yaml
 * - base: http://billing.internal:8080
 * ```
 * @example
 * ```ts
 * upstreamsFileSchema().parse([{ base: 'http://billing.internal:8080' }]);
 * ```
 */
export function upstreamsFileSchema(): ReturnType<typeof buildUpstreamsFileSchema> {
  return (schema ??= buildUpstreamsFileSchema(dependency<typeof Zod>('zod').z));
}

/**
 * The parsed form of an upstreams file.
 * @example
 * ```ts
 * const entries: UpstreamsFile = [{ base: 'https://rds.example.com/v3', catalog: './rds.yaml' }];
 * ```
 */
export type UpstreamsFile = Zod.z.infer<ReturnType<typeof buildUpstreamsFileSchema>>;

/**
 * One loaded entry: the parsed base and its catalog.
 * @example
 * ```ts
 * const [first]: LoadedUpstream[] = loadUpstreamsFile('./upstreams.yaml');
 * ```
 */
export interface LoadedUpstream {
  readonly base: ParsedBase;
  readonly catalog: Catalog;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(top level)';
}

/**
 * Reads and checks an upstreams file and loads each catalog (synchronously: start-up must not
 * race the first call). A catalog shared by several entries is loaded once.
 *
 * @throws UpstreamsError naming the file and each bad entry, e.g.
 *   `upstreams ./u.yaml: [1].base: "ftp://x" is not an http or https URL`.
 * @example
 * ```ts
 * const upstreams = loadUpstreamsFile('./upstreams.yaml');
 * for (const u of upstreams) console.log(u.base.authority, u.catalog.name);
 * ```
 */
export function loadUpstreamsFile(file: string): LoadedUpstream[] {
  let doc: unknown;
  try {
    doc = readDocument(resolve(file), file);
  } catch (err) {
    if (err instanceof CatalogError) throw new UpstreamsError(file, err.problems);
    throw err;
  }
  const parsed = upstreamsFileSchema().safeParse(doc);
  if (!parsed.success) {
    throw new UpstreamsError(file, parsed.error.issues.slice(0, 10).map((issue) => `${pathOf(issue.path)}: ${issue.message}`));
  }
  const problems: string[] = [];
  const out: LoadedUpstream[] = [];
  const firstIndex = new Map<string, number>();
  const catalogs = new Map<string, Catalog>();
  const dir = dirname(resolve(file));
  parsed.data.forEach((entry, i) => {
    const base = parseBase(entry.base);
    if (typeof base === 'string') {
      problems.push(`[${i}].base: ${base}`);
      return;
    }
    const seen = firstIndex.get(base.href);
    if (seen !== undefined) {
      problems.push(`[${i}].base: "${entry.base}" is listed twice (first at [${seen}])`);
      return;
    }
    firstIndex.set(base.href, i);
    const source = entry.catalog === undefined || entry.catalog === 'builtin' ? 'builtin' : isAbsolute(entry.catalog) ? entry.catalog : resolve(dir, entry.catalog);
    let catalog = catalogs.get(source);
    if (catalog === undefined) {
      try {
        catalog = loadCatalog(source);
      } catch (err) {
        const why = err instanceof CatalogError ? `catalog ${entry.catalog ?? source}: ${err.problems.join('; ')}` : err instanceof Error ? err.message : String(err);
        problems.push(`[${i}].catalog: ${why}`);
        return;
      }
      catalogs.set(source, catalog);
    }
    out.push({ base, catalog });
  });
  if (problems.length > 0) throw new UpstreamsError(file, problems);
  return out;
}
