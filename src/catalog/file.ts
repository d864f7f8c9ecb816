import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { CATEGORIES } from './types.js';
import type { Catalog, CatalogEntry, CodeRange, OperationCodes, Texts } from './types.js';
import { operationKey } from './types.js';
import { CatalogError } from './errors.js';

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

/** The catalog file format (JSON or YAML); see the README's "Catalog format". */
export const catalogFileSchema = z.strictObject({
  name: z.string().optional(),
  codes: z.array(entrySchema),
  operations: z.array(operationSchema).optional(),
});

/** The parsed form of a catalog file. */
export type CatalogFile = z.infer<typeof catalogFileSchema>;

function toTexts(value: string | Record<string, string> | undefined): Texts {
  if (value === undefined) return {};
  return typeof value === 'string' ? { en: value } : value;
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(top level)';
}

/** Reads a document (JSON or YAML) and reports syntax errors with line and column. */
export function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  try {
    // YAML 1.2 is a superset of JSON, so one parser serves both; duplicate keys are errors.
    return parseYaml(text, { uniqueKeys: true, prettyErrors: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const pos = err.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      const first = err.message.split('\n')[0] ?? err.message;
      throw new CatalogError(file, [`${where}${first.replace(/ at line \d+, column \d+:?$/, '')}`]);
    }
    throw new CatalogError(file, [`cannot parse: ${String(err)}`]);
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
  const parsed = catalogFileSchema.safeParse(doc);
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
  return { name: parsed.data.name ?? file, source: file, codes, ranges: [], operations };
}
