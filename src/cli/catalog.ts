import { readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { Catalog } from '../catalog/types.js';
import { CatalogError } from '../catalog/errors.js';
import { loadCatalog } from '../catalog/load.js';
import { readDocument } from '../catalog/file.js';
import { catalogFromOpenApi, isOpenApiDocument } from '../catalog/openapi.js';
import { importDocTableFile } from '../catalog/doc-table.js';
import { catalogToYaml, distinctOperations } from '../catalog/write.js';
import { categoryOfCode, pickText } from '../classify/classify.js';
import { CliError } from './errors.js';

const LANG_RE = /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/;

function langArg(value: string): string {
  if (!LANG_RE.test(value)) throw new InvalidArgumentError(`expected a language tag such as "en" or "zh", got "${value}"`);
  return value;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** Does the file hold an OpenAPI / Swagger document (by extension, or a top-level key)? */
function looksLikeOpenApi(file: string): boolean {
  const ext = extname(file).toLowerCase();
  if (['.yaml', '.yml', '.json'].includes(ext)) return true;
  let head: string;
  try {
    head = readFileSync(file, 'utf8').slice(0, 4096);
  } catch {
    return false; // the import below reports the unreadable file
  }
  return /^["']?(openapi|swagger)["']?\s*:/m.test(head) || /^\s*\{\s*"(openapi|swagger)"\s*:/.test(head);
}

/** Reads an OpenAPI/Swagger document or a Markdown/HTML documentation page into a catalog. */
function importCatalog(doc: string, lang: string | undefined): Catalog {
  const options = lang === undefined ? {} : { lang };
  if (!looksLikeOpenApi(doc)) return importDocTableFile(doc, options);
  const parsed = readDocument(resolve(doc), doc);
  if (!isOpenApiDocument(parsed)) {
    throw new CatalogError(doc, ['not an OpenAPI or Swagger document (no top-level "openapi" or "swagger" key); a catalog file needs no import, see "faultline catalog check"']);
  }
  return catalogFromOpenApi(resolve(doc), doc, options, parsed);
}

/** Display width in a terminal: East Asian wide characters take two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

/**
 * A catalog as a readable table: one line per code (code, category, group, description in
 * `lang`), then one line per operation with its documented codes.
 *
 * @example
 * ```ts
 * process.stdout.write(renderCatalog(builtinCatalog(), 'en'));
 * ```
 */
export function renderCatalog(catalog: Catalog, lang: string): string {
  const operations = distinctOperations(catalog);
  const lines = [`catalog ${catalog.name} (${catalog.source}): ${count(catalog.codes.size, 'code')}, ${count(operations.length, 'operation')}`];
  const rows = [['code', 'category', 'group', 'description']];
  for (const e of catalog.codes.values()) {
    rows.push([String(e.code), e.category ?? categoryOfCode(e.code), e.group ?? '-', pickText(e.description, lang) || '-']);
  }
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => width(r[c]!))));
  for (const r of rows) lines.push(`${pad(r[0]!, widths[0]!)}  ${pad(r[1]!, widths[1]!)}  ${pad(r[2]!, widths[2]!)}  ${r[3]!}`.trimEnd());
  if (operations.length > 0) {
    lines.push('', 'operations (their own lists win over the global list):');
    for (const op of operations) {
      const codes = [...op.codes.keys()].map(String);
      for (const range of op.ranges) codes.push(range.to === range.from + 99 && range.from % 100 === 0 ? `${range.from / 100}XX` : `${range.from}-${range.to}`);
      lines.push(`  ${op.method} ${op.route}: ${codes.length > 0 ? codes.join(', ') : '(no particular code)'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `faultline catalog import|show|check`.
 * @example
 * ```ts
 * const program = new Command('faultline');
 * registerCatalog(program);
 * await program.parseAsync(['catalog', 'show'], { from: 'user' });
 * ```
 */
export function registerCatalog(program: Command): void {
  const catalog = program
    .command('catalog')
    .description('import, show and check catalogs of documented status codes')
    .addHelpText('after', `
Examples:
  faultline catalog import docs/status-codes.md --out catalog.yaml
  faultline catalog import openapi.yaml --out catalog.yaml
  faultline catalog show
  faultline catalog check catalog.yaml
`);

  catalog
    .command('import <doc>')
    .description('a catalog file from an OpenAPI/Swagger document or a Markdown/HTML documentation table')
    .option('--out <file>', 'write the catalog YAML here (default: stdout)')
    .option('--lang <tag>', 'language tag of the document\'s texts (default: detected; CJK text -> zh/ja/ko, else en)', langArg)
    .addHelpText('after', '\nExamples:\n  faultline catalog import docs/status-codes.md --out catalog.yaml\n  faultline catalog import petstore.yaml --lang en\n')
    .action((doc: string, opts: { out?: string; lang?: string }) => {
      let imported: Catalog;
      try {
        imported = importCatalog(doc, opts.lang);
      } catch (err) {
        if (err instanceof CatalogError) throw new CliError(err.message);
        throw err;
      }
      const yaml = catalogToYaml(imported);
      if (opts.out === undefined) {
        process.stdout.write(yaml);
        return;
      }
      try {
        writeFileSync(opts.out, yaml);
      } catch (err) {
        throw new CliError(`cannot write ${opts.out} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      }
      process.stdout.write(`wrote ${opts.out}: ${count(imported.codes.size, 'code')}, ${count(distinctOperations(imported).length, 'operation')}\n`);
    });

  catalog
    .command('show [file]')
    .description('print a catalog (default: the built-in one) as a table')
    .addOption(new Option('--lang <tag>', 'language of the descriptions').default('en').argParser(langArg))
    .addHelpText('after', '\nExamples:\n  faultline catalog show\n  faultline catalog show --lang zh\n  faultline catalog show openapi.yaml\n')
    .action((file: string | undefined, opts: { lang: string }) => {
      let shown: Catalog;
      try {
        shown = loadCatalog(file);
      } catch (err) {
        if (err instanceof CatalogError) throw new CliError(err.message);
        throw err;
      }
      process.stdout.write(renderCatalog(shown, opts.lang));
    });

  catalog
    .command('check <file>')
    .description('validate a catalog file or OpenAPI document, naming each problem')
    .addHelpText('after', '\nExamples:\n  faultline catalog check catalog.yaml\n  faultline catalog check openapi.yaml\n\nExit code 0 with a one-line summary when the catalog is fine; 1 with one line per problem.\n')
    .action((file: string) => {
      let checked: Catalog;
      try {
        checked = loadCatalog(file);
      } catch (err) {
        if (!(err instanceof CatalogError)) throw err;
        for (const problem of err.problems) process.stderr.write(`faultline: catalog ${err.file}: ${problem}\n`);
        throw new CliError(`catalog ${err.file}: ${count(err.problems.length, 'problem')}`);
      }
      const routes = checked.routes?.size ?? 0;
      process.stdout.write(`${file}: ok (${checked.name}), ${count(checked.codes.size, 'code')}, ${count(distinctOperations(checked).length, 'operation')}, ${count(routes, 'route')}\n`);
    });
}
