import type * as HtmlParser from 'node-html-parser';
import type { HTMLElement, Node } from 'node-html-parser';
import { dependency } from '../dependency.js';

/** node-html-parser's `parse`, loaded when the first HTML text is read. */
function parse(html: string): HtmlParser.HTMLElement {
  return dependency<typeof HtmlParser>('node-html-parser').parse(html);
}
// node-html-parser's NodeType values (the DOM's), without loading it to read them.
const ELEMENT_NODE = 1 as HtmlParser.NodeType.ELEMENT_NODE;
const TEXT_NODE = 3 as HtmlParser.NodeType.TEXT_NODE;

/** A table found in a document: header texts (maybe empty), body rows, and the group it sits in. */
export interface RawTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** From the list item holding the table (`- 正常` then the table). */
  readonly listGroup?: string;
  /** From the nearest heading (level 2-6) before the table. */
  readonly headingGroup?: string;
}

/**
 * Collapses whitespace and trims.
 * @example
 * ```ts
 * clean('  two\n  lines '); // 'two lines'
 * ```
 */
export function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The plain text of an HTML fragment (tags dropped, entities decoded).
 * @example
 * ```ts
 * htmlText('<p>a &amp; <b>b</b></p>'); // 'a & b'
 * ```
 */
export function htmlText(html: string): string {
  // Without a tag or an entity the text is its own text content (plain Markdown cells).
  return clean(/[<&]/.test(html) ? parse(html).textContent : html);
}

function cellsOf(row: HTMLElement): HTMLElement[] {
  return row.childNodes.filter((n): n is HTMLElement => n.nodeType === ELEMENT_NODE && ['td', 'th'].includes((n as HTMLElement).tagName.toLowerCase()));
}

function rowsOf(table: HTMLElement): HTMLElement[] {
  // Rows of this table only, not of tables nested in its cells.
  return table.querySelectorAll('tr').filter((tr) => tr.closest('table') === table);
}

function tableOf(table: HTMLElement, listGroup: string | undefined, headingGroup: string | undefined): RawTable {
  const rows = rowsOf(table);
  let header: string[] = [];
  const first = rows[0];
  if (first && (first.parentNode?.tagName.toLowerCase() === 'thead' || cellsOf(first).every((c) => c.tagName.toLowerCase() === 'th'))) {
    header = cellsOf(first).map((c) => clean(c.textContent));
    rows.shift();
  }
  return {
    header,
    rows: rows.map((tr) => cellsOf(tr).map((c) => clean(c.textContent))),
    ...(listGroup !== undefined ? { listGroup } : {}),
    ...(headingGroup !== undefined ? { headingGroup } : {}),
  };
}

/** The text a list item starts with, before any block (the "正常" of `<li>正常<table>...`). */
function leadOf(li: HTMLElement): string | undefined {
  let lead = '';
  for (const child of li.childNodes) {
    if (child.nodeType === TEXT_NODE) lead += child.textContent;
    else if (child.nodeType === ELEMENT_NODE) {
      const tag = (child as HTMLElement).tagName.toLowerCase();
      if (['table', 'ul', 'ol', 'div'].includes(tag)) break;
      lead += child.textContent;
    }
  }
  const text = clean(lead);
  return text === '' ? undefined : text;
}

/**
 * The tables of an HTML document or fragment, in document order, each with the list item lead
 * or the heading it sits under. `heading` is the heading in force before the fragment.
 *
 * @example
 * ```ts
 * htmlTables('<ul><li>Normal<table><tr><th>Code</th><th>Meaning</th></tr><tr><td>200</td><td>OK</td></tr></table></li></ul>');
 * // [{ header: ['Code', 'Meaning'], rows: [['200', 'OK']], listGroup: 'Normal' }]
 * ```
 */
export function htmlTables(html: string, heading?: string, listGroup?: string): { tables: RawTable[]; heading: string | undefined } {
  const tables: RawTable[] = [];
  let current = heading;
  const visit = (node: Node, group: string | undefined): void => {
    if (node.nodeType !== ELEMENT_NODE) return;
    const el = node as HTMLElement;
    const tag = el.tagName?.toLowerCase() ?? '';
    if (/^h[2-6]$/.test(tag)) {
      current = clean(el.textContent) || current;
      return;
    }
    if (tag === 'table') {
      tables.push(tableOf(el, group, current));
      return;
    }
    const inner = tag === 'li' ? (leadOf(el) ?? group) : group;
    for (const child of el.childNodes) visit(child, inner);
  };
  for (const child of parse(html).childNodes) visit(child, listGroup);
  return { tables, heading: current };
}
