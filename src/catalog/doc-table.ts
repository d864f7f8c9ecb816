import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type * as Marked from 'marked';
import type { Token, Tokens } from 'marked';
import { dependency } from '../dependency.js';
import type { Catalog, CatalogEntry } from './types.js';
import { CatalogError } from './errors.js';
import { detectLanguage } from './lang.js';
import { clean, htmlTables, htmlText } from './doc-table-html.js';
import type { RawTable } from './doc-table-html.js';

/** Options of a documentation-table import. */
export interface DocTableOptions {
  /** Language tag of the document's texts; default: detected from their script (see `detectLanguage`). */
  readonly lang?: string;
  /** `markdown` (Markdown with embedded HTML, the default) or `html`; default: by file extension. */
  readonly format?: 'markdown' | 'html';
}

const CODE_CELL = /^([1-9]\d{2})(?=\s|$|[^\d])/;
const DESCRIPTION_HEADER = /description|meaning|message|explanation|details?|说明|描述|含义|解释|备注|説明|설명/i;
/** Group headings that mean the built-in catalog's `normal` / `abnormal`. */
const GROUP_NAMES: Readonly<Record<string, string>> = {
  正常: 'normal', 成功: 'normal', normal: 'normal',
  异常: 'abnormal', 異常: 'abnormal', 错误: 'abnormal', 失败: 'abnormal', abnormal: 'abnormal',
};

function inlineText(tokens: readonly Token[] | undefined, raw: string): string {
  if (!tokens) return htmlText(raw);
  let out = '';
  for (const t of tokens) {
    if (t.type === 'html') out += htmlText(t.raw);
    else if (t.type === 'br') out += ' ';
    else if ('tokens' in t && Array.isArray(t.tokens)) out += inlineText(t.tokens, t.raw);
    else if ('text' in t && typeof t.text === 'string') out += t.text;
  }
  return htmlText(out);
}

function markdownTables(tokens: readonly Token[]): RawTable[] {
  const tables: RawTable[] = [];
  let heading: string | undefined;
  const walk = (list: readonly Token[], group: string | undefined): void => {
    for (const t of list) {
      if (t.type === 'heading') {
        if ((t as Tokens.Heading).depth >= 2) heading = inlineText((t as Tokens.Heading).tokens, t.raw);
      } else if (t.type === 'table') {
        const table = t as Tokens.Table;
        tables.push({
          header: table.header.map((c) => inlineText(c.tokens, c.text)),
          rows: table.rows.map((row) => row.map((c) => inlineText(c.tokens, c.text))),
          ...(group !== undefined ? { listGroup: group } : {}),
          ...(heading !== undefined ? { headingGroup: heading } : {}),
        });
      } else if (t.type === 'list') {
        for (const item of (t as Tokens.List).items) {
          const first = item.tokens.find((x) => x.type !== 'space');
          const lead = first && (first.type === 'text' || first.type === 'paragraph') ? inlineText((first as Tokens.Text).tokens, first.raw) : '';
          walk(item.tokens, lead !== '' && lead.length <= 60 ? lead : group);
        }
      } else if (t.raw.includes('<table') || t.raw.includes('<TABLE')) {
        const found = htmlTables(t.raw, heading, group);
        tables.push(...found.tables);
        heading = found.heading;
      }
    }
  };
  walk(tokens, undefined);
  return tables;
}

function groupName(text: string): string {
  return GROUP_NAMES[text.toLowerCase()] ?? text;
}

function columns(table: RawTable): { code: number; description: number } | undefined {
  const width = Math.max(table.header.length, ...table.rows.map((r) => r.length));
  let code = -1;
  for (let c = 0; c < width && code < 0; c++) {
    const cells = table.rows.map((r) => r[c] ?? '').filter((s) => s !== '');
    if (cells.length > 0 && cells.filter((s) => CODE_CELL.test(s)).length * 2 > cells.length) code = c;
  }
  if (code < 0 || width < 2) return undefined;
  const byHeader = table.header.findIndex((h, i) => i !== code && DESCRIPTION_HEADER.test(h));
  return { code, description: byHeader >= 0 ? byHeader : code === 0 ? 1 : 0 };
}

/**
 * Builds a catalog from the documentation tables of a Markdown or HTML document such as the
 * seed's status-code page: every table with a status-code column (cells like `400 Bad Request`)
 * and a description column (by header, e.g. "description" / "说明", else the next column), in
 * any language. The list item or heading a table sits under becomes each code's `group` (the
 * usual 正常/异常 become `normal`/`abnormal`); headings only when they tell the tables apart.
 * Texts are stored under `options.lang`, or the language detected from their script.
 *
 * @example
 * ```ts
 * const catalog = catalogFromDocTable('| Code | Meaning |\n|---|---|\n| 404 Not Found | No such page. |\n', 'codes.md');
 * catalog.codes.get(404); // { code: 404, description: { en: 'No such page.' } }
 * ```
 */
export function catalogFromDocTable(text: string, shownAs: string, options: DocTableOptions = {}): Catalog {
  const format = options.format ?? (/^\s*</.test(text) && !/^\s*<a\s/i.test(text) ? 'html' : 'markdown');
  const tables = format === 'html' ? htmlTables(text).tables : markdownTables(dependency<typeof Marked>('marked').marked.lexer(text));
  const headingGroups = new Set(tables.map((t) => t.headingGroup));
  const useHeadings = headingGroups.size > 1;
  const problems: string[] = [];
  const found: { code: number; text: string; group: string | undefined; where: string }[] = [];
  tables.forEach((table, t) => {
    const cols = columns(table);
    if (cols === undefined) return;
    table.rows.forEach((row, r) => {
      const where = `table ${t + 1}, row ${r + 1}`;
      const cell = row[cols.code] ?? '';
      if (cell === '') return;
      const m = CODE_CELL.exec(cell);
      if (!m) {
        problems.push(`${where}: "${cell}" is not a status code`);
        return;
      }
      const group = table.listGroup ?? (useHeadings ? table.headingGroup : undefined);
      found.push({ code: Number(m[1]), text: clean(row[cols.description] ?? ''), group: group === undefined ? undefined : groupName(group), where });
    });
  });
  if (found.length === 0 && problems.length === 0) throw new CatalogError(shownAs, ['no table with a status-code column (cells such as "400 Bad Request") found']);
  const lang = options.lang ?? detectLanguage(found.map((f) => f.text));
  const codes = new Map<number, CatalogEntry>();
  const firstAt = new Map<number, { text: string; where: string }>();
  for (const f of found) {
    const seen = firstAt.get(f.code);
    if (seen) {
      if (seen.text !== f.text) problems.push(`${f.where}: code ${f.code} is listed twice with different descriptions (first at ${seen.where})`);
      continue;
    }
    firstAt.set(f.code, f);
    codes.set(f.code, { code: f.code, ...(f.group !== undefined ? { group: f.group } : {}), description: f.text ? { [lang]: f.text } : {} });
  }
  if (problems.length > 0) throw new CatalogError(shownAs, problems.slice(0, 10));
  return { name: documentTitle(text, format) ?? basename(shownAs), source: shownAs, codes, ranges: [], operations: new Map() };
}

function documentTitle(text: string, format: 'markdown' | 'html'): string | undefined {
  if (format === 'html') {
    const m = /<(title|h1)[^>]*>([\s\S]*?)<\/\1>/i.exec(text);
    return m ? htmlText(m[2]!) || undefined : undefined;
  }
  const heading = dependency<typeof Marked>('marked').marked.lexer(text).find((t): t is Tokens.Heading => t.type === 'heading' && (t as Tokens.Heading).depth === 1);
  return heading ? inlineText(heading.tokens, heading.raw) || undefined : undefined;
}

/**
 * Reads a documentation file (`.html`/`.htm` as HTML, anything else as Markdown with embedded
 * HTML) into a catalog; see `catalogFromDocTable`.
 *
 * @example
 * ```ts
 * const catalog = importDocTableFile('docs/status-codes.md', { lang: 'zh' });
 * ```
 */
export function importDocTableFile(file: string, options: DocTableOptions = {}): Catalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogError(file, [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  const ext = extname(file).toLowerCase();
  const format = options.format ?? (ext === '.html' || ext === '.htm' ? 'html' : 'markdown');
  return catalogFromDocTable(text, file, { ...options, format });
}
