import { readFileSync } from 'node:fs';
import type * as Yaml from 'yaml';
import type { YAMLError } from 'yaml';
import type * as Zod from 'zod';
import { dependency } from '../dependency.js';
import { CATEGORIES } from './types.js';
import type { Catalog, CatalogEntry, CodeRange, OperationCodes, Texts } from './types.js';
import { operationKey } from './types.js';
import { CatalogError } from './errors.js';
import { colonTemplate, compileRoutes } from './route-matcher.js';

/** The catalog file format as a zod schema, built from `z` (zod is loaded on first use). */
function buildCatalogFileSchema(z: typeof Zod.z) {
  const texts = z.union([z.string(), z.record(z.string(), z.string())]);
  const code = z.number().int().min(100).max(999);
  const rangeText = z.string().regex(/^[1-9]XX$/i, 'expected a range like "4XX"');
  const entrySchema = z.strictObject({
    code,
    description: texts,
    category: z.enum(CATEGORIES as [string, ...string[]]).optional(),
    group: z.string().optional(),
  });
  const opCodeSchema = z.union([code, rangeText, z.strictObject({ code: z.union([code, rangeText]), description: texts.optional() })]);
  const operationSchema = z.strictObject({
    method: z.string().regex(/^[A-Za-z]+$/, 'expected an HTTP method name'),
    route: z.string().min(1),
    codes: z.array(opCodeSchema),
  });
  return z.strictObject({
    name: z.string().optional(),
    codes: z.array(entrySchema),
    operations: z.array(operationSchema).optional(),
  });
}

let schema: ReturnType<typeof buildCatalogFileSchema> | undefined;

/**
 * The catalog file format (JSON or YAML) as a zod schema; see the README's "Catalog format".
 * Built on first call: zod is loaded only when a catalog file is read.
 * @example
 * ```ts
 * catalogFileSchema().safeParse({ codes: [{ code: 503, description: 'busy' }] }).success; // true
 * ```
 */
export function catalogFileSchema(): ReturnType<typeof buildCatalogFileSchema> {
  return (schema ??= buildCatalogFileSchema(dependency<typeof Zod>('zod').z));
}

/** The parsed form of a catalog file. */
export type CatalogFile = Zod.z.infer<ReturnType<typeof buildCatalogFileSchema>>;

function toTexts(value: string | Record<string, string> | undefined): Texts {
  if (value === undefined) return {};
  return typeof value === 'string' ? { en: value } : value;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(top level)';
}

/** The key written at `offset` of a YAML text (for duplicate-key messages). */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200);
  const quoted = /^(["'])(.*?)\1/.exec(rest);
  if (quoted) return quoted[2]!;
  return (/^[^:\n]*/.exec(rest)?.[0] ?? '').trim();
}

function describeYamlError(err: YAMLError, text: string): string {
  const pos = err.linePos?.[0];
  const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
  const first = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
  if (err.code === 'DUPLICATE_KEY') return `${where}${first} (the key "${keyAt(text, err.pos[0])}" appears twice in the same mapping)`;
  return `${where}${first}`;
}

/** JSON.parse's message with its position as line and column (else where YAML stumbled). */
function describeJsonError(message: string, text: string, fallback: { line: number; col: number } | undefined): string {
  const m = / in JSON at position (\d+)/.exec(message);
  let where = fallback ? `line ${fallback.line}, column ${fallback.col}: ` : '';
  if (m) {
    const before = text.slice(0, Number(m[1])).split('\n');
    where = `line ${before.length}, column ${before[before.length - 1]!.length + 1}: `;
  }
  const what = m ? message.slice(0, m.index) : message.replace(/, ".*" is not valid JSON$/s, '');
  return `${where}${what} (JSON)`;
}

/**
 * Reads a document (JSON or YAML) and reports syntax errors with line and column (every one,
 * up to ten; a repeated key is named). Text that starts like JSON is read with `JSON.parse` (where,
 * as usual for JSON, a repeated key keeps its last value), and its errors are JSON's. `shownAs` names the file in messages (default: `file`).
 */
export function readDocument(file: string, shownAs: string = file): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogError(shownAs, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  let jsonError: string | undefined;
  if (/^\s*[{[]/.test(text)) {
    // JSON: the native parser is ~100x faster on large OpenAPI documents.
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      jsonError = err instanceof Error ? err.message : String(err);
    }
  }
  // YAML 1.2 is a superset of JSON, so one parser serves both; duplicate keys are errors.
  const doc = dependency<typeof Yaml>('yaml').parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    // Text that looks like JSON and is no YAML either gets JSON's own message.
    const problems = jsonError !== undefined ? [describeJsonError(jsonError, text, doc.errors[0]?.linePos?.[0])] : doc.errors.slice(0, 10).map((e) => describeYamlError(e, text));
    throw new CatalogError(shownAs, problems);
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new CatalogError(shownAs, [`cannot parse: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

function parseRange(text: string): { from: number; to: number } {
  const digit = Number(text[0]);
  return { from: digit * 100, to: digit * 100 + 99 };
}

/**
 * Builds a catalog from a parsed catalog document, or throws a CatalogError naming each problem.
 */
export function catalogFromDocument(doc: unknown, file: string): Catalog {
  const parsed = catalogFileSchema().safeParse(doc);
  if (!parsed.success) {
    throw new CatalogError(
      file,
      parsed.error.issues.slice(0, 10).map((issue) => `${pathOf(issue.path)}: ${issue.message}`),
    );
  }
  const problems: string[] = [];
  const codes = new Map<number, CatalogEntry>();
  const firstIndex = new Map<number, number>();
  parsed.data.codes.forEach((e, i) => {
    const seen = firstIndex.get(e.code);
    if (seen !== undefined) {
      problems.push(`codes[${i}]: code ${e.code} is listed twice (first at codes[${seen}])`);
      return;
    }
    firstIndex.set(e.code, i);
    const entry: CatalogEntry = {
      code: e.code,
      description: toTexts(e.description),
      ...(e.category ? { category: e.category as CatalogEntry['category'] & string } : {}),
      ...(e.group ? { group: e.group } : {}),
    };
    codes.set(e.code, entry);
  });
  const operations = new Map<string, OperationCodes>();
  (parsed.data.operations ?? []).forEach((op, i) => {
    const key = operationKey(op.method, op.route);
    if (operations.has(key)) {
      problems.push(`operations[${i}]: ${key} is listed twice`);
      return;
    }
    const opCodes = new Map<number, Texts>();
    const ranges: CodeRange[] = [];
    op.codes.forEach((c, j) => {
      const value = typeof c === 'object' ? c.code : c;
      const description = typeof c === 'object' ? toTexts(c.description) : {};
      if (typeof value === 'string') {
        ranges.push({ ...parseRange(value), description });
      } else if (opCodes.has(value)) {
        problems.push(`operations[${i}].codes[${j}]: code ${value} is listed twice`);
      } else {
        opCodes.set(value, description);
      }
    });
    operations.set(key, { method: op.method.toUpperCase(), route: op.route, codes: opCodes, ranges });
  });
  if (problems.length > 0) throw new CatalogError(file, problems);
  const catalog: Catalog = { name: parsed.data.name ?? file, source: file, codes, ranges: [], operations };
  if (operations.size === 0) return catalog;
  // Framework adapters report `/pets/:id` for the document's `/pets/{id}`: the same operation.
  for (const op of [...operations.values()]) {
    const alias = colonTemplate(op.route);
    if (alias !== undefined && !operations.has(operationKey(op.method, alias))) operations.set(operationKey(op.method, alias), op);
  }
  // The operations' templates also name the routes of servers whose framework reports none.
  const routes = [...new Set([...operations.values()].map((op) => op.route))];
  const bad = routes.find((r) => !r.startsWith('/'));
  if (bad !== undefined) throw new CatalogError(file, [`operations: route "${bad}" does not start with "/"`]);
  return { ...catalog, routes: compileRoutes(routes) };
}
